"""The decided orders of a Kafka batch's requests as they are stored and sent (pure): a
basket's legs numbered per client and held behind each client's first leg (baskets.py),
then every order above its instrument's freeze quantity cut into slices (slices.py).
"""

from collections.abc import Sequence
from dataclasses import replace

from order_router.baskets import hold, number_legs
from order_router.orders import Order
from order_router.placement import PlacementRequest
from order_router.slices import cut_all


def shaped(
    requests: Sequence[PlacementRequest], decided: Sequence[Sequence[Order]]
) -> list[list[Order]]:
    """Each request's orders, legs numbered and held, parents followed by their slices."""
    out = [list(orders) for orders in decided]
    baskets: dict[str, list[int]] = {}
    for index, req in enumerate(requests):
        if req.basket is not None:
            baskets.setdefault(req.batch_id, []).append(index)
    for indexes in baskets.values():
        indexes.sort(key=lambda i: requests[i].leg)
        basket = requests[indexes[0]].basket
        assert basket is not None
        numbered = number_legs([out[i] for i in indexes], basket.stop_on_first_leg_rejection)
        firsts: dict[str, Order] = {}
        for i in indexes:
            legs = []
            for order in out[i]:
                leg, waits_for = numbered[order.order_id]
                order = replace(order, leg=leg, waits_for=waits_for)
                if leg == 1:
                    firsts[order.order_id] = order
                elif waits_for is not None:
                    order = hold(order, firsts[waits_for])
                legs.append(order)
            out[i] = legs
    return [cut_all(orders) for orders in out]
