"""The end of a trading day, as Motilal ends it (reference A.6-A.8).

At the day's end the exchange and the broker:
- drop every order and trade: the order and trade books start empty, working DAY orders
  expire with them, and order and trade numbering restarts;
- square off INTRADAY (VALUEPLUS) positions left open at the day's close price, booking
  their P&L to the cash balance;
- settle carry-forward derivative positions (NORMAL) at the close: the day's P&L is paid or
  collected, and the position is carried as a carry-forward one valued at the close;
- move DELIVERY buys into the demat holdings (and DELIVERY sells out of them), paying or
  collecting their value in cash.

Pure logic over the engine's state, no I/O; the engine calls `end_day`.
"""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from motilal.units import IST

from motilal_sim.accounts import Account, DemoHolding
from motilal_sim.instruments import Instrument
from motilal_sim.ledger import SimPosition

if TYPE_CHECKING:
    from motilal_sim.engine import Engine


def today_ist(now: datetime | None = None) -> date:
    """The trading date (IST) of `now`, or of this moment."""
    return (now or datetime.now(UTC)).astimezone(IST).date()


INTRADAY_PRODUCTS = frozenset({"VALUEPLUS"})
"""Products the broker squares off at the day's end (Motilal's intraday margin product)."""


@dataclass(frozen=True)
class DayEnd:
    """What the end of one day did, for the control API's answer."""

    squared_off: int
    carried: int
    to_holdings: int
    orders_dropped: int
    trades_dropped: int


@dataclass
class Settled:
    """One client's book after the day: positions carried, cash and holdings changed."""

    positions: dict[tuple[str, int, str], SimPosition]
    account: Account
    squared_off: int = 0
    carried: int = 0
    to_holdings: int = 0


def settle_client(
    account: Account,
    positions: dict[tuple[str, int, str], SimPosition],
    close: dict[tuple[str, int], Decimal],
) -> Settled:
    """`account`'s positions at the day's end, at the `close` price of each instrument."""
    cash, holdings = account.funds, list(account.holdings)
    settled = Settled({}, account)
    for key, position in positions.items():
        inst = position.instrument
        price = close[inst.key]
        if position.product in INTRADAY_PRODUCTS:
            if position.net:
                settled.squared_off += 1
            cash += _day_pnl(position, price)
        elif inst.is_derivative:
            cash += _day_pnl(position, price)
            if position.net:
                settled.positions[key] = _carried(position, price)
                settled.carried += 1
        else:  # cash-segment delivery: the shares move to (or from) the demat account
            cash += position.day_sell_amount - position.day_buy_amount
            if position.day_buy_qty or position.day_sell_qty:
                holdings = _moved_to_holdings(holdings, position)
                settled.to_holdings += 1
            if position.cf_buy_qty or position.cf_sell_qty:  # set by hand (drift tests)
                settled.positions[key] = replace(
                    position, day_buy_qty=0, day_buy_amount=Decimal(0),
                    day_sell_qty=0, day_sell_amount=Decimal(0),
                )  # fmt: skip
    settled.account = replace(account, funds=cash, holdings=tuple(holdings))
    return settled


def _day_pnl(position: SimPosition, close: Decimal) -> Decimal:
    """Booked plus open P&L at the close (carry-forward legs valued at their cost)."""
    return position.sell_amount - position.buy_amount + position.net * close


def _carried(position: SimPosition, close: Decimal) -> SimPosition:
    """The open quantity carried to the next day, valued at the close (its P&L is paid)."""
    net = position.net
    carried = SimPosition(position.instrument, position.client_code, position.product)
    if net > 0:
        carried.cf_buy_qty, carried.cf_buy_amount = net, close * net
    else:
        carried.cf_sell_qty, carried.cf_sell_amount = -net, close * -net
    return carried


def _moved_to_holdings(holdings: list[DemoHolding], position: SimPosition) -> list[DemoHolding]:
    inst = position.instrument
    bought, sold = position.day_buy_qty, position.day_sell_qty
    index = next((i for i, h in enumerate(holdings) if _holds(h, inst)), None)
    held = holdings[index] if index is not None else None
    quantity = (held.quantity if held else 0) + bought - sold
    cost = (held.avg_price * held.quantity if held else Decimal(0)) + position.day_buy_amount
    bought_total = (held.quantity if held else 0) + bought
    average = (cost / bought_total).quantize(Decimal("0.01")) if bought_total else Decimal(0)
    rest = [h for i, h in enumerate(holdings) if i != index]
    if quantity <= 0:
        return rest
    if held is None:
        held = DemoHolding(
            symbol=inst.symbol,
            nse_token=inst.token if inst.exchange == "NSE" else 0,
            bse_code=inst.token if inst.exchange == "BSE" else 0,
            isin="",
            quantity=0,
            avg_price=Decimal(0),
        )
    # Selling from holdings does not change the average price of what is left.
    average = average if bought else held.avg_price
    return [*rest, replace(held, quantity=quantity, avg_price=average)]


def _holds(holding: DemoHolding, inst: Instrument) -> bool:
    if inst.exchange == "NSE":
        return holding.nse_token == inst.token
    if inst.exchange == "BSE":
        return holding.bse_code == inst.token
    return False


def end_day(engine: "Engine") -> DayEnd:
    """Ends the engine's trading day at the current prices (the day's close)."""
    close = {key: quote.ltp for key, quote in engine.market.quotes.items()}
    squared = carried = moved = 0
    for client, book in list(engine.positions.items()):
        account = engine.accounts.get(client)
        if account is None:
            continue
        settled = settle_client(account, book, close)
        engine.positions[client] = settled.positions
        engine.accounts[client] = settled.account
        squared += settled.squared_off
        carried += settled.carried
        moved += settled.to_holdings
    report = DayEnd(squared, carried, moved, len(engine.orders), len(engine.trades))
    for quote in engine.market.quotes.values():  # the close is the next day's previous close
        quote.prev_close = quote.open = quote.high = quote.low = quote.ltp
        quote.volume, quote.turnover = 0, Decimal(0)
    engine.clear_books()
    engine.day += 1
    engine.session_date = next_session_date(engine.session_date)
    return report


def next_session_date(current: date, today: date | None = None) -> date:
    """The day after `current`, or today when the simulator was away longer (a restart on a
    later morning). Weekends and holidays are not skipped: every simulator day trades."""
    return max(current + timedelta(days=1), today or today_ist())
