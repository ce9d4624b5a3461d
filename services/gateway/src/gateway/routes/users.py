"""Platform users: admins list, create, update and disable them.

Usernames are 3-64 letters, digits or `_ . @ -`; passwords at least 8 characters. The last
active admin cannot be demoted or disabled (the platform would be unmanageable).
"""

import asyncio
from datetime import datetime

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from gateway import audit, deps, store_users
from gateway.auth.deps import Admin
from gateway.auth.passwords import MIN_PASSWORD_LENGTH, hash_password
from gateway.auth.roles import Role

router = APIRouter(prefix="/api/v1/users", tags=["users"])

USERNAME_PATTERN = r"^[A-Za-z0-9_.@-]{3,64}$"


class UserCreate(BaseModel):
    username: str = Field(pattern=USERNAME_PATTERN)
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)
    role: Role


class UserUpdate(BaseModel):
    password: str | None = Field(default=None, min_length=MIN_PASSWORD_LENGTH, max_length=256)
    role: Role | None = None
    active: bool | None = None


class UserOut(BaseModel):
    username: str
    role: Role
    active: bool
    created_at: datetime
    updated_at: datetime


def _out(user: store_users.UserRecord) -> UserOut:
    # the view's fields, read off the record by name (never its password hash)
    return UserOut.model_validate(user, from_attributes=True)


def _not_found(username: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"no user named {username!r}")


@router.get("", summary="List platform users (admin)")
async def list_users(_: Admin, pool: deps.Pool) -> list[UserOut]:
    return [_out(u) for u in await store_users.list_users(pool)]


@router.get("/{username}", summary="One platform user (admin)")
async def get_user(
    username: str,
    _: Admin,
    pool: deps.Pool,
) -> UserOut:
    user = await store_users.get_user(pool, username)
    if user is None:
        raise _not_found(username)
    return _out(user)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a platform user (admin)")
async def create_user(
    body: UserCreate,
    admin: Admin,
    pool: deps.Pool,
) -> UserOut:
    password_hash = await asyncio.to_thread(hash_password, body.password)
    async with pool.acquire() as conn, conn.transaction():
        user = await store_users.insert_user(conn, body.username, password_hash, body.role)
        if user is None:
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"a user named {body.username!r} already exists"
            )
        await audit.record(conn, admin, "user.create", body.username, {"role": body.role.value})
    return _out(user)


@router.put("/{username}", summary="Change a user's role, password or active flag (admin)")
async def update_user(
    username: str,
    body: UserUpdate,
    admin: Admin,
    pool: deps.Pool,
) -> UserOut:
    password_hash = await asyncio.to_thread(hash_password, body.password) if body.password else None
    async with pool.acquire() as conn, conn.transaction():
        current = await store_users.get_user(conn, username)
        if current is None:
            raise _not_found(username)
        loses_admin = (
            current.role is Role.ADMIN
            and current.active
            and ((body.role is not None and body.role is not Role.ADMIN) or body.active is False)
        )
        if loses_admin and await store_users.count_active_admins(conn) <= 1:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"{username} is the last active admin: create another admin first",
            )
        user = await store_users.update_user(
            conn, username, password_hash=password_hash, role=body.role, active=body.active
        )
        assert user is not None
        # New password, new role or disabled: sessions from before must not live on.
        await store_users.revoke_user_tokens(conn, username)
        changes = body.model_dump(exclude_none=True, exclude={"password"})
        if body.password:
            changes["password"] = "changed"  # noqa: S105  (a marker, not a secret)
        await audit.record(conn, admin, "user.update", username, changes)
    return _out(user)


@router.post("/{username}/disable", summary="Disable a user (admin); same as PUT active=false")
async def disable_user(
    username: str,
    admin: Admin,
    pool: deps.Pool,
) -> UserOut:
    return await update_user(username, UserUpdate(active=False), admin, pool)
