"""What an execute-all body places: each client's quantity (explicit list or a group).

The explicit list is checked as it always was (every entry known, active, once, in whole
lots). A group order fetches the facts its allocation needs (the group, its members'
clients, for `capital` their available margins from the portfolio and the price) and
hands them to the pure arithmetic of gateway/allocation.py. Every problem is reported in
the 422 shape; nothing here has an effect, so preview and execute-all share it.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

import asyncpg
from common.contracts.instruments import Instrument
from common.db import Executor
from common.enums import ExecutionType
from common.problems import problem
from common.redis_keys import latest_quote
from fastapi import Depends
from redis.asyncio import Redis

from gateway import allocation as alloc
from gateway import deps, store_groups
from gateway.clients.store_clients import ClientRecord, find_clients
from gateway.market_data_client import InstrumentClient, Instruments
from gateway.order_models import (
    AllotmentOut,
    CapitalIn,
    ExecuteAllIn,
    ExplicitIn,
    FixedIn,
)
from gateway.order_validation import (
    BODY,
    Entry,
    Prices,
    check_batch,
    check_client,
    check_quantity,
)
from gateway.portfolio_client import Portfolio, PortfolioClient

ALLOCATION = [BODY, "allocation"]


@dataclass(frozen=True)
class Sources:
    """Where planning an execute-all, a preview or a basket reads its facts: the instrument
    master, the gateway's database (clients, groups), the portfolio (available margins)
    and Redis (the latest quotes)."""

    instruments: InstrumentClient
    pool: asyncpg.Pool
    portfolio: PortfolioClient
    redis: Redis


async def _sources(
    instruments: Instruments, pool: deps.Pool, portfolio: Portfolio, redis: deps.RedisClient
) -> Sources:
    return Sources(instruments, pool, portfolio, redis)


PlanSources = Annotated[Sources, Depends(_sources)]


@dataclass(frozen=True)
class Plan:
    entries: list[Entry]
    """Every client of the request, quantity 0 = skipped."""
    allotments: list[alloc.Allotment] | None
    """A group order's allotments (with the reasons), None for an explicit list."""
    clients: dict[str, ClientRecord]
    problems: list[dict[str, Any]]


async def plan(
    body: ExecuteAllIn,
    instrument: Instrument | None,
    prices: Prices,
    sources: Sources,
) -> Plan:
    """The explicit list as given, or the group's allotments under its allocation rule."""
    pool = sources.pool
    if body.group is None:
        return await _explicit_plan(body, instrument, pool)
    assert body.allocation is not None  # the model's validator
    group = await store_groups.get_group(pool, body.group)
    if group is None:
        return Plan([], None, {}, [problem([BODY, "group"], f"no group named {body.group!r}")])
    members = list(group.members)
    clients = await find_clients(pool, [m.client_id for m in members])
    rule, problems = await _rule(body, group.name, members, instrument, prices, sources)
    if rule is None or instrument is None:
        return Plan([], None, clients, problems)
    allotments = []
    for member in members:
        unusable = check_client([], member.client_id, clients)
        if unusable:  # an inactive member sits this order out
            allotments.append(alloc.Allotment(member.client_id, 0, 0, unusable[0]["msg"]))
        else:
            allotments.append(alloc.allot(member, rule, instrument.lot_size))
    if all(a.skipped for a in allotments):
        reasons = "; ".join(f"{a.client_id}: {a.reason}" for a in allotments)
        problems.append(problem(ALLOCATION, f"the allocation leaves every member of group "
                                            f"{group.name} at 0 ({reasons})"))  # fmt: skip
    entries = [Entry(a.client_id, a.quantity) for a in allotments]
    return Plan(entries, allotments, clients, problems)


async def _explicit_plan(body: ExecuteAllIn, instrument: Instrument | None, pool: Executor) -> Plan:
    assert body.client_orders is not None  # the model's validator
    entries = [Entry(e.client_id, e.quantity) for e in body.client_orders]
    clients = await find_clients(pool, [e.client_id for e in entries if e.quantity != 0])
    problems = check_batch(entries, body.execution_type, clients, instrument)
    return Plan(entries, None, clients, problems)


async def _rule(
    body: ExecuteAllIn,
    group: str,
    members: list[alloc.Member],
    instrument: Instrument | None,
    prices: Prices,
    sources: Sources,
) -> tuple[alloc.Rule | None, list[dict[str, Any]]]:
    allocation = body.allocation
    if isinstance(allocation, FixedIn):
        return alloc.Fixed(allocation.quantity), []
    if isinstance(allocation, ExplicitIn):
        return _explicit(allocation, group, members, body.execution_type, instrument)
    if not isinstance(allocation, CapitalIn):
        assert allocation is not None
        return alloc.Multiplied(allocation.base_quantity), []
    if body.execution_type is ExecutionType.EXIT:
        why = "capital allocation needs a BUY or SELL; an EXIT is sized by the position"
        return None, [problem([*ALLOCATION, "mode"], why)]
    price = await _price(prices, instrument, sources.redis)
    if price is None:
        return None, [problem(ALLOCATION, f"capital allocation needs a price: no limit or "
                                          f"trigger price and no quote for token "
                                          f"{body.token_id} yet")]  # fmt: skip
    summaries = await sources.portfolio.summaries([m.client_id for m in members])
    margins = {s.client_id: s.funds.margin_available if s.funds else None for s in summaries}
    return alloc.Capital(allocation.percent, price, margins), []


async def _price(prices: Prices, instrument: Instrument | None, redis: Redis) -> Decimal | None:
    """The order's price: its limit, else its trigger, else the latest quote."""
    if prices.price is not None:
        return prices.price
    if prices.trigger_price is not None:
        return prices.trigger_price
    if instrument is None:
        return None
    quote = await latest_quote(redis, instrument.exchange, instrument.token)
    if quote is None or quote.ltp <= 0:
        return None
    return Decimal(quote.ltp)


def _explicit(
    allocation: ExplicitIn,
    group: str,
    members: list[alloc.Member],
    execution_type: ExecutionType,
    instrument: Instrument | None,
) -> tuple[alloc.Rule | None, list[dict[str, Any]]]:
    """The given quantities: each client a member, once, in whole lots."""
    names = {m.client_id for m in members}
    problems: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, entry in enumerate(allocation.client_orders):
        loc = [*ALLOCATION, "client_orders", index]
        client = entry.client_id
        if client not in names:
            problems.append(
                problem([*loc, "client_id"], f"client {client} is not in group {group}")
            )
        elif client in seen:
            problems.append(problem([*loc, "client_id"], f"client {client} appears twice"))
        elif entry.quantity != 0:
            problems += check_quantity(
                [*loc, "quantity"], entry.quantity, execution_type, instrument
            )
        seen.add(client)
    if problems:
        return None, problems
    return alloc.Explicit({e.client_id: e.quantity for e in allocation.client_orders}), []


def allotment_out(allotment: alloc.Allotment) -> AllotmentOut:
    return AllotmentOut.model_validate(allotment, from_attributes=True)
