"""SQL of the durable command inbox: commands land here before their offsets are committed."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

import asyncpg
from common.contracts.commands import CancelOrder, ModifyOrder, PlaceOrder
from common.topics import ORDER_COMMANDS

Command: TypeAlias = PlaceOrder | ModifyOrder | CancelOrder
KINDS: dict[type, str] = {PlaceOrder: "place", ModifyOrder: "modify", CancelOrder: "cancel"}


@dataclass
class InboxRow:
    seq: int
    command: Command
    attempts: int
    """tries that failed for an unexpected reason (counted in the row as well)"""


async def store_commands(pool: asyncpg.Pool, commands: list[Command]) -> list[InboxRow]:
    """Inserts the commands in one statement; answers the rows that are new, in order.

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
           ON CONFLICT DO NOTHING RETURNING seq, event_id""",
        [c.event_id for c in commands],
        [KINDS[type(c)] for c in commands],
        [c.client_id for c in commands],
        [c.order_id for c in commands],
        [c.model_dump_json() for c in commands],
    )
    stored = {r["event_id"]: r["seq"] for r in rows}
    return [InboxRow(stored[c.event_id], c, 0) for c in commands if c.event_id in stored]


async def pending(pool: asyncpg.Pool) -> list[InboxRow]:
    """Every unfinished command, oldest first (at start-up)."""
    rows = await pool.fetch(
        "SELECT seq, payload, attempts FROM command_inbox WHERE done_at IS NULL ORDER BY seq"
    )
    return [InboxRow(r["seq"], _command(r["payload"]), r["attempts"]) for r in rows]


def _command(payload: str) -> Command:
    command = ORDER_COMMANDS.parse(payload)
    assert isinstance(command, PlaceOrder | ModifyOrder | CancelOrder)
    return command


async def count_attempt(pool: asyncpg.Pool, seq: int) -> None:
    await pool.execute("UPDATE command_inbox SET attempts = attempts + 1 WHERE seq = $1", seq)


async def finish_many(pool: asyncpg.Pool, finished: Sequence[tuple[int, str]]) -> None:
    """Marks commands done with their outcomes, in one statement."""
    await pool.execute(
        """UPDATE command_inbox c SET done_at = now(), outcome = f.outcome
           FROM unnest($1::bigint[], $2::text[]) AS f(seq, outcome) WHERE c.seq = f.seq""",
        [seq for seq, _ in finished],
        [outcome[:500] for _, outcome in finished],
    )
