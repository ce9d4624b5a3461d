"""Group allocation arithmetic: each mode, rounding down to lots, caps, zero skipped."""

from decimal import Decimal

from gateway.allocation import Allotment, Capital, Explicit, Fixed, Member, Multiplied, allocate

LOT = 65  # NIFTY futures


def quantities(allotments: list[Allotment]) -> dict[str, int | None]:
    return {a.client_id: a.quantity for a in allotments}


def test_multiplier_mode_one_two_and_a_half_get_the_right_lots() -> None:
    members = [Member("A", Decimal(1)), Member("B", Decimal(2)), Member("C", Decimal("0.5"))]
    allotted = allocate(members, Multiplied(base_quantity=4 * LOT), LOT)
    assert [(a.client_id, a.quantity, a.lots, a.reason) for a in allotted] == [
        ("A", 4 * LOT, 4, None),
        ("B", 8 * LOT, 8, None),
        ("C", 2 * LOT, 2, None),
    ]


def test_multiplier_mode_rounds_down_to_whole_lots_and_says_so() -> None:
    (allotted,) = allocate([Member("C", Decimal("0.5"))], Multiplied(3 * LOT), LOT)
    assert (allotted.quantity, allotted.lots) == (LOT, 1)
    assert allotted.reason == "97.5 shares rounded down to 1 lot of 65"


def test_member_rounded_to_zero_is_skipped_with_the_reason() -> None:
    (allotted,) = allocate([Member("C", Decimal("0.5"))], Multiplied(LOT), LOT)
    assert allotted.skipped and allotted.lots == 0
    assert allotted.reason == "32.5 shares rounded down to 0 lots of 65"


def test_fixed_mode_gives_every_member_the_same_quantity_whatever_the_multiplier() -> None:
    members = [Member("A", Decimal(3)), Member("B")]
    assert quantities(allocate(members, Fixed(130), LOT)) == {"A": 130, "B": 130}


def test_cap_bounds_the_quantity_before_rounding_to_lots() -> None:
    members = [Member("A", Decimal(2), max_quantity=200), Member("B", max_quantity=10)]
    allotted = allocate(members, Multiplied(2 * LOT), LOT)
    assert quantities(allotted) == {"A": 195, "B": 0}
    assert allotted[0].reason == (
        "260 capped at max_quantity 200; 200 shares rounded down to 3 lots of 65"
    )
    assert allotted[1].skipped and "capped at max_quantity 10" in (allotted[1].reason or "")


def test_capital_mode_takes_a_share_of_each_margin_at_the_price() -> None:
    margins: dict[str, Decimal | None] = {
        "A": Decimal("100000"),
        "B": Decimal("30000"),
        "C": None,
        "D": Decimal("-5"),
    }
    rule = Capital(percent=Decimal(50), price=Decimal("250"), margins=margins)
    allotted = allocate([Member(c) for c in "ABCDE"], rule, 10)
    # A: 50 000 / 250 = 200 shares; B: 15 000 / 250 = 60
    assert quantities(allotted) == {"A": 200, "B": 60, "C": 0, "D": 0, "E": 0}
    assert allotted[2].reason == "no available margin figure for client C yet"
    assert allotted[3].reason == "available margin is -5"


def test_capital_mode_ignores_the_multiplier_and_rounds_down() -> None:
    rule = Capital(percent=Decimal("10"), price=Decimal("24000"), margins={"A": Decimal(500000)})
    (allotted,) = allocate([Member("A", Decimal(4))], rule, LOT)
    assert allotted.quantity == 0  # 50 000 buys 2.08 units: not one lot of 65
    assert allotted.reason == "2.08 shares rounded down to 0 lots of 65"


def test_explicit_mode_takes_the_given_quantities_and_skips_members_left_out() -> None:
    rule = Explicit({"A": 130, "B": 0, "X": None})
    allotted = allocate([Member("A"), Member("B"), Member("C"), Member("X")], rule, LOT)
    assert quantities(allotted) == {"A": 130, "B": 0, "C": 0, "X": None}
    assert allotted[2].reason == "no quantity given"


def test_explicit_exit_of_the_whole_position_is_bounded_by_the_cap() -> None:
    (allotted,) = allocate([Member("A", max_quantity=100)], Explicit({"A": None}), LOT)
    assert (allotted.quantity, allotted.lots) == (65, 1)
    assert allotted.reason is not None and allotted.reason.startswith("the whole position")
