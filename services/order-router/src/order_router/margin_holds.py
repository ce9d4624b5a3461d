"""Margin held by a client's approved orders until its margin report shows them.

Risk compares an order's required margin with the client's available margin from its
latest margin report (accounts.margins.v1). An order approved after that report was read
is not in it, so without holds two requests for one client, each within the margin, would
both pass though together they are not. `Holds` is the running account while a set of
requests is decided under the clients' locks (client_locks.py): what the store says the
clients' live orders hold (store_margin_holds.py), plus every order approved so far in
this set; the new holds are written with the orders, in the same transaction.
"""

from collections.abc import Iterable
from decimal import Decimal

import asyncpg
from common.db import Executor

from order_router import store_margin_holds
from order_router.accounts import AccountBook
from order_router.orders import Order
from order_router.placement import blocked_margin
from order_router.risk import RiskConfig


class Holds:
    def __init__(self, held: dict[str, Decimal]) -> None:
        self._held = held
        self.new: dict[str, tuple[str, Decimal]] = {}  # order id -> (client id, amount)

    @classmethod
    async def load(cls, conn: Executor, book: AccountBook, client_ids: Iterable[str]) -> "Holds":
        """What the clients' live orders hold beyond each one's newest margin report (a
        client without a report is not margin-checked, so it is not asked about)."""
        since = book.margin_times(sorted(set(client_ids)))
        return cls(await store_margin_holds.held(conn, dict(since)))

    def of(self, client_id: str) -> Decimal:
        return self._held.get(client_id, Decimal(0))

    def add(self, order: Order, ltp: Decimal | None, risk: RiskConfig) -> None:
        """Count a decided order: an approved one holds its required margin from now on."""
        amount = blocked_margin(order, ltp, risk)
        if amount is None or amount <= 0:
            return
        self._held[order.client_id] = self.of(order.client_id) + amount
        self.new[order.order_id] = (order.client_id, amount)

    async def store(self, conn: asyncpg.Connection, inserted: set[str]) -> None:
        """Write the holds of the orders inserted now (a redelivered order has its own)."""
        await store_margin_holds.hold(
            conn, {oid: hold for oid, hold in self.new.items() if oid in inserted}
        )
