"""SQL of the durable command inbox: commands land here before their offsets are committed."""

from collections.abc import Collection, Sequence
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
    behind: bool = False
    """(a row just stored) its client has earlier unfinished rows that are this replica's or
    nobody's (a lease ran out): they must be queued first, by `renew_and_claim`"""


async def store_commands(
    pool: asyncpg.Pool, commands: list[Command], owner: str, lease_s: float
) -> list[InboxRow]:
    """Inserts the commands in one statement; answers the new rows `owner` runs, in order.

    A redelivered command (same event id), or a second place for the same order, is ignored.
    One round trip for the whole batch, in the batch's order (a client's commands keep it).
    A client whose earlier rows another live replica still runs (the partition moved while
    it worked) gets its new rows leased to that replica too: it claims them with its next
    renewal and runs them after the earlier ones, so one replica runs a client at a time.
    A row is `behind` when its client has earlier unfinished rows that are not another live
    replica's (the statement's snapshot does not see the rows it inserts).
    """
    if not commands:
        return []
    rows = await pool.fetch(
        """WITH stored AS (
               INSERT INTO command_inbox
                   (event_id, kind, client_id, order_id, payload, owner, lease_until)
               SELECT c.event_id, c.kind, c.client_id, c.order_id, c.payload::jsonb,
                      coalesce(live.owner, $6), now() + make_interval(secs => $7)
               FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
                    WITH ORDINALITY AS c(event_id, kind, client_id, order_id, payload, n)
               LEFT JOIN LATERAL (
                   SELECT i.owner FROM command_inbox i
                   WHERE i.client_id = c.client_id AND i.done_at IS NULL
                     AND i.owner <> $6 AND i.lease_until > now()
                   LIMIT 1) AS live ON true
               ORDER BY c.n
               ON CONFLICT DO NOTHING RETURNING seq, event_id, owner, client_id)
           SELECT s.seq, s.event_id, s.owner, EXISTS (
                      SELECT 1 FROM command_inbox i
                      WHERE i.client_id = s.client_id AND i.done_at IS NULL
                        AND (i.owner = $6 OR i.lease_until IS NULL OR i.lease_until <= now())
                  ) AS behind
           FROM stored s""",
        [c.event_id for c in commands],
        [KINDS[type(c)] for c in commands],
        [c.client_id for c in commands],
        [c.order_id for c in commands],
        [c.model_dump_json() for c in commands],
        owner,
        lease_s,
    )
    stored = {r["event_id"]: r for r in rows if r["owner"] == owner}
    return [
        InboxRow(stored[c.event_id]["seq"], c, 0, behind=stored[c.event_id]["behind"])
        for c in commands
        if c.event_id in stored
    ]


async def renew_and_claim(
    pool: asyncpg.Pool, owner: str, lease_s: float, known: Collection[int] = ()
) -> list[InboxRow]:
    """Every unfinished row `owner` runs but those in `known` (queued already), oldest
    first, after renewing their leases and claiming those of replicas that stopped
    renewing (dead, or stopped).

    A client's rows are claimed only when no other live replica runs any of them, so one
    replica runs a client's commands at a time, in order. At start-up this is the resume.
    """
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            """UPDATE command_inbox c
               SET owner = $1, lease_until = now() + make_interval(secs => $2)
               WHERE c.done_at IS NULL
                 AND (c.owner = $1
                      OR ((c.lease_until IS NULL OR c.lease_until <= now())
                          AND (strpos(coalesce(c.owner, ''), '/') = 0
                               OR split_part(c.owner, '/', 1) = split_part($1, '/', 1))
                          AND NOT EXISTS (
                              SELECT 1 FROM command_inbox o
                              WHERE o.client_id = c.client_id AND o.done_at IS NULL
                                AND o.owner <> $1 AND o.lease_until > now())))""",
            owner,
            lease_s,
        )
        rows = await conn.fetch(
            """SELECT seq, payload, attempts FROM command_inbox
               WHERE done_at IS NULL AND owner = $1 AND seq <> ALL($2::bigint[])
               ORDER BY seq""",
            owner,
            list(known),
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
