"""SQL of the durable command inbox: commands land here before their offsets are committed."""

from dataclasses import dataclass
from typing import TypeAlias

import asyncpg
from common.contracts.commands import CancelOrder, ModifyOrder, PlaceOrder
from common.topics import ORDER_COMMANDS

Command: TypeAlias = PlaceOrder | ModifyOrder | CancelOrder
KINDS: dict[type, str] = {PlaceOrder: "place", ModifyOrder: "modify", CancelOrder: "cancel"}


@dataclass(frozen=True)
class InboxRow:
    seq: int
    command: Command
    attempts: int


async def store_commands(pool: asyncpg.Pool, commands: list[Command]) -> list[str]:
    """Inserts the commands in one statement; returns the client ids that got new rows.

    A redelivered command (same event id), or a second place for the same order, is ignored.
    One round trip for the whole batch, in the batch's order (a client's commands keep it).
    """
    if not commands:
        return []
    rows = await pool.fetch(
        """INSERT INTO command_inbox (event_id, kind, client_id, order_id, payload)
           SELECT event_id, kind, client_id, order_id, payload::jsonb
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
                WITH ORDINALITY AS c(event_id, kind, client_id, order_id, payload, n)
           ORDER BY n
           ON CONFLICT DO NOTHING RETURNING client_id""",
        [c.event_id for c in commands],
        [KINDS[type(c)] for c in commands],
        [c.client_id for c in commands],
        [c.order_id for c in commands],
        [c.model_dump_json() for c in commands],
    )
    return sorted({r["client_id"] for r in rows})


async def next_pending(pool: asyncpg.Pool, client_id: str) -> InboxRow | None:
    """The client's oldest unfinished command."""
    row = await pool.fetchrow(
        """SELECT seq, payload, attempts FROM command_inbox
           WHERE client_id = $1 AND done_at IS NULL ORDER BY seq LIMIT 1""",
        client_id,
    )
    if row is None:
        return None
    command = ORDER_COMMANDS.parse(row["payload"])
    assert isinstance(command, PlaceOrder | ModifyOrder | CancelOrder)
    return InboxRow(row["seq"], command, row["attempts"])


async def count_attempt(pool: asyncpg.Pool, seq: int) -> None:
    await pool.execute("UPDATE command_inbox SET attempts = attempts + 1 WHERE seq = $1", seq)


async def finish(pool: asyncpg.Pool, seq: int, outcome: str) -> None:
    await pool.execute(
        "UPDATE command_inbox SET done_at = now(), outcome = $2 WHERE seq = $1", seq, outcome[:500]
    )


async def clients_with_pending(pool: asyncpg.Pool) -> list[str]:
    rows = await pool.fetch("SELECT DISTINCT client_id FROM command_inbox WHERE done_at IS NULL")
    return [r["client_id"] for r in rows]
