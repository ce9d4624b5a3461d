"""Per-client quantities of a group order (issue 14): the allocation arithmetic. Pure.

Modes (each member's quantity before its cap and lots):
- fixed: the same quantity for every member;
- multiplier: base quantity x the member's multiplier;
- capital: `percent` of the member's available margin, at the order's price (shares =
  margin x percent / 100 / price); a member without a margin figure is skipped;
- explicit: the quantity given for the member (None: an EXIT of the whole position).
Then the member's cap (`max_quantity`) applies, and the quantity rounds DOWN to whole
lots. A member who ends at 0 is skipped, and its `reason` says why.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal


@dataclass(frozen=True)
class Member:
    client_id: str
    multiplier: Decimal = Decimal(1)
    max_quantity: int | None = None


@dataclass(frozen=True)
class Fixed:
    quantity: int


@dataclass(frozen=True)
class Multiplied:
    base_quantity: int


@dataclass(frozen=True)
class Capital:
    percent: Decimal
    price: Decimal
    margins: Mapping[str, Decimal | None]
    """Each member's available margin (None or absent: no figure yet)."""


@dataclass(frozen=True)
class Explicit:
    quantities: Mapping[str, int | None]


Rule = Fixed | Multiplied | Capital | Explicit


@dataclass(frozen=True)
class Allotment:
    client_id: str
    quantity: int | None
    """Shares to place: 0 = skipped (see `reason`), None = EXIT the whole position."""
    lots: int | None
    reason: str | None = None
    """Why the member is skipped, or what cut its quantity (cap, rounding)."""

    @property
    def skipped(self) -> bool:
        return self.quantity == 0


def _wanted(member: Member, rule: Rule) -> tuple[Decimal | None, str | None]:
    """The member's quantity before cap and lots (None: whole position), or a skip reason."""
    if isinstance(rule, Fixed):
        return Decimal(rule.quantity), None
    if isinstance(rule, Multiplied):
        return rule.base_quantity * member.multiplier, None
    if isinstance(rule, Capital):
        margin = rule.margins.get(member.client_id)
        if margin is None:
            return Decimal(0), f"no available margin figure for client {member.client_id} yet"
        if margin <= 0:
            return Decimal(0), f"available margin is {margin}"
        return margin * rule.percent / 100 / rule.price, None
    if member.client_id not in rule.quantities:
        return Decimal(0), "no quantity given"
    given = rule.quantities[member.client_id]
    return (None if given is None else Decimal(given)), None


def _shares(amount: Decimal) -> str:
    return format(amount.quantize(Decimal("0.01")).normalize(), "f")


def allot(member: Member, rule: Rule, lot_size: int) -> Allotment:
    """One member's quantity under `rule`, capped, in whole lots of `lot_size`."""
    wanted, reason = _wanted(member, rule)
    if wanted is None:  # EXIT of the whole position: the cap still bounds it
        if member.max_quantity is None:
            return Allotment(member.client_id, None, None)
        wanted = Decimal(member.max_quantity)
        reason = f"the whole position, capped at max_quantity {member.max_quantity}"
    if reason is not None and wanted == 0:
        return Allotment(member.client_id, 0, 0, reason)
    notes = [reason] if reason else []
    if member.max_quantity is not None and wanted > member.max_quantity:
        notes.append(f"{_shares(wanted)} capped at max_quantity {member.max_quantity}")
        wanted = Decimal(member.max_quantity)
    lots = int((wanted / lot_size).to_integral_value(ROUND_FLOOR))
    quantity = lots * lot_size
    if quantity != wanted:
        lot_word = "lot" if lots == 1 else "lots"
        notes.append(f"{_shares(wanted)} shares rounded down to {lots} {lot_word} of {lot_size}")
    if quantity == 0:
        return Allotment(member.client_id, 0, 0, "; ".join(notes) or "quantity 0")
    return Allotment(member.client_id, quantity, lots, "; ".join(notes) or None)


def allocate(members: Sequence[Member], rule: Rule, lot_size: int) -> list[Allotment]:
    """Every member's allotment, in the members' order."""
    return [allot(m, rule, lot_size) for m in members]
