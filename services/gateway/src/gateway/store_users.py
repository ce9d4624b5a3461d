"""SQL for platform users and refresh tokens (and nothing else)."""

from dataclasses import dataclass
from datetime import datetime

import asyncpg
from common.db import Executor, from_row

from gateway.auth.roles import Role


@dataclass(frozen=True)
class UserRecord:
    username: str
    password_hash: str
    role: Role
    active: bool
    created_at: datetime
    updated_at: datetime


def _user(row: asyncpg.Record) -> UserRecord:
    return from_row(UserRecord, row, role=Role(row["role"]))


async def get_user(db: Executor, username: str) -> UserRecord | None:
    row = await db.fetchrow("SELECT * FROM users WHERE username = $1", username)
    return _user(row) if row else None


async def list_users(db: Executor) -> list[UserRecord]:
    rows = await db.fetch("SELECT * FROM users ORDER BY username")
    return [_user(r) for r in rows]


async def insert_user(
    db: Executor, username: str, password_hash: str, role: Role
) -> UserRecord | None:
    """The new user, or None when the username is taken."""
    row = await db.fetchrow(
        """INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3)
           ON CONFLICT (username) DO NOTHING RETURNING *""",
        username,
        password_hash,
        role.value,
    )
    return _user(row) if row else None


async def update_user(
    db: Executor,
    username: str,
    *,
    password_hash: str | None = None,
    role: Role | None = None,
    active: bool | None = None,
) -> UserRecord | None:
    row = await db.fetchrow(
        """UPDATE users SET password_hash = COALESCE($2, password_hash),
                            role = COALESCE($3, role),
                            active = COALESCE($4, active),
                            updated_at = now()
           WHERE username = $1 RETURNING *""",
        username,
        password_hash,
        role.value if role else None,
        active,
    )
    return _user(row) if row else None


async def count_active_admins(db: Executor) -> int:
    value = await db.fetchval("SELECT count(*) FROM users WHERE role = 'admin' AND active")
    return int(value or 0)


async def insert_refresh_token(
    db: Executor, jti: str, family: str, username: str, expires_at: datetime
) -> None:
    await db.execute(
        """INSERT INTO refresh_tokens (jti, family, username, expires_at)
           VALUES ($1, $2, $3, $4)""",
        jti,
        family,
        username,
        expires_at,
    )


async def use_refresh_token(db: Executor, jti: str) -> str:
    """Mark a refresh token used, once: 'ok', 'reused' (already used/revoked) or 'unknown'."""
    used = await db.fetchval(
        """UPDATE refresh_tokens SET used_at = now()
           WHERE jti = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
           RETURNING jti""",
        jti,
    )
    if used:
        return "ok"
    exists = await db.fetchval("SELECT 1 FROM refresh_tokens WHERE jti = $1", jti)
    return "reused" if exists else "unknown"


async def revoke_family(db: Executor, family: str) -> None:
    await db.execute(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE family = $1 AND revoked_at IS NULL",
        family,
    )


async def revoke_user_tokens(db: Executor, username: str) -> None:
    await db.execute(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE username = $1 AND revoked_at IS NULL",
        username,
    )


async def delete_expired_tokens(db: Executor) -> int:
    status = await db.execute(
        "DELETE FROM refresh_tokens WHERE expires_at < now() - interval '1 day'"
    )
    return int(status.split()[-1])
