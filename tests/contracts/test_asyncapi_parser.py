"""docs/asyncapi.yaml passes the AsyncAPI initiative's own parser (@asyncapi/parser, node).

The validator's npm dependencies are pinned by asyncapi-validator/package-lock.json and
installed with `npm ci` on first use. Without node the test is skipped, saying so.
"""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from common.asyncapi import build_document
from common.topics import ALL_TOPICS

HERE = Path(__file__).parent / "asyncapi-validator"
DOCUMENT = Path(__file__).parents[2] / "docs" / "asyncapi.yaml"


@pytest.fixture(scope="module")
def validate() -> "type[Validate]":
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to run @asyncapi/parser; install Node.js 18+")
    if not (HERE / "node_modules" / "@asyncapi" / "parser").is_dir():
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, f"npm ci failed in {HERE}:\n{done.stderr[-3000:]}"
    Validate.node = node
    return Validate


class Validate:
    node = "node"

    @classmethod
    def run(cls, path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [cls.node, "validate.mjs", str(path)],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=120,
        )


def test_committed_asyncapi_document_is_valid_asyncapi_3(validate: type[Validate]) -> None:
    done = validate.run(DOCUMENT)
    assert done.returncode == 0, done.stdout + done.stderr
    channels = 2 * len(ALL_TOPICS)  # each topic and its DLQ
    assert f"VALID: AsyncAPI 3.0.0 with {channels} channels" in done.stdout


def test_parser_refuses_a_document_with_a_wrong_kafka_binding(
    validate: type[Validate], tmp_path: Path
) -> None:
    document = build_document()
    binding = document["channels"]["ordersEventsV1"]["bindings"]["kafka"]
    binding["partitions"] = "eight"
    broken = tmp_path / "asyncapi.yaml"
    broken.write_text(yaml.safe_dump(document))

    done = validate.run(broken)

    assert done.returncode == 1
    assert "error" in done.stdout and "channels.ordersEventsV1.bindings.kafka" in done.stdout
