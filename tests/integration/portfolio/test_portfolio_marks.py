"""Quote ticks over real Kafka and PostgreSQL: marked in memory, published conflated.

Each test uses instruments no exchange master lists (so only its own quotes apply) and
its own clients, and reads portfolio.updates.v1 from the start, keeping its clients'
updates. A tick's update is told from a fill's by its actor ("portfolio").
"""

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from common.contracts.order_events import OrderFilled
from common.enums import Side
from common.ids import new_id
from common.topics import ORDER_EVENTS
from factories import make
from portfolio_testkit import Tap, buy, metric, send, tick, unlisted, until
from stack.testing import TestStack

WINDOW_S = 1.0
"""PORTFOLIO_PNL_PUBLISH_INTERVAL_MS of the test stack (the default)."""
CLOCK_SLACK_S = 0.05
"""Two updates of one flush-window apart may differ by this much on the wall clock."""


@pytest.fixture
async def db(stack: TestStack) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(stack.postgres_dsn)
    yield conn
    await conn.close()


async def summary_unrealized(http: httpx.AsyncClient, client: str) -> Decimal:
    body = (await http.get(f"/internal/clients/{client}/summary")).json()
    return Decimal(body["pnl"]["unrealized_pnl"])


async def row_versions(db: asyncpg.Connection, clients: list[str]) -> dict[str, tuple[str, str]]:
    """Each of the clients' position rows with its row version (xmin, ctid): any UPDATE of a
    row, even one that writes the same values, gives it a new version."""
    rows = await db.fetch(
        """SELECT position_id, xmin::text AS xmin, ctid::text AS ctid
           FROM portfolio.positions WHERE client_id = ANY($1::text[])""",
        clients,
    )
    return {r["position_id"]: (r["xmin"], r["ctid"]) for r in rows}


async def holders_ready(
    http: httpx.AsyncClient, tap: Tap, clients: list[str], positions: int = 1
) -> None:
    """Every client holds its positions and its fills' P&L was published."""

    async def ready() -> bool:
        for c in clients:
            if not tap.of(c, "pnl.changed"):
                return False
            found = (await http.get("/internal/positions", params={"client_id": c})).json()
            if len(found) < positions:
                return False
        return True

    await until(ready)


async def test_portfolio_popular_token_ticking_publishes_once_per_client_per_window_on_change(
    http: httpx.AsyncClient, producer: AIOKafkaProducer, stack: TestStack
) -> None:
    popular = unlisted(990101)
    holders = {f"m-{new_id()[:10]}": qty for qty in (1, 3, 5)}
    async with Tap(stack.kafka_bootstrap, set(holders)) as tap:
        for client, qty in holders.items():
            await buy(producer, client, popular, qty, "100")
        await holders_ready(http, tap, list(holders))

        # a storm: 60 ticks over about 3 windows, each moving every holder's P&L
        for step in range(1, 61):
            await tick(producer, popular, f"{100 + step * Decimal('0.25')}")
            await asyncio.sleep(0.05)
        final = Decimal("115")

        async def settled() -> bool:
            return all(
                (ups := tap.tick_pnl(c)) and Decimal(ups[-1]["unrealized_pnl"]) == qty * 15
                for c, qty in holders.items()
            )

        await until(settled)
        for client in holders:
            updates = tap.tick_pnl(client)
            assert 1 <= len(updates) < 60, [u["unrealized_pnl"] for u in updates]
            at = [datetime.fromisoformat(u["occurred_at"]) for u in updates]
            gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(at)]
            assert all(g >= WINDOW_S - CLOCK_SLACK_S for g in gaps), gaps
            totals = [Decimal(u["total_pnl"]) for u in updates]
            assert all(abs(b - a) >= Decimal("0.01") for a, b in itertools.pairwise(totals))

        # less than a paisa for every holder (5 x 0.001): evaluated, nothing published
        before = {c: len(tap.tick_pnl(c)) for c in holders}
        unchanged = await metric(http, "portfolio_pnl_updates_unchanged_total")
        await tick(producer, popular, f"{final + Decimal('0.001')}")

        async def evaluated() -> bool:
            now = await metric(http, "portfolio_pnl_updates_unchanged_total")
            return now >= unchanged + len(holders)

        await until(evaluated)
        # then a real move: exactly one more update each, with the new figure
        await tick(producer, popular, "116")

        async def moved() -> bool:
            return all(len(tap.tick_pnl(c)) > before[c] for c in holders)

        await until(moved)
        for client, qty in holders.items():
            (after,) = tap.tick_pnl(client)[before[client] :]
            assert Decimal(after["unrealized_pnl"]) == qty * 16


