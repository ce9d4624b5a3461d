"""The simulated broker: order entry and matching for every account; the books it keeps
and the reads of them (orders, trades, positions, holdings, margins) are in books.py.

All state lives here and is changed only from the event loop's thread, so no locks are needed.
Listeners receive order/trade rows (for the order stream) and quotes (for the quote feed).

Cost per call does not grow with the orders the simulator already holds (the benchmark's
floor must not move through the day): orders and trades are indexed by client and by order,
open orders by client and resting ones by instrument, and an order stream listens to its
own client only. Every index follows an order's state at each `_emit_order`, the one place
every state change passes through.
"""

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from motilal_sim.accounts import Account
from motilal_sim.books import Books, Row
from motilal_sim.config import SimSettings
from motilal_sim.days import today_ist
from motilal_sim.instruments import Instrument
from motilal_sim.ledger import SimPosition
from motilal_sim.margin import MarginModel
from motilal_sim.market import Market, Quote
from motilal_sim.orders import SimOrder, SimTrade
from motilal_sim.rejects import INSUFFICIENT_MARGIN_CODE, RATE_LIMIT_CODE, Reject
from motilal_sim.validation import check_freeze, check_terms, lots_of, parse_place

OrderListener = Callable[[str, str, Row], None]  # (kind "order"|"trade", client_code, row)
QuoteListener = Callable[[Quote], None]
_TERMINAL_CODES = {"Cancel": "MO1066", "Traded": "MO1067", "Rejected": "MO1068", "Error": "MO1069"}


