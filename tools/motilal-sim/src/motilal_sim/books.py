"""The simulator's books: every order and trade of the day indexed by client, by order and
(while open) by instrument, and what a client reads back: order and trade books, positions,
holdings and margins. The Engine (engine.py) is a Books and changes them.

Cost per read does not grow with the orders the simulator already holds: each book is
indexed, and the open indexes follow an order's state (`_follow`) at every change.
"""

from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from motilal_sim.accounts import Account
from motilal_sim.instruments import Instrument
from motilal_sim.ledger import MarginFigures, SimPosition, detail_rows, summary_rows
from motilal_sim.margin import MarginModel
from motilal_sim.market import Market
from motilal_sim.orders import SimOrder, SimTrade
from motilal_sim.rejects import Reject

Row = dict[str, Any]


class Books:
    accounts: dict[str, Account]
    instruments: dict[tuple[str, int], Instrument]
    market: Market
    margins: MarginModel
    positions: dict[str, dict[tuple[str, int, str], SimPosition]]

    def clear_books(self) -> None:
        """Empty order and trade books, numbering from 1 again (a new trading day)."""
        self.orders: dict[str, SimOrder] = {}
        self.trades: list[SimTrade] = []
        self._seq = 0
        self._trade_seq = 0
        # Indexes (insertion-ordered, so books and matching keep placement order).
        self._orders_of: dict[str, list[SimOrder]] = defaultdict(list)
        self._open_of: dict[str, dict[str, SimOrder]] = defaultdict(dict)
        self._resting: dict[tuple[str, int], dict[str, SimOrder]] = defaultdict(dict)
        self._trades_of: dict[str, list[SimTrade]] = defaultdict(list)
        self._trades_of_order: dict[str, list[SimTrade]] = defaultdict(list)
        # Orders per (client, exchange) in the current calendar second only.
        self._second = 0
        self._second_counts: Counter[tuple[str, str]] = Counter()

    def _index(self, order: SimOrder) -> None:
        """Puts a new order in the client's book and, while open, in the open indexes."""
        self.orders[order.unique_order_id] = order
        self._orders_of[order.client_code].append(order)
        self._follow(order)

    def _follow(self, order: SimOrder) -> None:
        """The open indexes follow the order's status (it never reopens once closed)."""
        uid = order.unique_order_id
        if order.is_open:
            self._open_of[order.client_code][uid] = order
            self._resting[order.instrument.key][uid] = order
        else:
            self._open_of[order.client_code].pop(uid, None)
            self._resting[order.instrument.key].pop(uid, None)

    def client_orders(self, client: str) -> list[SimOrder]:
        return list(self._orders_of.get(client, ()))

    def open_orders(self, client: str) -> list[SimOrder]:
        return list(self._open_of.get(client, {}).values())

    def open_order_count(self) -> int:
        return sum(len(orders) for orders in self._resting.values())

    def order_book(self, client: str) -> list[Row]:
        return [o.book_row() for o in self.client_orders(client)]

    def order_detail(self, client: str, uid: str) -> list[Row]:
        order = self.orders.get(uid)
        if order is None or order.client_code != client:
            raise Reject("MO1013", f"order {uid} not found")
        return list(order.history)

    def trade_book(self, client: str) -> list[Row]:
        return [t.row() for t in self._trades_of.get(client, ())]

    def trade_detail(self, client: str, uid: str) -> list[Row]:
        rows = [
            t.row() for t in self._trades_of_order.get(uid, ()) if t.order.client_code == client
        ]
        if not rows:
            raise Reject("MO1014", f"no trades for order {uid}")
        return rows

    def position_rows(self, client: str) -> list[Row]:
        return [
            pos.row(self.market.quotes[pos.instrument.key].ltp)
            for pos in self.positions[client].values()
        ]

    def set_position(
        self, client: str, exchange: str, token: int, product: str, quantity: int, price: Decimal
    ) -> None:
        """Replaces a position with a carry-forward one (drift tests); quantity 0 removes it."""
        key = (exchange.upper(), token, product.upper())
        inst = self.instruments[key[:2]]
        if quantity == 0:
            self.positions[client].pop(key, None)
            return
        pos = SimPosition(inst, client, product.upper())
        if quantity > 0:
            pos.cf_buy_qty, pos.cf_buy_amount = quantity, price * quantity
        else:
            pos.cf_sell_qty, pos.cf_sell_amount = -quantity, price * -quantity
        self.positions[client][key] = pos

    def holdings(self, client: str) -> list[Row]:
        return [
            {
                "clientcode": client,
                "scripisinno": h.isin,
                "scripname": f"{h.symbol} EQ",
                "buyavgprice": float(h.avg_price),
                "dpquantity": h.quantity,
                "blockedquantity": 0,
                "poaquantity": 0,
                "collateralquantity": 0,
                "outstandingquantity": 0,
                "debitstockquantity": 0,
                "nonpoaquantity": h.quantity,
                "rmssellingquantity": 0,
                "btstquantity": 0,
                "buybackquantity": 0,
                "tpinquantity": 0,
                "slbmquantity": 0,
                "nbfcquantity": 0,
                "bsescripcode": h.bse_code,
                "nsesymboltoken": h.nse_token,
            }
            for h in self.accounts[client].holdings
        ]

    def figures(self, client: str) -> MarginFigures:
        book = self.positions[client]
        return self.margins.figures(
            self.accounts[client], list(book.values()), self.open_orders(client), self.market, book
        )

    def margin_summary(self, client: str) -> list[Row]:
        return summary_rows(self.figures(client))

    def margin_detail(self, client: str) -> list[Row]:
        return detail_rows(self.figures(client))
