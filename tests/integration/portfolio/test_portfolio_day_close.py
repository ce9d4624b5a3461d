"""The day-end writer against the portfolio's PostgreSQL, on a clock the test moves: it
writes a day once its close (and the delay) has passed, once only, and a writer started
later (a restart) writes a day it missed and leaves written ones as they were.

Dates are in 2025, which no other test trades or closes.
"""

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta

import asyncpg
import pytest
from common.db import create_pool
from common.enums import Exchange
from common.trading_days import IST, TradingCalendar
from portfolio.live import LiveBook
from portfolio.reports.charges import load_schedule
from portfolio.reports.closing import CloseClock
from portfolio.reports.days import DayReports
from stack.testing import TestStack

FRI, MON, TUE = date(2025, 6, 6), date(2025, 6, 9), date(2025, 6, 10)
CLOCK = CloseClock(
    TradingCalendar(exchange_holidays=lambda d: False),
    [Exchange.NSE, Exchange.BSE, Exchange.NSEFO, Exchange.BSEFO],
    timedelta(minutes=30),
)


@pytest.fixture(scope="module")
async def pool(stack: TestStack) -> AsyncIterator[asyncpg.Pool]:
    await stack.start_services(["portfolio"])  # its migrations are applied
    pool = await create_pool(stack.postgres_dsn, "portfolio")
    yield pool
    await pool.close()


def at(day: date, hh: int, mm: int) -> datetime:
    return datetime.combine(day, time(hh, mm), IST).astimezone(UTC)


def writer(pool: asyncpg.Pool, moment: list[datetime]) -> DayReports:
    return DayReports(lambda: pool, LiveBook(), load_schedule(), CLOCK, 300, lambda: moment[0])


async def test_day_close_writes_each_day_once_after_its_close_and_after_a_restart(
    pool: asyncpg.Pool,
) -> None:
    moment = [at(MON, 15, 59)]  # Monday's close + 30 min is 16:00
    reports = writer(pool, moment)
    assert await reports.close_due() == FRI  # the latest due day is the Friday before
    assert (await reports.read(MON)).status == "live"
    moment[0] = at(MON, 16, 0)
    assert await reports.close_due() == MON
    stored = await reports.read(MON)
    assert stored.status == "closed" and stored.written_at == at(MON, 16, 0)
    moment[0] = at(MON, 23, 0)
    assert await reports.close_due() is None  # written once

    # a restart on Wednesday morning: Tuesday was never written, so it is now
    moment[0] = at(date(2025, 6, 11), 9, 0)
    restarted = writer(pool, moment)
    assert await restarted.close_due() == TUE
    assert await restarted.close_due() is None
    assert await restarted.read(MON) == stored  # Monday as it was written

    async with pool.acquire() as conn:  # and nothing can change a written day
        with pytest.raises(asyncpg.RaiseError, match="never changed"):
            await conn.execute(
                "UPDATE day_closes SET written_at = now() WHERE trading_date = $1", MON
            )