async def test_portfolio_tick_moves_only_that_tokens_holders(
    http: httpx.AsyncClient, producer: AIOKafkaProducer, stack: TestStack
) -> None:
    first, second = unlisted(990102), unlisted(990103)
    x, y, z = (f"h-{new_id()[:10]}" for _ in range(3))
    async with Tap(stack.kafka_bootstrap, {x, y, z}) as tap:
        await buy(producer, x, first, 2, "50")
        await buy(producer, y, second, 4, "80")
        await buy(producer, z, first, 1, "50")
        await buy(producer, z, second, 1, "80")
        await holders_ready(http, tap, [x, y])
        await holders_ready(http, tap, [z], positions=2)

        await tick(producer, first, "53")

        async def first_marked() -> bool:
            return bool(tap.tick_pnl(x)) and bool(tap.tick_pnl(z))

        await until(first_marked)
        assert Decimal(tap.tick_pnl(x)[-1]["unrealized_pnl"]) == 6
        assert Decimal(tap.tick_pnl(z)[-1]["unrealized_pnl"]) == 3
        assert await summary_unrealized(http, x) == 6
        assert await summary_unrealized(http, y) == 0  # holds only the other token
        (mine,) = (await http.get("/internal/positions", params={"client_id": x})).json()
        assert mine["last_price"] == "53" and Decimal(mine["unrealized_pnl"]) == 6

        # the other token now ticks: y's first quote-caused update is this one, so the
        # first token's tick (published before it on y's partition) sent y nothing
        await tick(producer, second, "79")

        async def second_marked() -> bool:
            return bool(tap.tick_pnl(y))

        await until(second_marked)
        (only,) = tap.tick_pnl(y)
        assert Decimal(only["unrealized_pnl"]) == -4
        assert await summary_unrealized(http, y) == -4


async def test_portfolio_ticks_write_nothing_to_postgres(
    http: httpx.AsyncClient, producer: AIOKafkaProducer, stack: TestStack, db: asyncpg.Connection
) -> None:
    instrument = unlisted(990104)
    holders = [f"w-{new_id()[:10]}" for _ in range(3)]
    async with Tap(stack.kafka_bootstrap, set(holders)) as tap:
        for client in holders:
            await buy(producer, client, instrument, 10, "200")
        await holders_ready(http, tap, holders)
        versions = await row_versions(db, holders)
        assert len(versions) == len(holders)
        marked = await metric(http, "portfolio_holder_clients_marked_total")

        for step in range(1, 21):
            await tick(producer, instrument, f"{200 + step}")

        async def all_marked() -> bool:
            return all(
                (ups := tap.tick_pnl(c)) and Decimal(ups[-1]["unrealized_pnl"]) == 200
                for c in holders
            )

        await until(all_marked)
        assert await metric(http, "portfolio_holder_clients_marked_total") >= marked + 3
        assert await row_versions(db, holders) == versions  # not one row version more
        (position, *_) = (await http.get("/internal/positions",
                                         params={"client_id": holders[0]})).json()  # fmt: skip
        assert position["last_price"] == "220" and Decimal(position["unrealized_pnl"]) == 200
        stored = await db.fetchval(
            "SELECT last_price FROM portfolio.positions WHERE position_id = $1",
            position["position_id"],
        )
        assert stored == Decimal("200")  # the price known at the fill; the mark is in memory


async def test_portfolio_restarted_marks_positions_loaded_from_postgres(
    http: httpx.AsyncClient, producer: AIOKafkaProducer, stack: TestStack
) -> None:
    instrument = unlisted(990105)
    client = f"r-{new_id()[:10]}"
    async with Tap(stack.kafka_bootstrap, {client}) as tap:
        await buy(producer, client, instrument, 10, "100")
        trade_no = new_id()[:12]
        await send(
            producer,
            ORDER_EVENTS,
            make(OrderFilled, client_id=client, order_id=f"o-{trade_no}", trade_no=trade_no,
                 instrument=instrument, side=Side.SELL, quantity=4, filled_quantity=4,
                 price=Decimal("110"), correlation_id=f"batch-{client}"),
        )  # fmt: skip

        async def sold() -> bool:
            found = (await http.get("/internal/positions", params={"client_id": client})).json()
            return bool(found) and found[0]["sell_quantity"] == 4

        await until(sold)
        stack.kill("portfolio")  # a crash: the book must come back from PostgreSQL
        await stack.restart("portfolio")
        await tick(producer, instrument, "120")

        async def marked() -> bool:
            return bool(tap.tick_pnl(client))

        await until(marked)
        (update,) = tap.tick_pnl(client)
        assert Decimal(update["realized_pnl"]) == 40  # 4 x (110 - 100), summed at start
        assert Decimal(update["unrealized_pnl"]) == 120  # the 6 left, loaded as open
        assert await summary_unrealized(http, client) == 120
