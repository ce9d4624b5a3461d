"""SQL of who follows the open orders across replicas: the replicas' beats and takeovers.

Which orders a tracker follows is kept in its memory only. PostgreSQL keeps which replicas
are alive (`adapter_replicas`, beaten with the inbox lease renewals) and which replica ran
each command (`command_inbox.owner`, written with the command anyway): a gone replica's
open orders are those whose place or modify command it ran, the orders its tracker
followed (the executor and changes.py track what they place and modify).
"""

from collections.abc import Sequence

from common.db import Executor

from broker_adapter.execution import store_intents
from broker_adapter.execution.intents import Intent

KEPT_AFTER_DEATH = "7 days"
"""A gone replica's row is dropped this long after its last beat: its orders (DAY, and
after-market ones queued for the next session) have ended with their trading day."""


async def beat_and_take_over(db: Executor, owner: str, lease_s: float) -> list[str]:
    """Renews `owner`'s beat and makes it the heir of every replica of its pool whose beat
    lapsed and whose heir, if it has one, is gone too; answers those replicas' names.

    One statement over a handful of rows (one per process started in the last week). Two
    live replicas racing for one gone replica: the second waits for the first's row lock,
    then finds a live heir and skips it, so one replica takes over each gone one (both may,
    if the first beat for the first time in that very statement: then two follow the
    orders, which is safe).
    """
    rows = await db.fetch(
        f"""WITH beat AS (
               INSERT INTO adapter_replicas (owner, alive_until)
               VALUES ($1, now() + make_interval(secs => $2))
               ON CONFLICT (owner) DO UPDATE SET alive_until = excluded.alive_until,
                                                 heir = NULL),
           pruned AS (
               DELETE FROM adapter_replicas
               WHERE alive_until < now() - interval '{KEPT_AFTER_DEATH}')
           UPDATE adapter_replicas d SET heir = $1
           WHERE d.owner <> $1 AND d.alive_until <= now()
             AND d.alive_until >= now() - interval '{KEPT_AFTER_DEATH}'
             AND split_part(d.owner, '/', 1) = split_part($1, '/', 1)
             AND (d.heir IS NULL OR NOT EXISTS (
                      SELECT 1 FROM adapter_replicas h
                      WHERE h.owner = d.heir AND h.alive_until > now()))
           RETURNING d.owner""",  # noqa: S608  (a constant, not input)
        owner,
        lease_s,
    )
    return sorted(r["owner"] for r in rows)


async def open_orders_of(
    db: Executor, replicas: Sequence[str]
) -> list[tuple[Intent, frozenset[str]]]:
    """The open intents (PLACED, UNKNOWN) whose place or modify command one of `replicas`
    ran, oldest first, with their trade numbers reported. Read on a takeover only.

    Driven by the open intents, each looked up by order id in the inbox (a lateral join
    cannot be hashed): the cost follows the open orders, not the inbox's history."""
    rows = await db.fetch(
        """WITH taken AS (
               SELECT DISTINCT i.order_id, i.created_at
               FROM order_intents i
               CROSS JOIN LATERAL (
                   SELECT c.owner FROM command_inbox c
                   WHERE c.kind = 'place' AND c.order_id = i.order_id
                   UNION ALL
                   SELECT c.owner FROM command_inbox c
                   WHERE c.kind = 'modify' AND c.order_id = i.order_id) AS ran
               WHERE i.state IN ('PLACED', 'UNKNOWN') AND ran.owner = ANY($1::text[]))
           SELECT t.order_id,
                  COALESCE(array_agg(e.trade_no) FILTER (WHERE e.trade_no IS NOT NULL),
                           '{}') AS reported
           FROM taken t LEFT JOIN emitted_trades e ON e.order_id = t.order_id
           GROUP BY t.order_id, t.created_at ORDER BY t.created_at""",
        list(replicas),
    )
    intents = await store_intents.get_intents(db, [r["order_id"] for r in rows])
    return [
        (intents[r["order_id"]], frozenset(r["reported"])) for r in rows if r["order_id"] in intents
    ]