class Engine(Books):
    def __init__(
        self,
        settings: SimSettings,
        accounts: dict[str, Account],
        instruments: dict[tuple[str, int], Instrument],
    ) -> None:
        self.settings = settings
        self.accounts = accounts
        self.instruments = instruments
        self.margins = MarginModel(settings.intraday_margin_rate, settings.derivatives_margin_rate)
        self.order_listeners: list[OrderListener] = []
        """Hear every client's order and trade rows (instruments such as the bench stopwatch)."""
        self.client_listeners: dict[str, list[OrderListener]] = defaultdict(list)
        """Hear one client's rows: an order stream costs nothing when others trade."""
        self.quote_listeners: list[QuoteListener] = []
        self.session_date = date.min  # no day yet: the first reset numbers from 1
        self._seq = self._trade_seq = 0
        self.reset()

    def reset(self) -> None:
        # A reset within a trading date keeps numbering on: an exchange never gives one
        # order or trade number twice in a day, and the platform keys them by date.
        same_day = self.session_date == today_ist()
        numbering = (self._seq, self._trade_seq) if same_day else (0, 0)
        self.partial_fill_fraction = self.settings.partial_fill_fraction
        self.orders_per_second = self.settings.orders_per_second
        self.feed_split_frames = self.settings.feed_split_frames
        self.market = Market(self.instruments, self.settings.seed)
        self.positions: dict[str, dict[tuple[str, int, str], SimPosition]] = defaultdict(dict)
        self.counters: dict[str, Counter[str]] = defaultdict(Counter)
        self.day = 1
        """The trading day's number since the simulator's first (days.py ends one)."""
        self.session_date = today_ist()
        """The trading date of the day: its order and trade times carry this date."""
        self.clear_books()
        self._seq, self._trade_seq = numbering

    def now(self) -> datetime:
        """The time of day now, on the session's date (a later day than today after
        /sim/next-day: its trade numbers then start again under another date, as at NSE)."""
        real = datetime.now(UTC)
        return real + timedelta(days=(self.session_date - today_ist(real)).days)

    # ---- events ----------------------------------------------------------------------------

    def _emit_order(self, order: SimOrder) -> None:
        self._follow(order)
        row = order.book_row()
        order.snapshot(row)
        self._emit("order", order.client_code, row)

    def _emit_trade(self, trade: SimTrade) -> None:
        self._emit("trade", trade.order.client_code, trade.row(scaled=False))

    def _emit(self, kind: str, client: str, row: Row) -> None:
        for listener in list(self.order_listeners):
            listener(kind, client, row)
        for listener in list(self.client_listeners.get(client, ())):
            listener(kind, client, row)

    def listen(self, client: str, listener: OrderListener) -> None:
        """Sends `client`'s order and trade rows to `listener` until `unlisten`."""
        self.client_listeners[client].append(listener)

    def unlisten(self, client: str, listener: OrderListener) -> None:
        listeners = self.client_listeners.get(client)
        if listeners and listener in listeners:
            listeners.remove(listener)
            if not listeners:
                del self.client_listeners[client]

    def _emit_quote(self, quote: Quote) -> None:
        for listener in list(self.quote_listeners):
            listener(quote)

    # ---- order entry -----------------------------------------------------------------------

    def _rate_limited(self, client: str, exchange: str) -> bool:
        second = int(datetime.now(UTC).timestamp())
        if second != self._second:  # a new calendar second: earlier counts no longer matter
            self._second, self._second_counts = second, Counter()
        key = (client, exchange)
        self._second_counts[key] += 1
        return self._second_counts[key] > self.orders_per_second

    def place(self, client: str, body: Row) -> Row:
        self.counters["place_calls"][client] += 1
        terms = parse_place(body, self.instruments)
        if self._rate_limited(client, terms.instrument.exchange):
            self.counters["rate_limited"][client] += 1
            raise Reject(
                RATE_LIMIT_CODE,
                f"more than {self.orders_per_second} orders in one second on "
                f"{terms.instrument.exchange} for {client}; an exchange algo id is needed above it",
            )
        self._seq += 1
        order = SimOrder(
            unique_order_id=str(100_000_000_000 + self._seq),
            order_id="",
            client_code=client,
            instrument=terms.instrument,
            side=terms.side,
            order_type=terms.order_type,
            product=terms.product,
            duration=terms.duration,
            price=terms.price,
            trigger_price=terms.trigger_price,
            quantity=terms.quantity,
            entry_time=self.now(),
            tag=terms.tag,
            disclosed_quantity=terms.disclosed_quantity,
        )
        # Indexed before the margin check, so the new order counts among the open ones.
        self._index(order)
        quote = self.market.quotes[terms.instrument.key]
        try:
            check_freeze(terms.instrument, terms.quantity)
            check_terms(
                terms.instrument,
                terms.side,
                terms.order_type,
                terms.price,
                terms.trigger_price,
                quote,
            )
            self._check_margin(client, order, quote.ltp)
        except Reject as reject:
            order.status, order.error = "Rejected", reject.message
            self.counters["orders_rejected"][client] += 1
            self._emit_order(order)
            reject.unique_order_id = order.unique_order_id
            raise
        self.counters["orders_placed"][client] += 1
        self._emit_order(order)  # Sent
        order.status, order.order_id = "Confirm", str(1_100_000_000_000_000 + self._seq)
        self._emit_order(order)
        self._match(order, quote)
        return {"uniqueorderid": order.unique_order_id}

    def _check_margin(self, client: str, order: SimOrder, ltp: Decimal) -> None:
        position = self.positions[client].get((*order.instrument.key, order.product))
        needed = self.margins.order_margin(order, ltp, position)
        available = self.figures(client).available
        if needed > available:
            raise Reject(
                INSUFFICIENT_MARGIN_CODE,
                f"insufficient margin: order needs {needed:.2f}, available {available:.2f}",
            )

    def _own_order(self, client: str, body: Row) -> SimOrder:
        uid = str(body.get("uniqueorderid") or "")
        if not uid:
            raise Reject("MO1070", "uniqueorderid is missing")
        order = self.orders.get(uid)
        if order is None or order.client_code != client:
            raise Reject("MO1060", f"uniqueorderid {uid} is not an order of {client}")
        if order.status in _TERMINAL_CODES:
            raise Reject(_TERMINAL_CODES[order.status], f"order {uid} is already {order.status}")
        return order

    def modify(self, client: str, body: Row) -> Row:
        self.counters["modify_calls"][client] += 1
        order = self._own_order(client, body)
        stamp = str(body.get("lastmodifiedtime") or "")
        expected = order.book_row()["lastmodifiedtime"]
        if expected == "0":
            expected = order.book_row()["entrydatetime"]
        if stamp in ("", "0") or stamp != expected:
            raise Reject(
                "MO1089",
                f"lastmodifiedtime {stamp!r} does not match the order's ({expected!r}); "
                "read it again from the order book",
            )
        traded = body.get("qtytradedtoday")
        if str(traded) != str(order.filled):
            raise Reject(
                "MO1090",
                f"qtytradedtoday {traded!r} does not match the traded quantity {order.filled}",
            )
        inst = order.instrument
        new_type = str(body.get("newordertype") or order.order_type).upper()
        price = Decimal(str(body.get("newprice", order.price) or 0))
        trigger = Decimal(str(body.get("newtriggerprice", order.trigger_price) or 0))
        quantity = (
            lots_of(body, "newquantityinlot", inst)
            if body.get("newquantityinlot")
            else order.quantity
        )
        if quantity <= order.filled:
            raise Reject(
                "MO1055",
                f"newquantityinlot: {quantity} shares is not above the {order.filled} traded",
            )
        quote = self.market.quotes[inst.key]
        check_freeze(inst, quantity)
        check_terms(inst, order.side, new_type, price, trigger, quote)
        order.order_type, order.price, order.trigger_price = new_type, price, trigger
        order.quantity, order.triggered = quantity, False
        order.last_modified = self.now()
        self.counters["orders_modified"][client] += 1
        self._emit_order(order)
        self._match(order, quote)
        return {"uniqueorderid": order.unique_order_id}

    def cancel(self, client: str, body: Row) -> Row:
        self.counters["cancel_calls"][client] += 1
        order = self._own_order(client, body)
        order.status, order.last_modified = "Cancel", self.now()
        self._emit_order(order)
        return {"uniqueorderid": order.unique_order_id}

    # ---- matching --------------------------------------------------------------------------

    def _match(self, order: SimOrder, quote: Quote) -> None:
        if not order.is_open:
            return
        ltp, limit = quote.ltp, order.price
        if order.order_type == "STOPLOSS" and not order.triggered:
            hit = ltp >= order.trigger_price if order.side == "BUY" else ltp <= order.trigger_price
            if not hit:
                return
            order.triggered = True
        buy = order.side == "BUY"
        if limit and (ltp > limit if buy else ltp < limit):
            return
        # Fill at the better of the limit and the market: a gap through the limit improves it.
        price = ltp if not limit else (min(limit, ltp) if buy else max(limit, ltp))
        self._fill(order, self._fill_quantity(order), price, quote)

    def _fill_quantity(self, order: SimOrder) -> int:
        remaining, lot = order.remaining, order.instrument.lot_size
        if self.partial_fill_fraction >= 1:
            return remaining
        part = int(remaining * self.partial_fill_fraction) // lot * lot
        return min(remaining, max(lot, part))

    def _fill(self, order: SimOrder, qty: int, price: Decimal, quote: Quote) -> None:
        now = self.now()
        self._trade_seq += 1
        trade = SimTrade(str(50_000_000 + self._trade_seq), order, qty, price, now)
        self.trades.append(trade)
        self._trades_of[order.client_code].append(trade)
        self._trades_of_order[order.unique_order_id].append(trade)
        order.filled += qty
        order.filled_value += price * qty
        order.status = "Traded" if order.filled >= order.quantity else "Partial"
        key = (*order.instrument.key, order.product)
        book = self.positions[order.client_code]
        if key not in book:
            book[key] = SimPosition(order.instrument, order.client_code, order.product)
        book[key].apply_fill(order.side, qty, price)
        quote.record_trade(qty, price)
        self.counters["fills"][order.client_code] += 1
        self._emit_trade(trade)
        self._emit_order(order)

    def match_instrument(self, key: tuple[str, int]) -> None:
        quote = self.market.quotes[key]
        resting = self._resting.get(key)
        if not resting:
            return
        for order in list(resting.values()):  # a fill removes the order from `resting`
            self._match(order, quote)

    def set_price(self, exchange: str, token: int, price: Decimal) -> Quote:
        """Moves a price (clamped to tick and circuits), then matches at once."""
        key = (exchange.upper(), token)
        if key not in self.market.quotes:
            raise KeyError(f"{exchange} token {token} is not in the instrument master")
        quote = self.market.quotes[key]
        quote.move_to(self.market.clamp(quote.instrument, price))
        self._emit_quote(quote)
        self.match_instrument(key)
        return quote

    def step(self) -> None:
        for quote in self.market.step(self.settings.volatility):
            self._emit_quote(quote)
            self.match_instrument(quote.instrument.key)
