"""The invariants a drill verifies afterwards, each as a pass/fail line with its figures.

- every accepted order is terminal (as the order-router tells it through the gateway);
- the simulator holds exactly one order per platform order that reached the broker, none
  for an order the platform never sent (DENIED), never two (the tag is
  `motilal.tag_for(order_id)`), and none the platform does not know;
- the portfolio's net position per client, token and trade type equals the simulator's.
"""

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from motilal import tag_for

from bench.harness import Harness

PRODUCT = {"INTRADAY": "VALUEPLUS", "DELIVERY": "DELIVERY", "MTF": "MTF"}
REACHED_BROKER = {
    "ACCEPTED",
    "PARTIALLY_FILLED",
    "FILLED",
    "CANCELED",
    "PENDING_CANCEL",
    "PENDING_MODIFY",
    "EXPIRED",
}


@dataclass
class Check:
    name: str
    passed: bool
    figures: str
    problems: list[str] = field(default_factory=list)
    shown: int = 10
    """How many problems line() prints."""

    def line(self) -> str:
        head = f"{'PASS' if self.passed else 'FAIL'}  {self.name}: {self.figures}"
        if self.problems:
            shown = "\n".join(f"        {p}" for p in self.problems[: self.shown])
            more = (
                f"\n        ... and {len(self.problems) - self.shown} more"
                if len(self.problems) > self.shown
                else ""
            )
            head += "\n" + shown + more
        return head


async def batch_orders(
    h: Harness, batch_ids: list[str], unknown: list[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Every order of the batches as the gateway reports it, by order id. A batch the
    order-router does not know (yet: it may still be catching up) is skipped and, with
    `unknown`, listed there."""
    orders: dict[str, dict[str, Any]] = {}
    for batch_id in batch_ids:
        response = await h.gateway.get(f"/api/v1/batches/{batch_id}")
        if response.status_code == 404:
            if unknown is not None:
                unknown.append(batch_id)
            continue
        response.raise_for_status()
        for order in response.json()["orders"]:
            orders[order["order_id"]] = order
    return orders


async def wait_terminal(
    h: Harness, batch_ids: list[str], seconds: float
) -> dict[str, dict[str, Any]]:
    """The batches' orders once every batch is known and all its orders are terminal, or
    as they are at the deadline (check_terminal then counts the missing ones)."""
    deadline = time.monotonic() + seconds
    while True:
        unknown: list[str] = []
        orders = await batch_orders(h, batch_ids, unknown)
        open_ = [o for o in orders.values() if not o["terminal"]]
        if (not open_ and not unknown) or time.monotonic() > deadline:
            return orders
        await asyncio.sleep(1.0)


def check_terminal(orders: dict[str, dict[str, Any]], accepted: int) -> Check:
    statuses = Counter(o["status"] for o in orders.values())
    open_ = [o for o in orders.values() if not o["terminal"]]
    missing = accepted - len(orders)
    problems = [f"order {o['order_id']} ({o['client_id']}) still {o['status']}" for o in open_]
    if missing:
        problems.insert(0, f"{missing} accepted orders unknown to the order-router")
    return Check(
        "every accepted order is terminal",
        not open_ and not missing,
        f"{len(orders)} of {accepted} accepted orders known; {dict(sorted(statuses.items()))}",
        problems,
    )


def check_one_broker_order_each(
    orders: dict[str, dict[str, Any]],
    sim_rows: list[dict[str, Any]],
    clients: set[str],
    known: set[str],
) -> Check:
    """`known`: tags of every platform order ever seen (earlier runs' orders are no strangers)."""
    by_tag: Counter[str] = Counter(r["tag"] for r in sim_rows if r["client_code"] in clients)
    ours = {tag_for(order_id): o for order_id, o in orders.items()}
    problems = []
    duplicates = lost = phantom = 0
    for tag, order in ours.items():
        count = by_tag.get(tag, 0)
        if count > 1:
            duplicates += 1
            problems.append(f"order {order['order_id']} placed {count} times at the broker")
        elif count == 0 and order["status"] in REACHED_BROKER:
            lost += 1
            problems.append(f"order {order['order_id']} is {order['status']} but not at the broker")
        elif count == 1 and order["status"] == "DENIED":
            phantom += 1
            problems.append(f"order {order['order_id']} was DENIED yet reached the broker")
    strangers = [t for t in by_tag if t not in ours and t not in known]
    for tag in strangers[:5]:
        problems.append(f"the broker holds an order tagged {tag} the platform does not know")
    at_broker = sum(by_tag.get(t, 0) for t in ours)
    return Check(
        "one broker order per platform order",
        not (duplicates or lost or phantom or strangers),
        f"{len(ours)} platform orders, {at_broker} broker orders; duplicates {duplicates}, "
        f"lost {lost}, denied-but-sent {phantom}, unknown at broker {len(strangers)}",
        problems,
    )


async def portfolio_nets(h: Harness, clients: list[str]) -> dict[tuple[str, int, str], int]:
    url = h.stack.url_of("portfolio")
    nets: Counter[tuple[str, int, str]] = Counter()
    headers = h.stack.internal_headers()
    async with httpx.AsyncClient(base_url=url, timeout=60, headers=headers) as portfolio:
        for client in clients:
            response = await portfolio.get("/internal/positions", params={"client_id": client})
            response.raise_for_status()
            for p in response.json():
                nets[(client, int(p["token"]), PRODUCT[p["trade_type"]])] += int(p["net_quantity"])
    return {k: v for k, v in nets.items() if v}


async def sim_nets(h: Harness, clients: set[str]) -> dict[tuple[str, int, str], int]:
    response = await h.sim.get("/bench/positions")
    response.raise_for_status()
    return {
        (r["client_code"], int(r["token"]), r["product"]): int(r["net"])
        for r in response.json()
        if r["client_code"] in clients and r["net"]
    }


async def check_positions(h: Harness, clients: list[str], seconds: float = 120) -> Check:
    """Portfolio nets equal the simulator's (waiting up to `seconds` for fills to land)."""
    deadline = time.monotonic() + seconds
    while True:
        ours = await portfolio_nets(h, clients)
        theirs = await sim_nets(h, set(clients))
        if ours == theirs or time.monotonic() > deadline:
            break
        await asyncio.sleep(2.0)
    keys = sorted(set(ours) | set(theirs))
    diffs = [k for k in keys if ours.get(k, 0) != theirs.get(k, 0)]
    return Check(
        "positions equal the simulator's",
        not diffs,
        f"{len(keys)} non-flat positions compared over {len(clients)} clients, {len(diffs)} differ",
        [
            f"{c} {t} {p}: portfolio {ours.get((c, t, p), 0)}, simulator {theirs.get((c, t, p), 0)}"
            for c, t, p in diffs
        ],
    )
