"""Modify and cancel of orders already at Motilal.

A change whose outcome was lost (timeouts, 5xx, 429, MO8000, MO500x, an unreadable answer)
is checked in the order book before it is sent again: modify carries `lastmodifiedtime`, so
a resend of a change that went through is refused. Only a documented refusal (see
motilal.errors.classify) is a change_rejected; MO1066 on cancel means already canceled.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal, TypeVar

import asyncpg
from common.contracts.commands import CancelOrder, ModifyOrder
from common.contracts.order_events import (
    OrderChangeRejected,
    OrderModified,
)
from common.enums import OrderType
from common.locks import ClientLocks
from motilal.errors import (
    BrokerRejected,
    BrokerUnavailable,
    RateLimited,
    UnknownOutcome,
)
from motilal.models import ModifyRequest, Order
from motilal.models import OrderStatus as BrokerStatus
from motilal.models import OrderType as BrokerOrderType

from broker_adapter.config import BrokerAdapterSettings
from broker_adapter.execution import store_intents as store
from broker_adapter.execution.broker import LOCAL_ERROR, BrokerAccess, Park
from broker_adapter.execution.emitter import Emitter
from broker_adapter.execution.intents import Intent, IntentState
from broker_adapter.execution.prices import LastPrices
from broker_adapter.execution.protection import NoReferencePrice, terms_to_send

log = logging.getLogger(__name__)

Change = Literal["modify", "cancel"]
NOT_PLACED = "NOT_PLACED"
_ALREADY_CANCELED = "MO1066"

C = TypeVar("C", ModifyOrder, CancelOrder)


@dataclass(eq=False)
class Changes:
    """Modify and cancel of placed orders, through the same broker access as placing."""

    settings: BrokerAdapterSettings
    pool: asyncpg.Pool
    prices: LastPrices
    broker: BrokerAccess
    emitter: Emitter
    locks: ClientLocks

    async def modify(self, command: ModifyOrder) -> str:
        return await self._of_placed(command, "modify", self._modify)

    async def cancel(self, command: CancelOrder) -> str:
        return await self._of_placed(command, "cancel", self._cancel)

    async def _of_placed(
        self, command: C, change: Change, run: Callable[[C, Intent, str], Awaitable[str]]
    ) -> str:
        """Runs a change under its client's lock, on the intent and broker order id of an
        order placed at the broker; one never placed there is refused."""
        async with self.locks.of(command.client_id):
            intent = await store.get_intent(self.pool, command.order_id)
            if intent is None or intent.broker_order_id is None:
                return await self.change_rejected(
                    command, change, NOT_PLACED, "the order was never placed at the broker"
                )
            return await run(command, intent, intent.broker_order_id)

    # ---- modify ------------------------------------------------------------------------------

    async def _modify(self, command: ModifyOrder, intent: Intent, uid: str) -> str:
        try:
            ltp = None
            if command.order_type in (OrderType.MARKET,):
                client = await self.broker.client_for(command.client_id)
                ltp = await self.prices.of(client, intent.instrument)
            terms = terms_to_send(
                command.order_type, intent.side, intent.instrument.tick_size,
                price=command.price, trigger_price=command.trigger_price, ltp=ltp,
                percent=self.settings.market_protection_percent,
            )  # fmt: skip
        except NoReferencePrice as error:
            return await self.change_rejected(command, "modify", LOCAL_ERROR, str(error))
        change = ModifyRequest(
            unique_order_id=uid,
            order_type=BrokerOrderType(terms.order_type.value),
            quantity=command.quantity,
            price=terms.price,
            trigger_price=terms.trigger_price,
            lot_size=intent.instrument.lot_size,
            symbol=intent.instrument.symbol,
        )
        for _ in range(3):
            current = await self._current(intent, uid)
            if current is None:
                return await self.change_rejected(
                    command, "modify", "MO1060", f"order {uid} is not in the broker's order book"
                )
            try:
                await self.broker.write(intent, "modify_order", _modifier(change, current))
            except BrokerRejected as error:
                return await self.change_rejected(command, "modify", error.code, error.reason)
            except (UnknownOutcome, BrokerUnavailable, RateLimited) as error:
                # lastmodifiedtime guards a resend: if the first went through, the broker
                # refuses the second (MO1089), so read the book and try again if unchanged.
                took = partial(_has_terms, change=change)
                if await self._book_shows(intent, uid, "modify", error, took):
                    break
                continue
            break
        else:
            raise Park(f"modify of {uid} could not be confirmed")
        intent = await store.move(
            self.pool, intent, intent.state, quantity=command.quantity,
            order_type=command.order_type, price=command.price,
            trigger_price=command.trigger_price, sent=terms,
        )  # fmt: skip
        if intent.state is IntentState.PLACED:
            self.broker.follower.track(intent)
        await self.emitter.emit(
            OrderModified(
                **command.caused(order_id=command.order_id, client_id=command.client_id),
                order_type=command.order_type,
                quantity=command.quantity,
                price=terms.price if terms.protected else command.price,
                trigger_price=command.trigger_price,
            )
        )
        return f"modified {uid}"

    async def _current(self, intent: Intent, uid: str) -> Order | None:
        book = await self.broker.read(intent.client_id, "order_book", lambda c: c.order_book())
        return next((o for o in book if o.unique_order_id == uid), None)

    async def _book_shows(
        self, intent: Intent, uid: str, change: Change, error: Exception,
        took: Callable[[Order], bool],
    ) -> bool:  # fmt: skip
        """After a change's outcome was lost (`error`): whether order `uid`, read again from
        the book a moment later, shows that the change `took`."""
        log.warning("%s of %s: %s; re-reading the book", change, uid, error)
        await asyncio.sleep(self.settings.unknown_outcome_delay_seconds)
        after = await self._current(intent, uid)
        return after is not None and took(after)

    # ---- cancel ------------------------------------------------------------------------------

    async def _cancel(self, command: CancelOrder, intent: Intent, uid: str) -> str:
        for _ in range(3):
            try:
                await self.broker.write(intent, "cancel_order", lambda c: c.cancel_order(uid))
                return f"cancel of {uid} accepted"
            except BrokerRejected as error:
                if error.code == _ALREADY_CANCELED:
                    return f"{uid} was already canceled"
                return await self.change_rejected(command, "cancel", error.code, error.reason)
            except (UnknownOutcome, BrokerUnavailable, RateLimited) as error:
                if await self._book_shows(intent, uid, "cancel", error, _is_canceled):
                    return f"cancel of {uid} confirmed by the book"
        raise Park(f"cancel of {uid} could not be confirmed")

    async def change_rejected(
        self, command: ModifyOrder | CancelOrder, change: Change, code: str, reason: str
    ) -> str:
        await self.emitter.emit(
            OrderChangeRejected(
                **command.caused(order_id=command.order_id, client_id=command.client_id),
                change=change,
                error_code=code,
                reason=reason,
            )
        )
        return f"{change} rejected: {code} {reason}"


def _modifier(change: ModifyRequest, current: Order) -> Any:
    # A never-modified order reads lastmodifiedtime "0": modify_stamp stands in the insert or
    # entry time, and the client reads the order detail when the row has neither.
    return lambda client: client.modify_order(
        change,
        last_modified_time=current.modify_stamp,
        qty_traded_today=current.traded_quantity,
    )


def _has_terms(order: Order, change: ModifyRequest) -> bool:
    return order.quantity == change.quantity and order.price == change.price


def _is_canceled(order: Order) -> bool:
    return order.status is BrokerStatus.CANCEL
