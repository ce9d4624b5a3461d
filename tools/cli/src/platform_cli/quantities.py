"""The dealer terminals' bulk-upload file: `client code, quantity` rows, pure, no I/O.

A header row is allowed (a first row whose quantity is not a number); blank lines and
lines starting with # are skipped. Problems are collected and reported together.
"""

import csv
from collections.abc import Iterable


class QuantitiesError(ValueError):
    pass


def parse(lines: Iterable[str]) -> dict[str, int]:
    """Client code (upper-cased) -> quantity; raises naming every bad row."""
    wanted: dict[str, int] = {}
    problems: list[str] = []
    for number, row in enumerate(csv.reader(lines), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if len(cells) < 2 or not cells[0]:
            problems.append(f"row {number}: expected `client code, quantity`, got {row!r}")
            continue
        code, text = cells[0].upper(), cells[1]
        if not text.lstrip("-").isdigit():
            if number == 1:
                continue  # a header such as `client,quantity`
            problems.append(f"row {number}: quantity {text!r} of {code} is not a whole number")
            continue
        quantity = int(text)
        if quantity < 0:
            problems.append(f"row {number}: quantity {quantity} of {code} is negative")
        elif code in wanted:
            problems.append(f"row {number}: client {code} is listed twice")
        else:
            wanted[code] = quantity
    if problems:
        raise QuantitiesError("; ".join(problems))
    if not wanted:
        raise QuantitiesError("the file has no `client code, quantity` rows")
    return wanted


def unknown_codes(wanted: dict[str, int], known: Iterable[str]) -> list[str]:
    registered = {k.upper() for k in known}
    return sorted(code for code in wanted if code not in registered)
