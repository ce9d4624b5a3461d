"""422 responses that name the field and the reason but never echo a secret back.

FastAPI's default validation error includes each field's `input`; for a password, API key,
TOTP secret, date of birth or PAN that would put the secret in the response (and in any
proxy log). This handler drops `input` wherever the location names such a field.
"""

from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

SENSITIVE_FIELDS = frozenset(
    {
        "password",
        "current_password",
        "new_password",
        "api_key",
        "totp_secret",
        "dob",
        "pan",
        "otp",
        "refresh_token",
        "access_token",
    }
)


def redact(errors: Any) -> list[dict[str, Any]]:
    cleaned = []
    for error in errors:
        error = dict(error)
        loc = {str(part) for part in error.get("loc", ())}
        # A body-level error (loc = ("body",)) may carry the whole body as its input, and
        # an object's or list's input may hold a credential nested in it.
        if loc & SENSITIVE_FIELDS or loc <= {"body"} or isinstance(error.get("input"), dict | list):
            error.pop("input", None)
            error.pop("ctx", None)  # a validator's own error text is already `msg`
        cleaned.append(error)
    return cleaned


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(status_code=422, content={"detail": jsonable_encoder(redact(exc.errors()))})
