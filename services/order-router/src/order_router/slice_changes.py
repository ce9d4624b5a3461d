"""Modify and cancel of a sliced order: they act on its slices still working at the broker.

A cancel asks for every cancelable slice to be canceled (filled and finished slices stay as
they are). A modify of price, trigger or order type goes to every modifiable slice; a lower
quantity is taken from the last slices first (slices.resize), a slice left with nothing
unfilled is canceled instead. Each slice moves through the transition table on its own;
the parent is re-made from them (slices.aggregate), so it shows PENDING_CANCEL or
PENDING_MODIFY while the changes are out and settles as the broker answers.
"""

import logging
from dataclasses import replace

import asyncpg
from common.contracts.envelope import Message
from common.contracts.requests import CancelRequested, ModifyRequested
from common.kafka import Publisher
from common.topics import ORDER_COMMANDS

from order_router import store_orders
from order_router.messages import cancel_command, derived_id, modify_command
from order_router.orders import Order
from order_router.slices import aggregate, is_parent, resize
from order_router.transitions import Ev, IllegalTransition, can_cancel, can_modify

log = logging.getLogger(__name__)


async def change_sliced(
    pool: asyncpg.Pool, publisher: Publisher, m: ModifyRequested | CancelRequested
) -> bool:
    """Apply `m` to a sliced order's slices; False when the order is not a sliced one."""
    commands: list[Message] = []
    async with pool.acquire() as conn, conn.transaction():
        parent = (await store_orders.orders_by_id(conn, [m.order_id], for_update=True)).get(
            m.order_id
        )
        if parent is None or not is_parent(parent) or parent.client_id != m.client_id:
            return False
        slices = (await store_orders.slices_of(conn, [parent.order_id], for_update=True)).get(
            parent.order_id, []
        )
        if isinstance(m, CancelRequested):
            changed = _cancel(slices, m, commands)
        else:
            changed = _modify(parent, slices, m, commands)
        if changed is None:
            return True
        pieces = [changed.get(s.order_id, s) for s in slices]
        made = aggregate(parent, pieces)
        await store_orders.update_orders(conn, [*changed.values(), made])
    await publisher.publish_many(ORDER_COMMANDS, commands)
    log.info("%s of sliced order %s: %d slice commands", m.type, m.order_id, len(commands))
    return True


def _cancel(
    slices: list[Order], m: CancelRequested, commands: list[Message]
) -> dict[str, Order] | None:
    changed: dict[str, Order] = {}
    for piece in slices:
        if piece.status.value == "PENDING_CANCEL":
            commands.append(cancel_command(piece, m))  # redelivered: the adapter dedupes
        elif can_cancel(piece.status):
            changed[piece.order_id] = piece.to(Ev.REQUEST_CANCEL)
            commands.append(cancel_command(changed[piece.order_id], m))
    if not commands:
        log.warning("cancel of %s: no slice is still working", m.order_id)
        return None
    return changed


def _modify(
    parent: Order, slices: list[Order], m: ModifyRequested, commands: list[Message]
) -> dict[str, Order] | None:
    sizes = resize(parent, slices, m.quantity) if m.quantity else {}
    if isinstance(sizes, str):
        log.warning("modify of %s refused: %s", parent.order_id, sizes)
        return None
    changed: dict[str, Order] = {}
    for piece in slices:
        if not can_modify(piece.status):
            continue
        size = sizes.get(piece.order_id, piece.quantity)
        try:
            if size <= piece.filled_quantity:
                changed[piece.order_id] = piece.to(Ev.REQUEST_CANCEL)
                commands.append(cancel_command(changed[piece.order_id], m))
                continue
            changed[piece.order_id] = piece.to(Ev.REQUEST_MODIFY)
        except IllegalTransition as refused:
            log.warning("modify of slice %s refused: %s", piece.order_id, refused)
            continue
        proposed = replace(
            piece,
            order_type=m.order_type or piece.order_type,
            quantity=size,
            price=m.price if m.price is not None else piece.price,
            trigger_price=m.trigger_price if m.trigger_price is not None else
            piece.trigger_price,
        )  # fmt: skip
        command = modify_command(proposed, m)
        # one modify request, one command per slice: each needs an event id of its own
        commands.append(command.model_copy(update={"event_id": derived_id(
            m.event_id, "modify", piece.order_id)}))  # fmt: skip
    if not changed:
        log.warning("modify of %s: no slice is still working", parent.order_id)
        return None
    return changed
