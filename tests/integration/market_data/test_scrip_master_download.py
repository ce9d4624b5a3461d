"""Motilal's scrip master, downloaded from the simulator over HTTP, loads in Motilal's units."""

from datetime import date
from decimal import Decimal
from pathlib import Path

from common.db import apply_migrations, create_pool
from common.enums import Exchange
from market_data.instruments.catalog import Catalog
from motilal import Credentials, MotilalClient, MotilalSettings
from motilal.scrip_master import ScripMaster
from motilal_sim.testing import RunningSimulator
from pydantic import SecretStr
from stack.testing import TestStack

ROOT = Path(__file__).resolve().parents[3]
MIGRATIONS = ROOT / "services/market-data/src/market_data/migrations"
NOBODY = Credentials(
    client_code="NOBODY", password=SecretStr("-"), api_key=SecretStr("-"), two_fa=SecretStr("-")
)


async def test_scrip_master_loads_expiry_and_tick_as_motilal_writes_them(
    stack: TestStack, private_sim: RunningSimulator
) -> None:
    pool = await create_pool(stack.postgres_dsn, "market_data", 2)
    client = MotilalClient(MotilalSettings(base_url=private_sim.base_url), NOBODY)
    try:
        await apply_migrations(pool, "market_data", MIGRATIONS)
        raw = await ScripMaster(client.http).rows("NSEFO")
        # The wire carries Motilal's units: paisa and seconds since 1980, not rupees and dates.
        nifty = next(r for r in raw if r["scripcode"] == "62151")
        assert (nifty["ticksize"], nifty["expirydate"]) == ("10", "1483021800")
        [parsed] = [
            r for r in await ScripMaster(client.http).instruments("NSEFO") if r.token == 62151
        ]
        assert parsed.expiry == date(2026, 12, 29)

        catalog = Catalog(lambda: pool, ROOT / "data/tokens.csv", ScripMaster(client.http).rows)
        info = await catalog.reload_scrip_master([Exchange.NSEFO, Exchange.NSE], "tester")
        assert info.rows > 3
        row = await pool.fetchrow(
            "SELECT symbol, lot_size, tick_size FROM instruments"
            " WHERE source = 'scrip_master' AND exchange = 'NSEFO' AND token = 62151"
        )
        assert (row["symbol"], row["lot_size"], row["tick_size"]) == (
            "NIFTY26DECFUT", 65, Decimal("0.10"),
        )  # fmt: skip
        cash_tick = await pool.fetchval(
            "SELECT tick_size FROM instruments"
            " WHERE source = 'scrip_master' AND exchange = 'NSE' AND token = 2885"
        )
        assert cash_tick == Decimal("0.05")
    finally:
        await client.aclose()
        await pool.close()
