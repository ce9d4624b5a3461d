"""The charge schedule and the charges of a day's fills, against hand-computed figures.

Rates (data/charges.toml, from 2024-10-01): brokerage 0.20% delivery, 0.02% intraday and
futures, Rs 20 per executed options order; STT 0.1% both sides delivery, 0.025% sell
intraday, 0.02% sell futures, 0.1% sell options; NSE exchange charges 0.00297% cash,
0.00173% futures, 0.03503% options; SEBI Rs 10/crore; stamp 0.015% / 0.003% / 0.002% /
0.003% of buys; GST 18% of brokerage + exchange + SEBI. Each part rounded to the paisa.
"""

from datetime import date
from decimal import Decimal

import pytest
from common.enums import Exchange, Side, TradeType
from portfolio.reports.charges import (
    ChargeableFill,
    Charges,
    ScheduleError,
    Segment,
    charges_for,
    load_schedule,
    parse_schedule,
    segment_of,
)

RATES = load_schedule().on(date(2026, 11, 30))
BUY, SELL = Side.BUY, Side.SELL


def f(
    order: str,
    side: Side,
    qty: int,
    price: str,
    *,
    exchange: Exchange = Exchange.NSE,
    trade_type: TradeType = TradeType.DELIVERY,
    symbol: str = "RELIANCE",
) -> ChargeableFill:
    return ChargeableFill(order, exchange, trade_type, symbol, side, qty, Decimal(price))


def money(**parts: str) -> Charges:
    values = {k: Decimal(v) for k, v in parts.items()}
    return Charges(**values, total=sum(values.values(), Decimal(0)))


def test_charges_equity_delivery_round_trip_match_hand_computed() -> None:
    # buy 10 @ 1500 (15,000), sell 10 @ 1520 (15,200): turnover 30,200
    charges, unpriced = charges_for(RATES, [f("o1", BUY, 10, "1500"), f("o2", SELL, 10, "1520")])
    assert unpriced == 0
    assert charges == money(
        brokerage="60.40",  # 30.00 + 30.40
        stt="30.20",  # 0.1% of 15,000 + 15,200
        exchange_charges="0.90",  # 30,200 x 0.00297% = 0.89694
        sebi_fee="0.03",  # 30,200 x 10 / 1 crore = 0.0302
        stamp_duty="2.25",  # 15,000 x 0.015%
        gst="11.04",  # 18% of 61.33 = 11.0394
    )
    assert charges.total == Decimal("104.82")


def test_charges_equity_intraday_order_in_two_fills_match_hand_computed() -> None:
    fills = [
        f("o1", BUY, 60, "250.50", trade_type=TradeType.INTRADAY),
        f("o1", BUY, 40, "250.50", trade_type=TradeType.INTRADAY),
        f("o2", SELL, 100, "252.00", trade_type=TradeType.INTRADAY),
    ]
    charges, _ = charges_for(RATES, fills)
    assert charges == money(
        brokerage="10.05",  # 25,050 x 0.02% = 5.01; 25,200 x 0.02% = 5.04
        stt="6.30",  # 0.025% of the sell 25,200
        exchange_charges="1.49",  # 50,250 x 0.00297% = 1.492425
        sebi_fee="0.05",  # 0.05025
        stamp_duty="0.75",  # 25,050 x 0.003% = 0.7515
        gst="2.09",  # 18% of 11.59 = 2.0862
    )
    assert charges.total == Decimal("20.73")


def test_charges_options_brokerage_per_executed_order_not_per_fill() -> None:
    opt = {"exchange": Exchange.NSEFO, "trade_type": TradeType.INTRADAY,
           "symbol": "NIFTY26DEC24000CE"}  # fmt: skip
    fills = [
        f("o1", BUY, 65, "100.00", **opt),  # type: ignore[arg-type]
        f("o1", BUY, 65, "100.00", **opt),  # type: ignore[arg-type]
        f("o2", SELL, 130, "120.00", **opt),  # type: ignore[arg-type]
    ]
    charges, _ = charges_for(RATES, fills)
    assert charges == money(
        brokerage="40.00",  # two orders x Rs 20 (three fills)
        stt="15.60",  # 0.1% of the sell premium 15,600
        exchange_charges="10.02",  # 28,600 x 0.03503% = 10.01858
        sebi_fee="0.03",  # 0.0286
        stamp_duty="0.39",  # 13,000 x 0.003%
        gst="9.01",  # 18% of 50.05 = 9.009
    )
    assert charges.total == Decimal("75.05")


