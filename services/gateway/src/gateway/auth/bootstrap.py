"""The first admin, created at start from ADMIN_USERNAME / ADMIN_PASSWORD."""

import asyncio
import logging

import asyncpg

from gateway import audit, store_users
from gateway.auth.passwords import hash_password
from gateway.auth.roles import Role
from gateway.config import DEV_ADMIN_PASSWORD, GatewaySettings

log = logging.getLogger(__name__)


class MissingSecrets(RuntimeError):
    """The service cannot start safely: a secret is missing outside dev mode."""


def check_secrets(settings: GatewaySettings) -> None:
    problems = settings.secret_problems()
    if problems:
        message = "gateway cannot start: " + "; ".join(problems)
        log.critical(message)
        raise MissingSecrets(message)
    if settings.dev_mode and settings.jwt_secret is None:
        log.warning(
            "DEV MODE: tokens are signed with the built-in demo JWT secret; "
            "set GATEWAY_JWT_SECRET for anything but local development"
        )


async def ensure_admin(pool: asyncpg.Pool, settings: GatewaySettings) -> None:
    """Create the first admin if no user of that name exists (an existing one is kept as is)."""
    username = settings.admin_username
    password = settings.effective_admin_password()
    if settings.dev_mode and password == DEV_ADMIN_PASSWORD:
        log.warning(
            "DEV MODE: the admin user is %r with the password 'admin'; "
            "set ADMIN_USERNAME / ADMIN_PASSWORD for anything but local development",
            username,
        )
    if await store_users.get_user(pool, username) is not None:
        return
    password_hash = await asyncio.to_thread(hash_password, password)
    async with pool.acquire() as conn, conn.transaction():
        created = await store_users.insert_user(conn, username, password_hash, Role.ADMIN)
        if created is not None:
            await audit.record(conn, "gateway", "user.create", username, {"role": "admin"})
            log.info("created the first admin user %r", username)


async def start(pool: asyncpg.Pool, settings: GatewaySettings) -> None:
    check_secrets(settings)
    await ensure_admin(pool, settings)
