"""`python -m common.asyncapi write|check [--docs DIR]`: write or verify the contract files.

`write` refuses a breaking change to a published schema (see compat.py): bump the topic
to `.v2` instead. `check` exits 1 when a file differs from what the code generates.
"""

import argparse
import json
import sys
from pathlib import Path

from common.asyncapi.compat import breaking_changes
from common.asyncapi.files import SCHEMAS, generated_files


def _breaks(docs: Path, files: dict[str, str]) -> list[str]:
    problems = []
    for published in sorted((docs / SCHEMAS).glob("*/*.json")):
        name = published.relative_to(docs).as_posix()
        if name not in files:
            problems.append(f"{name}: message version removed")
            continue
        old, new = json.loads(published.read_text()), json.loads(files[name])
        problems += [f"{name}: {p}" for p in breaking_changes(old, new)]
    return problems


def _stale(docs: Path, files: dict[str, str]) -> list[str]:
    found = {p.relative_to(docs).as_posix() for p in docs.glob("s*/*/*.json")}
    return sorted(found - set(files))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m common.asyncapi")
    parser.add_argument("action", choices=("write", "check"))
    parser.add_argument("--docs", type=Path, default=Path("docs"), help="default: ./docs")
    args = parser.parse_args(argv)
    docs: Path = args.docs
    files = generated_files()
    if args.action == "write":
        problems = _breaks(docs, files)
        if problems:
            print("breaking change to a published schema; publish a .v2 topic instead:")
            print("\n".join(f"  {p}" for p in problems))
            return 1
        for name, text in files.items():
            path = docs / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        print(f"wrote {len(files)} files under {docs}/")
        return 0
    differ = [
        n for n, t in files.items() if not (docs / n).is_file() or (docs / n).read_text() != t
    ]
    differ += [f"{n} (no longer generated)" for n in _stale(docs, files)]
    for name in differ:
        print(f"out of date: {docs / name}")
    if differ:
        print("run `make contracts` and commit docs/")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
