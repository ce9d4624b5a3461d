"""The simulator's trading days: what the end of a day does to books, positions and accounts."""

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from motilal.units import parse_time
from motilal_sim import saved_days
from motilal_sim.config import SimSettings
from motilal_sim.days import next_session_date, today_ist
from motilal_sim.state import SimState

ROOT = Path(__file__).resolve().parents[3]
CLIENT = "EMUM7551"  # holds 120 RELIANCE (avg 1312.40) in data/sim-accounts.json
RELIANCE, SBIN, NIFTY_FUT = ("NSE", 2885), ("NSE", 3045), ("NSEFO", 62151)


@pytest.fixture
def state(tmp_path: Path) -> SimState:
    settings = SimSettings(
        accounts=ROOT / "data" / "sim-accounts.json",
        tokens=ROOT / "data" / "tokens.csv",
        tick_interval=0,
        state_dir=tmp_path / "sim",
    )
    return SimState.from_settings(settings)


def buy(
    state: SimState, instrument: tuple[str, int], product: str, lots: int, side: str = "BUY"
) -> dict[str, Any]:
    """A marketable limit (at the upper or lower circuit), so it fills at the LTP at once."""
    inst = state.engine.instruments[instrument]
    price = inst.upper_circuit if side == "BUY" else inst.lower_circuit
    body = {
        "exchange": instrument[0], "symboltoken": instrument[1], "buyorsell": side,
        "ordertype": "LIMIT", "producttype": product, "orderduration": "DAY",
        "price": str(price), "quantityinlot": lots, "amoorder": "N", "tag": "DAYS",
    }  # fmt: skip
    return state.engine.place(CLIENT, body)


def set_price(state: SimState, instrument: tuple[str, int], price: str) -> None:
    state.engine.set_price(*instrument, Decimal(price))


def test_sim_next_day_empties_the_books_and_restarts_order_and_trade_numbers(
    state: SimState,
) -> None:
    set_price(state, SBIN, "950.00")
    first = buy(state, SBIN, "VALUEPLUS", 1)
    [trade] = state.engine.trade_book(CLIENT)
    state.next_day()
    assert state.engine.order_book(CLIENT) == [] and state.engine.trade_book(CLIENT) == []
    assert buy(state, SBIN, "VALUEPLUS", 1) == first  # the same broker order id, a new day
    assert state.engine.trade_book(CLIENT)[0]["tradeno"] == trade["tradeno"]
    assert state.engine.day == 2


def test_sim_next_day_squares_intraday_at_the_close_and_books_the_pnl_to_cash(
    state: SimState,
) -> None:
    funds = state.accounts[CLIENT].funds
    set_price(state, SBIN, "950.00")
    buy(state, SBIN, "VALUEPLUS", 10)
    set_price(state, SBIN, "960.00")  # the day's close
    report = state.next_day()
    assert report.squared_off == 1
    assert state.engine.position_rows(CLIENT) == []
    assert state.accounts[CLIENT].funds == funds + Decimal("100.00")


def test_sim_next_day_moves_delivery_buys_to_holdings_and_pays_for_them(
    state: SimState,
) -> None:
    funds = state.accounts[CLIENT].funds
    set_price(state, RELIANCE, "1400.00")
    buy(state, RELIANCE, "DELIVERY", 80)
    report = state.next_day()
    assert report.to_holdings == 1 and state.engine.position_rows(CLIENT) == []
    [reliance] = [h for h in state.engine.holdings(CLIENT) if h["nsesymboltoken"] == 2885]
    assert reliance["dpquantity"] == 200  # 120 held before
    assert reliance["buyavgprice"] == pytest.approx((120 * 1312.40 + 80 * 1400) / 200, abs=0.01)
    assert state.accounts[CLIENT].funds == funds - Decimal("112000.00")