def test_charges_futures_short_then_cover_match_hand_computed() -> None:
    fut = {"exchange": Exchange.NSEFO, "trade_type": TradeType.INTRADAY,
           "symbol": "NIFTY26DECFUT"}  # fmt: skip
    fills = [f("o1", SELL, 65, "26000.00", **fut), f("o2", BUY, 65, "25900.00", **fut)]  # type: ignore[arg-type]
    charges, _ = charges_for(RATES, fills)
    assert charges == money(
        brokerage="674.70",  # 1,690,000 x 0.02% = 338.00; 1,683,500 x 0.02% = 336.70
        stt="338.00",  # 0.02% of the sell 1,690,000
        exchange_charges="58.36",  # 3,373,500 x 0.00173% = 58.36155
        sebi_fee="3.37",  # 3.3735
        stamp_duty="33.67",  # 1,683,500 x 0.002%
        gst="132.56",  # 18% of 736.43 = 132.5574
    )
    assert charges.total == Decimal("1240.66")


def test_charges_of_two_segments_are_the_sum_of_each() -> None:
    delivery = [f("o1", BUY, 10, "1500"), f("o2", SELL, 10, "1520")]
    intraday = [
        f("o3", BUY, 100, "250.50", trade_type=TradeType.INTRADAY),
        f("o4", SELL, 100, "252.00", trade_type=TradeType.INTRADAY),
    ]
    both, _ = charges_for(RATES, delivery + intraday)
    assert both.total == Decimal("104.82") + Decimal("20.73")


def test_charges_currency_and_commodity_fills_are_unpriced() -> None:
    charges, unpriced = charges_for(
        RATES, [f("o1", BUY, 1000, "88.10", exchange=Exchange.NSECD, symbol="USDINR26DECFUT")]
    )
    assert unpriced == 1
    assert charges.total == Decimal(0)


@pytest.mark.parametrize(
    ("exchange", "trade_type", "symbol", "segment"),
    [
        (Exchange.NSE, TradeType.DELIVERY, "TCS", Segment.EQUITY_DELIVERY),
        (Exchange.BSE, TradeType.MTF, "TCS", Segment.EQUITY_DELIVERY),
        (Exchange.NSE, TradeType.INTRADAY, "TCS", Segment.EQUITY_INTRADAY),
        (Exchange.NSEFO, TradeType.INTRADAY, "NIFTY26DECFUT", Segment.FUTURES),
        (Exchange.NSEFO, TradeType.DELIVERY, "NIFTY26DEC24000PE", Segment.OPTIONS),
        (Exchange.BSEFO, TradeType.INTRADAY, "SENSEX 26DEC 80000 CE", Segment.OPTIONS),
        (Exchange.MCX, TradeType.INTRADAY, "GOLD26DECFUT", None),
    ],
)
def test_segment_of_each_kind_of_fill(
    exchange: Exchange, trade_type: TradeType, symbol: str, segment: Segment | None
) -> None:
    assert segment_of(exchange, trade_type, symbol) == segment


SCHEDULE = """
[[schedule]]
effective_from = "{day}"
source = "{source}"
gst_pct = "18"
sebi_fee_per_crore = "10"
{segments}
"""


def _segments(brokerage: str) -> str:
    return "".join(
        f"""[schedule.segments.{s}]
brokerage_pct = "{brokerage}"
stt_buy_pct = "0"
stt_sell_pct = "0"
exchange_pct = {{ NSE = "0" }}
stamp_buy_pct = "0"
"""
        for s in Segment
    )


def test_schedule_a_day_uses_the_rates_in_force_on_it() -> None:
    text = SCHEDULE.format(day="2027-01-01", source="new", segments=_segments("0.5")) + (
        SCHEDULE.format(day="2024-10-01", source="old", segments=_segments("0.1"))
    )
    schedule = parse_schedule(text)
    assert schedule.on(date(2026, 12, 31)).source == "old"
    assert schedule.on(date(2027, 1, 1)).source == "new"
    with pytest.raises(LookupError, match="no charge schedule in force on 2020-01-01"):
        schedule.on(date(2020, 1, 1))


def test_schedule_errors_name_the_entry_and_field() -> None:
    bad = SCHEDULE.format(day="2024-10-01", source="x", segments=_segments("lots"))
    with pytest.raises(ScheduleError, match=r"schedule #1\.equity_delivery.*'lots'"):
        parse_schedule(bad)
    missing = SCHEDULE.format(day="2024-10-01", source="x", segments="")
    with pytest.raises(ScheduleError, match="segments missing: equity_delivery"):
        parse_schedule(missing)
    with pytest.raises(ScheduleError, match="effective_from"):
        parse_schedule(SCHEDULE.format(day="soon", source="x", segments=_segments("0")))
