"""How much margin an order or a position blocks, and the account's margin figures."""

from decimal import Decimal

from motilal_sim.accounts import Account
from motilal_sim.ledger import MarginFigures, SimPosition
from motilal_sim.market import Market
from motilal_sim.orders import SimOrder

_CENT = Decimal("0.01")


class MarginModel:
    def __init__(self, intraday_rate: float, derivatives_rate: float) -> None:
        self._intraday = Decimal(str(intraday_rate))
        self._derivatives = Decimal(str(derivatives_rate))

    def rate(self, derivative: bool, product: str) -> Decimal:
        if derivative:
            return self._derivatives
        return self._intraday if product == "VALUEPLUS" else Decimal(1)

    def order_margin(self, order: SimOrder, ltp: Decimal, position: SimPosition | None) -> Decimal:
        """Blocked by the order's open quantity; an order that only reduces a position is free."""
        qty = order.remaining
        if position is not None:
            net = position.net
            if (order.side == "SELL" and 0 < qty <= net) or (
                order.side == "BUY" and 0 < qty <= -net
            ):
                return Decimal(0)
        basis = order.price or order.trigger_price or ltp
        return basis * qty * self.rate(order.instrument.is_derivative, order.product)

    def position_margin(self, position: SimPosition, ltp: Decimal) -> Decimal:
        inst = position.instrument
        return abs(position.net) * ltp * self.rate(inst.is_derivative, position.product)

    def figures(
        self,
        account: Account,
        positions: list[SimPosition],
        open_orders: list[SimOrder],
        market: Market,
        position_of: dict[tuple[str, int, str], SimPosition],
    ) -> MarginFigures:
        equity, fo = Decimal(0), Decimal(0)
        mtm, booked = Decimal(0), Decimal(0)
        for pos in positions:
            ltp = market.quotes[pos.instrument.key].ltp
            used = self.position_margin(pos, ltp)
            if pos.instrument.is_derivative:
                fo += used
            else:
                equity += used
            mtm += pos.mtm(ltp)
            booked += pos.booked()
        for order in open_orders:
            key = (*order.instrument.key, order.product)
            ltp = market.quotes[order.instrument.key].ltp
            used = self.order_margin(order, ltp, position_of.get(key))
            if order.instrument.is_derivative:
                fo += used
            else:
                equity += used
        return MarginFigures(
            cash=account.funds,
            collateral=account.collateral,
            equity_used=equity.quantize(_CENT),
            fo_used=fo.quantize(_CENT),
            mtm=mtm,
            booked=booked,
        )
