"""Talking to the simulator as a desk script would: logged-in `MotilalClient`s and the order.

The naive loop and the direct fan-out both place this order: LIMIT at the last price plus
the same 0.5 % protection the adapter applies to MARKET orders (Motilal refuses API MARKET
orders), one share of SBIN, VALUEPLUS, so they place what the platform places.
"""

import asyncio
from decimal import ROUND_UP, Decimal

from motilal import Credentials, MotilalClient, MotilalSettings, OrderRequest, OrderType, Side
from motilal.http import MotilalHttp

from bench.accounts import generated_accounts
from bench.harness import SBIN

PROTECTION = Decimal("0.005")
TICK = Decimal("0.05")


async def log_in_clients(
    base_url: str, count: int, connections: int = 100, parallel: int = 16
) -> tuple[list[MotilalClient], MotilalHttp]:
    """The first `count` generated accounts, logged in (`parallel` logins at a time), sharing
    one pooled HTTP client of `connections` connections; close the pool when done."""
    settings = MotilalSettings(base_url=base_url, max_connections=max(1, connections))
    http = MotilalHttp(settings)
    clients = [
        MotilalClient(
            settings,
            Credentials(
                client_code=str(account["client_code"]),
                password=account["password"],
                api_key=account["api_key"],
                two_fa=account["dob"],
                totp_secret=account["totp_secret"],
            ),
            http=http,
        )
        for account in generated_accounts(count)
    ]
    gate = asyncio.Semaphore(parallel)

    async def login(client: MotilalClient) -> None:
        async with gate:
            await client.login()

    await asyncio.gather(*(login(c) for c in clients))
    return clients, http


async def protected_order(client: MotilalClient, side: Side, token: int = SBIN) -> OrderRequest:
    """One share at the last price moved 0.5 % against us, rounded up to the tick."""
    quote = await client.ltp("NSE", token)
    factor = 1 + PROTECTION if side is Side.BUY else 1 - PROTECTION
    price = (quote.ltp * factor / TICK).quantize(Decimal(1), ROUND_UP) * TICK
    return OrderRequest(
        exchange="NSE",
        token=token,
        side=side,
        order_type=OrderType.LIMIT,
        product="VALUEPLUS",
        quantity=1,
        price=price,
    )
