"""SQL for desk groups and their members (and nothing else)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from common.db import Executor, from_row

from gateway.allocation import Member


@dataclass(frozen=True)
class GroupRecord:
    name: str
    description: str
    members: tuple[Member, ...]
    created_by: str
    updated_by: str
    created_at: datetime
    updated_at: datetime


_MEMBERS = """
    SELECT group_name, client_id, multiplier, max_quantity FROM desk_group_members
    WHERE group_name = ANY($1::text[]) ORDER BY group_name, position
"""


async def _with_members(db: Executor, rows: Sequence[asyncpg.Record]) -> list[GroupRecord]:
    members: dict[str, list[Member]] = {r["name"]: [] for r in rows}
    for m in await db.fetch(_MEMBERS, list(members)):
        members[m["group_name"]].append(Member(m["client_id"], m["multiplier"], m["max_quantity"]))
    return [from_row(GroupRecord, r, members=tuple(members[r["name"]])) for r in rows]


async def list_groups(db: Executor) -> list[GroupRecord]:
    return await _with_members(db, await db.fetch("SELECT * FROM desk_groups ORDER BY name"))


_GROUP = "SELECT * FROM desk_groups WHERE name = $1"
_GROUP_FOR_UPDATE = _GROUP + " FOR UPDATE"


async def get_group(db: Executor, name: str, *, lock: bool = False) -> GroupRecord | None:
    sql = _GROUP_FOR_UPDATE if lock else _GROUP
    row = await db.fetchrow(sql, name)
    return (await _with_members(db, [row]))[0] if row else None


async def insert_group(conn: asyncpg.Connection, name: str, description: str, actor: str) -> bool:
    """False when a group of that name exists."""
    inserted = await conn.fetchval(
        """INSERT INTO desk_groups (name, description, created_by, updated_by)
           VALUES ($1, $2, $3, $3) ON CONFLICT (name) DO NOTHING RETURNING name""",
        name,
        description,
        actor,
    )
    return inserted is not None


async def update_group(conn: asyncpg.Connection, name: str, description: str, actor: str) -> None:
    await conn.execute(
        """UPDATE desk_groups SET description = $2, updated_by = $3, updated_at = now()
           WHERE name = $1""",
        name,
        description,
        actor,
    )


async def replace_members(conn: asyncpg.Connection, name: str, members: Sequence[Member]) -> None:
    await conn.execute("DELETE FROM desk_group_members WHERE group_name = $1", name)
    await conn.executemany(
        """INSERT INTO desk_group_members
               (group_name, client_id, position, multiplier, max_quantity)
           VALUES ($1, $2, $3, $4, $5)""",
        [(name, m.client_id, i, m.multiplier, m.max_quantity) for i, m in enumerate(members)],
    )


async def delete_group(conn: asyncpg.Connection, name: str) -> bool:
    deleted = await conn.fetchval("DELETE FROM desk_groups WHERE name = $1 RETURNING name", name)
    return deleted is not None
