"""Desk groups (issue 14): named sets of clients traded together.

Admins create, replace and delete groups; anyone with a token reads them; traders trade
them through execute-all's `group` + `allocation` (routes/orders.py, gateway/allocation.py).
Each member has a multiplier (> 0, default 1) and an optional cap (`max_quantity`, shares
per order); a client can be in several groups. Every change is audited with the members
before and after.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from common.problems import invalid, problem
from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from gateway import audit, deps
from gateway import store_groups as store
from gateway.allocation import Member
from gateway.auth.deps import Admin, Viewer
from gateway.clients.store_clients import find_clients
from gateway.peers import PeersDep
from gateway.routes.limits import follow_group

router = APIRouter(prefix="/api/v1/groups", tags=["groups"])

NAME_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: str = Field(min_length=1)
    multiplier: Decimal = Field(
        default=Decimal(1), gt=0, le=1000, decimal_places=4,
        description="`multiplier` allocation: base quantity x this, rounded down to lots",
    )  # fmt: skip
    max_quantity: int | None = Field(
        default=None, ge=1, description="cap in shares per order for this client in this group"
    )


class GroupChange(BaseModel):
    """The whole group as it should be (PUT replaces the members)."""

    model_config = ConfigDict(extra="forbid")

    description: str = Field(default="", max_length=500)
    members: list[MemberIn] = Field(min_length=1, max_length=5000)


class GroupIn(GroupChange):
    name: str = Field(pattern=NAME_PATTERN, description="letters, digits, `_ . -`; 1-64")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "name": "hni",
                "description": "high net worth",
                "members": [
                    {"client_id": "EMUM7551", "multiplier": "2"},
                    {"client_id": "EMUM7552", "multiplier": "0.5", "max_quantity": 500},
                ],
            }
        },
    )


class MemberOut(BaseModel):
    client_id: str
    multiplier: str
    max_quantity: int | None


class GroupOut(BaseModel):
    name: str
    description: str
    members: list[MemberOut]
    created_by: str
    updated_by: str
    created_at: datetime
    updated_at: datetime


def group_out(group: store.GroupRecord) -> GroupOut:
    return GroupOut(
        name=group.name,
        description=group.description,
        members=[_member_out(m) for m in group.members],
        created_by=group.created_by,
        updated_by=group.updated_by,
        created_at=group.created_at,
        updated_at=group.updated_at,
    )


def _member_out(member: Member) -> MemberOut:
    # normalize(): "2.0000" from numeric(12,4) reads as "2"
    multiplier = format(member.multiplier.normalize(), "f")
    return MemberOut(
        client_id=member.client_id, multiplier=multiplier, max_quantity=member.max_quantity
    )


def _not_found(name: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"no group named {name!r}")


async def _checked_members(pool: deps.Pool, members: list[MemberIn]) -> list[Member]:
    """The members to store; 422 naming every unknown or repeated client."""
    known = await find_clients(pool, [m.client_id for m in members])
    problems: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, member in enumerate(members):
        loc = ["body", "members", index, "client_id"]
        if member.client_id in seen:
            problems.append(problem(loc, f"client {member.client_id} appears twice (members "
                                         f"{seen[member.client_id]} and {index})"))  # fmt: skip
        elif member.client_id not in known:
            problems.append(problem(loc, f"client {member.client_id} is not registered"))
        seen.setdefault(member.client_id, index)
    if problems:
        raise invalid(problems)
    return [Member(m.client_id, m.multiplier, m.max_quantity) for m in members]


def _members_json(group: store.GroupRecord | None) -> list[dict[str, Any]] | None:
    if group is None:
        return None
    return [_member_out(m).model_dump() for m in group.members]


@router.get("", summary="List desk groups with their members")
async def list_groups(_: Viewer, pool: deps.Pool) -> list[GroupOut]:
    return [group_out(g) for g in await store.list_groups(pool)]


@router.get("/{name}", summary="One desk group")
async def get_group(name: str, _: Viewer, pool: deps.Pool) -> GroupOut:
    group = await store.get_group(pool, name)
    if group is None:
        raise _not_found(name)
    return group_out(group)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a desk group (admin)")
async def create_group(body: GroupIn, admin: Admin, pool: deps.Pool) -> GroupOut:
    members = await _checked_members(pool, body.members)
    async with pool.acquire() as conn, conn.transaction():
        if not await store.insert_group(conn, body.name, body.description, admin.username):
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"a group named {body.name!r} already exists; PUT /api/v1/groups/{body.name} "
                "changes it",
            )
        await store.replace_members(conn, body.name, members)
        group = await store.get_group(conn, body.name)
        assert group is not None
        details = {"description": body.description, "members": _members_json(group)}
        await audit.record(conn, admin, "group.create", body.name, details)
    return group_out(group)


@router.put("/{name}", summary="Replace a desk group's description and members (admin)")
async def update_group(
    name: str, body: GroupChange, admin: Admin, pool: deps.Pool, peers: PeersDep
) -> GroupOut:
    members = await _checked_members(pool, body.members)
    async with pool.acquire() as conn, conn.transaction():
        before = await store.get_group(conn, name, lock=True)
        if before is None:
            raise _not_found(name)
        await store.update_group(conn, name, body.description, admin.username)
        await store.replace_members(conn, name, members)
        group = await store.get_group(conn, name)
        assert group is not None
        details = {
            "description": body.description,
            "members_before": _members_json(before),
            "members": _members_json(group),
        }
        await audit.record(conn, admin, "group.update", name, details)
    await follow_group(peers, name, [m.client_id for m in group.members], admin.username)
    return group_out(group)


@router.delete(
    "/{name}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a desk group (admin)"
)
async def delete_group(name: str, admin: Admin, pool: deps.Pool, peers: PeersDep) -> None:
    async with pool.acquire() as conn, conn.transaction():
        before = await store.get_group(conn, name, lock=True)
        if before is None or not await store.delete_group(conn, name):
            raise _not_found(name)
        await audit.record(conn, admin, "group.delete", name, {"members": _members_json(before)})
    await follow_group(peers, name, [], admin.username)  # its MTM limits watch no one
