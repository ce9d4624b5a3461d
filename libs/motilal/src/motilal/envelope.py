"""Motilal's response envelope: HTTP 200 with status SUCCESS, or FAILURE/ERROR and an errorcode."""

import logging
from collections.abc import Callable
from decimal import InvalidOperation
from typing import Any, TypeVar

from motilal.errors import ProtocolError

log = logging.getLogger("motilal.envelope")
T = TypeVar("T")
Body = dict[str, Any]
"""A JSON object as Motilal takes and answers it: a request body, an envelope, a row."""
# What a row with an odd field raises while parsed (pydantic's ValidationError is a ValueError).
ROW_ERRORS = (ValueError, TypeError, KeyError, ArithmeticError, InvalidOperation)


def is_success(body: Body) -> bool:
    return str(body.get("status", "")).upper() == "SUCCESS"


def failure(body: Body) -> tuple[str, str]:
    """(errorcode, message) of a failed envelope."""
    code = str(body.get("errorcode") or "")
    message = str(body.get("message") or "no message")
    return code, message


def rows(body: Body) -> list[Body]:
    """`data` as a list of rows; an empty book comes back as null, "null" or []."""
    data = body.get("data")
    if data in (None, "null", ""):
        return []
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list) and all(isinstance(r, dict) for r in data):
        return data
    raise ProtocolError(f"data should be a list of objects, got {type(data).__name__}")


def one(body: Body) -> Body:
    found = rows(body)
    if not found:
        raise ProtocolError("data is empty")
    return found[0]


def parse_rows(found: list[Body], parse: Callable[[Body], T], what: str) -> list[T]:
    """Each row parsed on its own: an odd row is logged and skipped, never the whole book."""
    parsed: list[T] = []
    for row in found:
        try:
            parsed.append(parse(row))
        except ROW_ERRORS as error:
            ident = row.get("uniqueorderid") or row.get("tradeno") or row.get("symboltoken")
            log.warning("%s row %r skipped: %s", what, ident, error)
    return parsed
