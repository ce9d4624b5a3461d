"""The naive approach, for comparison: one handler calling the broker for each client in turn.

This is what a desk script without the platform does: log every client in once (not timed,
as the platform's sessions are also ready before the market opens), then, when the button
is pressed, place each client's order with libs/motilal one after the other. Timed from
the first call to the last acknowledgement. Orders are LIMIT at the last price plus the
same 0.5 % protection the adapter applies to MARKET orders (Motilal refuses API MARKET
orders), so both sides place the same kind of order.
"""

import asyncio
import time
from dataclasses import dataclass
from decimal import ROUND_UP, Decimal
from typing import Any

from motilal import Credentials, MotilalClient, MotilalSettings, OrderRequest, OrderType, Side
from motilal.http import make_http_client

from bench.accounts import generated_accounts
from bench.harness import SBIN, Harness
from bench.stats import Summary


@dataclass
class BaselineResult:
    clients: int
    latency_ms: float
    runs: int
    sequential: Summary

    def as_json(self) -> dict[str, Any]:
        return {
            "clients": self.clients,
            "simulator_latency_ms": self.latency_ms,
            "runs": self.runs,
            "first_call_to_last_ack": self.sequential.as_json(),
        }


async def logged_in_clients(h: Harness, count: int) -> list[MotilalClient]:
    settings = MotilalSettings(base_url=h.stack.simulator_url)
    http = make_http_client(settings)
    clients = []
    for account in generated_accounts(count):
        creds = Credentials(
            client_code=str(account["client_code"]),
            password=account["password"],
            api_key=account["api_key"],
            two_fa=account["dob"],
            totp_secret=account["totp_secret"],
        )
        client = MotilalClient(settings, creds, http=http)
        await client.login()
        clients.append(client)
    return clients


async def run_baseline(
    h: Harness, clients: list[MotilalClient], runs: int, latency_ms: float
) -> BaselineResult:
    durations = []
    for run in range(runs):
        side = Side.BUY if run % 2 == 0 else Side.SELL
        quote = await clients[0].ltp("NSE", SBIN)
        factor = Decimal("1.005") if side is Side.BUY else Decimal("0.995")
        price = (quote.ltp * factor / Decimal("0.05")).quantize(Decimal(1), ROUND_UP) * Decimal(
            "0.05"
        )
        started = time.time()
        for client in clients:
            await client.place_order(
                OrderRequest(
                    exchange="NSE",
                    token=SBIN,
                    side=side,
                    order_type=OrderType.LIMIT,
                    product="VALUEPLUS",
                    quantity=1,
                    price=price,
                )
            )
        durations.append(time.time() - started)
        await asyncio.sleep(0.5)
    return BaselineResult(len(clients), latency_ms, runs, Summary.of(durations))
