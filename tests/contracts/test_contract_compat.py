"""A published v1 schema only ever gains optional fields: anything else needs a v2 topic."""

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from common.asyncapi.__main__ import main
from common.asyncapi.compat import breaking_changes
from common.asyncapi.files import generated_files

ROOT = Path(__file__).parents[2]
DOCS = ROOT / "docs"
FILL = "schemas/orders.events.v1/order.filled.v1.json"


def _schema(name: str = FILL) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((DOCS / name).read_text())
    return body


def _first_published() -> dict[str, str]:
    """Each schema file's text in the commit that added it (the oldest one git knows)."""
    try:
        log = subprocess.run(
            ["git", "log", "--diff-filter=A", "--format=%H", "--name-only", "--", "docs/schemas"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    added: dict[str, str] = {}
    commit = ""
    for line in log.splitlines():
        if len(line) == 40 and "/" not in line:
            commit = line
        elif line.endswith(".json"):
            added[line] = commit  # later lines are older commits: the oldest wins
    return {
        path: subprocess.run(
            ["git", "show", f"{commit}:{path}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for path, commit in added.items()
    }


def test_no_published_schema_has_a_breaking_change_since_it_was_first_committed() -> None:
    published = _first_published()
    if not published:
        pytest.skip("no git history of docs/schemas (not a git checkout)")
    files = generated_files()
    problems = []
    for path, text in published.items():
        name = path.removeprefix("docs/")
        if name not in files:
            problems.append(f"{name}: message version removed")
            continue
        problems += [
            f"{name}: {p}" for p in breaking_changes(json.loads(text), json.loads(files[name]))
        ]
    assert not problems, (
        "breaking change to a published v1 schema; publish a .v2 topic:\n" + "\n".join(problems)
    )


def test_compat_allows_a_new_optional_field_and_new_words() -> None:
    old = _schema()
    new = copy.deepcopy(old)
    new["properties"]["venue"] = {"type": "string", "description": "added later"}
    new["properties"]["price"]["description"] = "rupees per share, said better"
    assert breaking_changes(old, new) == []


def test_compat_refuses_a_removed_field() -> None:
    old = _schema()
    new = copy.deepcopy(old)
    del new["properties"]["trade_no"]
    assert breaking_changes(old, new) == ["trade_no: removed"]


def test_compat_refuses_a_changed_type() -> None:
    old = _schema()
    new = copy.deepcopy(old)
    new["properties"]["quantity"]["type"] = "string"
    assert breaking_changes(old, new) == ["quantity: type changed from 'integer' to 'string'"]


def test_compat_refuses_a_field_made_required_or_added_as_required() -> None:
    old = _schema()
    new = copy.deepcopy(old)
    new["required"].append("causation_id")
    new["properties"]["venue"] = {"type": "string"}
    new["required"].append("venue")
    assert breaking_changes(old, new) == ["causation_id: made required", "venue: added as required"]


def test_compat_refuses_a_changed_enum_in_a_shared_definition() -> None:
    old = _schema()
    new = copy.deepcopy(old)
    new["$defs"]["Side"]["enum"] = ["BUY", "SELL", "SHORT"]
    assert breaking_changes(old, new) == [
        "side: enum changed from ['BUY', 'SELL'] to ['BUY', 'SELL', 'SHORT']"
    ]


def test_compat_refuses_a_nested_field_removed() -> None:
    old = _schema()
    new = copy.deepcopy(old)
    del new["$defs"]["Instrument"]["properties"]["lot_size"]
    assert breaking_changes(old, new) == ["instrument.lot_size: removed"]


def test_make_contracts_refuses_to_overwrite_a_schema_with_a_breaking_change(
    tmp_path: Path,
) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(DOCS / "schemas", docs / "schemas")
    published = _schema()
    published["properties"]["exchange_fee"] = {"type": "string"}  # the code no longer has it
    (docs / FILL).write_text(json.dumps(published))

    assert main(["write", "--docs", str(docs)]) == 1

    assert "exchange_fee" in (docs / FILL).read_text()
    assert not (docs / "asyncapi.yaml").exists()


def test_check_names_the_files_out_of_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "docs"
    assert main(["write", "--docs", str(docs)]) == 0
    (docs / "asyncapi.yaml").write_text("asyncapi: 3.0.0\n")

    assert main(["check", "--docs", str(docs)]) == 1
    assert f"out of date: {docs / 'asyncapi.yaml'}" in capsys.readouterr().out
