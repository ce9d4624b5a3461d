"""What was wrong with a request: the 422 every service answers, in FastAPI's own shape.

FastAPI refuses a body that does not fit its model with `{"detail": [{"loc", "msg",
"type"}, ...]}`; the checks a service makes itself (a client that is not registered, a
token that is not a number) answer the same way, so a caller reads every refusal of its
input alike: where (`loc`) and what is wrong (`msg`), one entry per problem.
"""

from typing import Any

from fastapi import HTTPException


def problem(loc: list[Any], msg: str) -> dict[str, Any]:
    """One entry of a 422 `detail`: `loc` names the place (e.g. ["body", "client_id"])."""
    return {"loc": loc, "msg": msg, "type": "value_error"}


def invalid(problems: list[dict[str, Any]]) -> HTTPException:
    """The 422 naming every problem of the request (entries made by `problem`)."""
    return HTTPException(422, problems)