def test_sim_next_day_delivery_sell_takes_shares_out_of_holdings(state: SimState) -> None:
    set_price(state, RELIANCE, "1400.00")
    buy(state, RELIANCE, "DELIVERY", 20, side="SELL")
    state.next_day()
    [reliance] = [h for h in state.engine.holdings(CLIENT) if h["nsesymboltoken"] == 2885]
    assert reliance["dpquantity"] == 100 and reliance["buyavgprice"] == pytest.approx(1312.40)


def test_sim_next_day_carries_a_futures_position_valued_at_the_close(state: SimState) -> None:
    funds = state.accounts[CLIENT].funds
    set_price(state, NIFTY_FUT, "26000.00")
    buy(state, NIFTY_FUT, "NORMAL", 1)
    set_price(state, NIFTY_FUT, "26010.00")
    assert state.next_day().carried == 1
    [row] = state.engine.position_rows(CLIENT)
    assert (row["cfbuyquantity"], row["daybuyquantity"]) == (65, 0)
    assert row["cfbuyamount"] == pytest.approx(65 * 26010.00)
    assert state.accounts[CLIENT].funds == funds + Decimal("650.00")  # the day's MTM paid


def test_sim_restart_with_a_state_folder_is_the_next_day_at_the_same_broker(
    state: SimState,
) -> None:
    set_price(state, RELIANCE, "1400.00")
    buy(state, RELIANCE, "DELIVERY", 80)
    set_price(state, NIFTY_FUT, "26000.00")
    buy(state, NIFTY_FUT, "NORMAL", 1)
    state.next_day()  # what a shutdown does with a state folder
    funds = state.accounts[CLIENT].funds
    again = SimState.from_settings(state.settings)
    assert again.engine.day == 2
    assert again.accounts[CLIENT].funds == funds
    assert again.engine.holdings(CLIENT) == state.engine.holdings(CLIENT)
    [row] = again.engine.position_rows(CLIENT)
    assert row["cfbuyquantity"] == 65 and again.engine.order_book(CLIENT) == []


def test_sim_reset_forgets_the_saved_days(state: SimState) -> None:
    set_price(state, RELIANCE, "1400.00")
    buy(state, RELIANCE, "DELIVERY", 80)
    state.next_day()
    state.reset()
    assert state.engine.day == 1
    assert not (state.settings.state_dir / saved_days.FILE_NAME).exists()  # type: ignore[operator]
    [reliance] = [h for h in state.engine.holdings(CLIENT) if h["nsesymboltoken"] == 2885]
    assert reliance["dpquantity"] == 120


def test_sim_next_day_trades_carry_the_next_trading_date(state: SimState) -> None:
    set_price(state, SBIN, "950.00")
    buy(state, SBIN, "VALUEPLUS", 1)
    [day1] = state.engine.trade_book(CLIENT)
    state.next_day()
    buy(state, SBIN, "VALUEPLUS", 1)
    [day2] = state.engine.trade_book(CLIENT)
    assert day2["tradeno"] == day1["tradeno"]  # the same number, another session
    first, second = parse_time(day1["tradetime"]), parse_time(day2["tradetime"])
    assert first is not None and second is not None
    assert (today_ist(second) - today_ist(first)).days == 1


def test_sim_next_session_date_is_the_next_day_or_a_later_today() -> None:
    assert next_session_date(date(2026, 11, 30), today=date(2026, 11, 30)) == date(2026, 12, 1)
    assert next_session_date(date(2026, 11, 30), today=date(2026, 12, 3)) == date(2026, 12, 3)


def test_sim_reset_within_a_day_keeps_numbering_a_new_day_restarts_it(state: SimState) -> None:
    first = buy(state, RELIANCE, "VALUEPLUS", 1)
    state.reset()  # the same trading date: an exchange never gives a number twice a day
    again = buy(state, RELIANCE, "VALUEPLUS", 1)
    assert int(again["uniqueorderid"]) > int(first["uniqueorderid"])
    state.next_day()
    assert buy(state, RELIANCE, "VALUEPLUS", 1)["uniqueorderid"] == first["uniqueorderid"]
