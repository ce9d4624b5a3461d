"""Random fill sequences: the book agrees with an independent, exact recomputation.

The oracle recomputes every key from scratch after every fill, in exact fractions, walking
the fills one share-block at a time with the average-cost rule written out plainly. The
book rounds released cost to the paisa, so averages and realized P&L may differ from the
exact figures by at most half a paisa per partial reduction; the total-P&L identity
`realized + unrealized == sells - buys + net * L` must hold exactly.
"""

import random
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from common.enums import Side, TradeType
from hypothesis import given, settings
from hypothesis import strategies as st
from portfolio.book import FillIn, PositionBook, PositionKey
from portfolio_fills import fill

KEYS = [
    ("a", 1594, TradeType.INTRADAY),
    ("a", 1594, TradeType.DELIVERY),
    ("a", 2885, TradeType.INTRADAY),
    ("b", 1594, TradeType.INTRADAY),
]


@st.composite
def fill_sequences(draw: st.DrawFn) -> list[FillIn]:
    steps = draw(
        st.lists(
            st.tuples(
                st.sampled_from(range(len(KEYS))),
                st.sampled_from([Side.BUY, Side.SELL]),
                st.integers(min_value=1, max_value=60),
                st.integers(min_value=20, max_value=40_000),  # price in 0.05 ticks
            ),
            min_size=1,
            max_size=40,
        )
    )
    fills = []
    for i, (k, side, qty, ticks) in enumerate(steps):
        client, token, trade_type = KEYS[k]
        fills.append(
            fill(
                side,
                qty,
                Decimal(ticks) * Decimal("0.05"),
                trade_no=f"T{i}",
                client_id=client,
                token=token,
                trade_type=trade_type,
                seq=i,
            )
        )
    return fills


@dataclass
class Exact:
    net: int = 0
    avg: Fraction = Fraction(0)
    realized: Fraction = Fraction(0)
    buys: Fraction = Fraction(0)
    sells: Fraction = Fraction(0)
    lives: int = 0  # how many times a position opened from flat
    partial_reductions: int = 0


def oracle(fills: list[FillIn]) -> dict[PositionKey, Exact]:
    """From scratch: walk each fill share by share (no lots, no FIFO): plain average cost."""
    state: dict[PositionKey, Exact] = {}
    for f in fills:
        s = state.setdefault(f.key, Exact())
        price = Fraction(f.price)
        step = 1 if f.side is Side.BUY else -1
        if f.side is Side.BUY:
            s.buys += price * f.quantity
        else:
            s.sells += price * f.quantity
        reduced = 0
        for _ in range(f.quantity):
            if s.net == 0:
                s.lives += 1
                s.avg = price
                s.net = step
            elif (s.net > 0) == (step > 0):
                s.avg = (s.avg * abs(s.net) + price) / (abs(s.net) + 1)
                s.net += step
            else:
                s.realized += (price - s.avg) if s.net > 0 else (s.avg - price)
                s.net += step
                reduced += 1
                if s.net == 0:
                    s.avg = Fraction(0)
        if reduced and s.net != 0 and (s.net > 0) == (f.side is not Side.BUY):
            s.partial_reductions += 1
    return state


@settings(max_examples=300, deadline=None)
@given(fill_sequences(), st.integers(min_value=20, max_value=40_000))
def test_book_random_fills_match_exact_average_cost(fills: list[FillIn], ltp_ticks: int) -> None:
    last = Decimal(ltp_ticks) * Decimal("0.05")
    book = PositionBook()
    for n, f in enumerate(fills, start=1):
        book.apply(f)
        expected = oracle(fills[:n])
        for key, exact in expected.items():
            lives = book.of_key(key)
            assert len(lives) == exact.lives
            assert all(p.status == "CLOSED" and p.net_quantity == 0 for p in lives[:-1])
            current = lives[-1]
            assert current.net_quantity == exact.net
            assert current.status == ("ACTIVE" if exact.net else "CLOSED")
            assert (book.active.get(key) is not None) == (exact.net != 0)
            realized = sum((p.realized_pnl for p in lives), Decimal(0))
            buys = sum((p.buy_value for p in lives), Decimal(0))
            sells = sum((p.sell_value for p in lives), Decimal(0))
            assert Fraction(buys) == exact.buys and Fraction(sells) == exact.sells
            # exact identity, whatever the rounding
            assert realized + current.unrealized_pnl(last) == sells - buys + exact.net * last
            # rounding bound: half a paisa per partial reduction (and 4-place display)
            slack = Fraction(1, 200) * exact.partial_reductions
            assert abs(Fraction(realized) - exact.realized) <= slack
            if exact.net:
                avg_slack = slack / abs(exact.net) + Fraction(1, 20_000)
                assert abs(Fraction(current.average_price) - exact.avg) <= avg_slack


@settings(max_examples=150, deadline=None)
@given(fill_sequences(), st.randoms(use_true_random=False))
def test_book_duplicated_fills_give_same_positions(fills: list[FillIn], rnd: random.Random) -> None:
    once = PositionBook()
    once.apply_all(fills)
    with_repeats: list[FillIn] = []
    for i, f in enumerate(fills):
        with_repeats.append(f)
        if rnd.random() < 0.4:  # redeliver an already-seen fill later on
            with_repeats.append(fills[rnd.randint(0, i)])
    twice = PositionBook()
    twice.apply_all(with_repeats)
    assert twice.positions == once.positions


@settings(max_examples=100, deadline=None)
@given(fill_sequences())
def test_book_replay_rebuilds_identical_positions(fills: list[FillIn]) -> None:
    first, replayed = PositionBook(), PositionBook()
    first.apply_all(fills)
    replayed.apply_all(list(fills))
    assert replayed.positions == first.positions
    assert replayed.active == first.active


@settings(max_examples=100, deadline=None)
@given(fill_sequences())
def test_book_other_keys_interleaving_does_not_change_a_key(fills: list[FillIn]) -> None:
    mixed = PositionBook()
    mixed.apply_all(fills)
    for key in {f.key for f in fills}:
        alone = PositionBook()
        alone.apply_all([f for f in fills if f.key == key])
        assert alone.of_key(key) == mixed.of_key(key)


def test_oracle_counts_flip_as_new_life() -> None:
    fills = [fill("BUY", 2, "10", trade_no="1"), fill("SELL", 5, "11", trade_no="2")]
    (exact,) = oracle(fills).values()
    assert exact.lives == 2 and exact.net == -3 and exact.realized == 2
