"""Internal HTTP for sessions (called by the gateway, never exposed publicly).

GET  /internal/sessions/{client_id}        state, reason, error code, expiry
POST /internal/sessions/{client_id}/login  log in now, even after a FAILED login
POST /internal/sessions/{client_id}/otp    complete an OTP login with the code
"""

from collections.abc import Callable
from datetime import datetime

import asyncpg
from common.problems import invalid, problem
from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from broker_adapter.sessions import store_sessions
from broker_adapter.sessions.manager import SessionManager
from broker_adapter.sessions.session import SessionUnavailable
from broker_adapter.sessions.store_sessions import SessionRow

PoolOf = Callable[[], asyncpg.Pool]


class SessionOut(BaseModel):
    state: str
    reason: str | None
    error_code: str | None
    expires_at: datetime | None
    updated_at: datetime


class OtpIn(BaseModel):
    otp: str = Field(pattern=r"^\d{6}$")
    actor: str | None = None


class LoginIn(BaseModel):
    actor: str | None = None


def _out(row: SessionRow) -> SessionOut:
    return SessionOut.model_validate(row, from_attributes=True)


def router(sessions: SessionManager, pool_of: PoolOf) -> APIRouter:
    api = APIRouter(prefix="/internal/sessions", tags=["sessions"])

    async def known(client_id: str) -> None:
        if await store_sessions.get_account(pool_of(), client_id) is None:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"client {client_id!r} is not in the registry"
            )

    @api.get("/{client_id}")
    async def get_session(client_id: str) -> SessionOut:
        return _out(await sessions.status(client_id))

    @api.post("/{client_id}/login")
    async def login(client_id: str, body: LoginIn | None = None) -> SessionOut:
        await known(client_id)
        return _out(await sessions.login(client_id))

    @api.post("/{client_id}/otp")
    async def otp(client_id: str, body: OtpIn) -> SessionOut:
        await known(client_id)
        try:
            return _out(await sessions.verify_otp(client_id, body.otp))
        except SessionUnavailable as error:
            raise invalid([problem(["body", "otp"], error.reason)]) from error

    return api
