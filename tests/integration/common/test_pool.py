"""The service pool: released connections go back without asyncpg's reset round trip."""

from common.db import create_pool
from common.ids import new_id
from stack.testing import TestStack


async def test_pool_release_sends_no_reset_query_but_rolls_back_open_transactions(
    stack: TestStack,
) -> None:
    pool = await create_pool(stack.postgres_dsn, f"p_{new_id()[:10]}", max_size=1)
    try:
        async with pool.acquire() as conn:
            await conn.execute("SET application_name TO 'kept-without-reset'")
        async with pool.acquire() as conn:
            # RESET ALL (asyncpg's default reset) would have put the startup value back
            assert await conn.fetchval("SHOW application_name") == "kept-without-reset"
            transaction = conn.transaction()
            await transaction.start()
            await conn.execute("CREATE TEMP TABLE left_open (x int)")
        async with pool.acquire() as conn:
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SELECT to_regclass('pg_temp.left_open')") is None
    finally:
        await pool.close()
