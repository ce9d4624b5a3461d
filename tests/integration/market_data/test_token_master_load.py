"""Loading the token master into PostgreSQL: a bad file changes nothing at all."""

from pathlib import Path

import pytest
from common.db import apply_migrations, create_pool
from market_data.instruments import store_instruments
from market_data.instruments.catalog import Catalog
from market_data.instruments.token_file import TokenFileError
from stack.testing import TestStack

MIGRATIONS = Path(__file__).resolve().parents[3] / (
    "services/market-data/src/market_data/migrations"
)


async def test_reload_bad_file_names_rows_and_leaves_master_untouched(
    stack: TestStack, tmp_path: Path
) -> None:
    pool = await create_pool(stack.postgres_dsn, "market_data", 2)
    try:
        await apply_migrations(pool, "market_data", MIGRATIONS)
        before_rows = await pool.fetchval("SELECT count(*) FROM instruments")
        before_load = await store_instruments.latest_load(pool)
        bad = tmp_path / "tokens.csv"
        bad.write_text(
            "symbol,token_id,exchange,instrument_type,lot_size,tick_size\n"
            "GOOD,1,NSE,EQ,1,0.05\n"
            "BAD,2,NSE,EQ,x,0.05\n"
            "WORSE,3,NSE,EQ,1,\n"
        )
        catalog = Catalog(lambda: pool, bad)
        with pytest.raises(TokenFileError) as caught:
            await catalog.reload_file("tester")
        assert caught.value.lines() == [
            f"{caught.value.source} line 3: lot_size 'x' is not a whole number",
            f"{caught.value.source} line 4: tick_size is empty",
        ]
        assert await pool.fetchval("SELECT count(*) FROM instruments") == before_rows
        assert await pool.fetchval("SELECT count(*) FROM instruments WHERE token = 1") == 0
        assert await store_instruments.latest_load(pool) == before_load
    finally:
        await pool.close()
