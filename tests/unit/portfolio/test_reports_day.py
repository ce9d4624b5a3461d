"""One client's day from its fills and open positions (pure), and when a day is closed."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from common.enums import Exchange, Side, TradeType
from common.trading_days import IST, TradingCalendar
from portfolio.book import PositionBook
from portfolio.reports.charges import load_schedule
from portfolio.reports.closing import CloseClock
from portfolio.reports.day_report import ReportFill, build_report, client_day
from portfolio.store_positions import Held
from portfolio_fills import fill

RATES = load_schedule().on(date(2026, 9, 1))


def report_fill(trade_no: str, order_id: str, side: Side, qty: int, price: str,
                realized: str = "0") -> ReportFill:  # fmt: skip
    return ReportFill(
        trade_no=trade_no, order_id=order_id, exchange=Exchange.NSE, token=1594, symbol="INFY",
        trade_type=TradeType.INTRADAY, side=side, quantity=qty, price=Decimal(price),
        traded_at=datetime(2026, 9, 1, 4, 0, tzinfo=UTC) + timedelta(seconds=int(trade_no[1:])),
        realized_pnl=Decimal(realized),
    )  # fmt: skip


def test_client_day_realized_unrealized_charges_and_net_match_hand_computed() -> None:
    # bought 100 INFY @ 250.50 (one order, two fills), sold 60 @ 252: realized 60 x 1.50 = 90;
    # 40 still open, marked at 255: unrealized 40 x 4.50 = 180
    book = PositionBook()
    for f in (fill("BUY", 60, "250.50", trade_no="T1"), fill("BUY", 40, "250.50", trade_no="T2"),
              fill("SELL", 60, "252", trade_no="T3")):  # fmt: skip
        book.apply(f)
    (open_position,) = [p for p in book.positions.values() if p.net_quantity]
    fills = [
        report_fill("T1", "o1", Side.BUY, 60, "250.50"),
        report_fill("T2", "o1", Side.BUY, 40, "250.50"),
        report_fill("T3", "o2", Side.SELL, 60, "252", realized="90"),
    ]
    day = client_day("c1", RATES, fills, [Held(open_position, Decimal("255"))])
    # charges: brokerage 5.01 + 3.02 (15,120 x 0.02% = 3.024); STT 15,120 x 0.025% = 3.78;
    # exchange 40,170 x 0.00297% = 1.193049 -> 1.19; SEBI 0.04017 -> 0.04;
    # stamp 25,050 x 0.003% = 0.7515 -> 0.75; GST 18% of (8.03 + 1.19 + 0.04) = 1.6668 -> 1.67
    assert day.charges.total == Decimal("15.46")
    assert (day.order_count, day.fill_count, day.open_positions) == (2, 3, 1)
    assert (day.buy_value, day.sell_value) == (Decimal("25050.00"), Decimal("15120"))
    assert (day.realized_pnl, day.unrealized_pnl) == (Decimal("90"), Decimal("180.00"))
    assert day.net_pnl == Decimal("90") + Decimal("180") - Decimal("15.46")
    first = day.orders[0]
    assert (first.order_id, first.filled_quantity, first.fills) == ("o1", 100, 2)
    assert first.average_price == Decimal("250.5000")


def test_client_day_marks_unknown_leave_unrealized_null_and_net_from_realized() -> None:
    fills = [report_fill("T1", "o1", Side.SELL, 10, "100", realized="25")]
    day = client_day("c1", RATES, fills, None)
    assert day.unrealized_pnl is None
    assert day.net_pnl == Decimal("25") - day.charges.total


def test_build_report_lists_every_known_client_in_id_order_even_without_fills() -> None:
    report = build_report(
        date(2026, 9, 1), "live", RATES, ["c3", "c1"],
        [("c2", report_fill("T1", "o1", Side.BUY, 1, "10"))], [],
    )  # fmt: skip
    assert [c.client_id for c in report.clients] == ["c1", "c2", "c3"]
    assert report.clients[0].fill_count == 0 and report.clients[0].net_pnl == 0
    assert report.schedule_from == date(2024, 10, 1)


def ist(day: date, hh: int, mm: int) -> datetime:
    return datetime.combine(day, time(hh, mm), IST).astimezone(UTC)


MON, FRI = date(2026, 11, 30), date(2026, 11, 27)
CASH_FNO = [Exchange.NSE, Exchange.BSE, Exchange.NSEFO, Exchange.BSEFO]


def clock(holidays: set[date] = frozenset()) -> CloseClock:  # type: ignore[assignment]
    calendar = TradingCalendar(exchange_holidays=lambda d: d in holidays)
    return CloseClock(calendar, CASH_FNO, timedelta(minutes=30))


def test_close_clock_due_is_the_latest_day_past_its_close_and_delay() -> None:
    assert clock().due(ist(MON, 15, 59)) == FRI  # Monday closes 15:30 + 30 min
    assert clock().due(ist(MON, 16, 0)) == MON
    assert clock().due(ist(date(2026, 11, 29), 12, 0)) == FRI  # Sunday: Friday's
    assert clock({FRI}).due(ist(MON, 9, 0)) == date(2026, 11, 26)  # Friday a holiday


def test_close_clock_next_due_and_is_closed() -> None:
    assert clock().next_due_at(ist(MON, 15, 0)) == ist(MON, 16, 0)
    assert clock().next_due_at(ist(MON, 17, 0)) == ist(date(2026, 12, 1), 16, 0)
    assert not clock().is_closed(MON, ist(MON, 15, 59))
    assert clock().is_closed(MON, ist(MON, 16, 0))
    assert clock().is_closed(date(2026, 11, 29), ist(MON, 9, 0))  # a Sunday, past
    assert not clock().is_closed(MON, ist(MON, 9, 0))
