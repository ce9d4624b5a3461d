"""The drift state in PostgreSQL when two replicas compare one client's snapshots at once
(a rebalance hands a partition over while its old owner still works on a batch)."""

import asyncio
from datetime import UTC, datetime

import asyncpg
from common.enums import Exchange, TradeType
from common.ids import new_id
from portfolio.drift import DriftRecord
from portfolio.store_accounts import Reconciliation, drift_state, save_drift
from waiting import wait_for as until

MINUTE_1 = datetime(2026, 11, 30, 9, 1, tzinfo=UTC)
MINUTE_2 = datetime(2026, 11, 30, 9, 2, tzinfo=UTC)


def _seen(times: int, at: datetime) -> DriftRecord:
    return DriftRecord(
        exchange=Exchange.NSE, token=2885, product="VALUEPLUS", trade_type=TradeType.INTRADAY,
        ours=10, broker=25, snapshots_seen=times, first_seen_at=MINUTE_1, last_seen_at=at,
    )  # fmt: skip


async def test_drift_a_clients_first_snapshots_compared_by_two_replicas_are_taken_in_turn(
    pool: asyncpg.Pool,
) -> None:
    client = f"d-{new_id()[:10]}"
    async with pool.acquire() as first, pool.acquire() as second:
        # the first replica compares the client's first two snapshots (no row of it yet)
        async with first.transaction():
            compared, _ = await drift_state(first, [client])
            assert compared == {}

            async def second_replica() -> dict[str, datetime]:
                async with second.transaction():
                    later, _ = await drift_state(second, [client])
                    return later

            reading = asyncio.create_task(second_replica())
            waiting_pid = second.get_server_pid()

            async def second_waits_for_the_first() -> bool:
                return bool(
                    await pool.fetchval(
                        """SELECT count(*) FROM pg_stat_activity
                           WHERE pid = $1 AND wait_event_type = 'Lock'""",
                        waiting_pid,
                    )
                )

            await until(second_waits_for_the_first, 10)
            await save_drift(
                first, {client: [_seen(2, MINUTE_2)]}, {client: Reconciliation(MINUTE_2, 1, 1)}
            )
        # ... and the second, let in only now, sees what the first compared
        assert await asyncio.wait_for(reading, 10) == {client: MINUTE_2}
