"""Places one client's orders at Motilal (modify and cancel: changes.py).

Placement follows the idempotency log (intents.py): the intent is recorded before the call
and the broker order id after it. An intent that may already have reached the broker (a
crash, an unknown outcome) is looked up in the client's order book by its tag first: found
means adopted, never placed twice; absent after the book was read means placed again.
"""

import asyncio
import logging
from decimal import Decimal
from typing import Any

import asyncpg
from common.contracts.commands import PlaceOrder
from common.contracts.order_events import (
    OrderAccepted,
    OrderRejected,
)
from common.enums import OrderType
from common.locks import ClientLocks
from motilal.errors import (
    BrokerRejected,
    BrokerUnavailable,
    RateLimited,
    UnknownOutcome,
)
from motilal.models import Order, OrderRequest
from motilal.models import OrderStatus as BrokerStatus
from motilal.models import OrderType as BrokerOrderType
from motilal.models import Side as BrokerSide
from motilal.tags import tag_for
from motilal.units import InvalidQuantity

from broker_adapter.config import BrokerAdapterSettings
from broker_adapter.execution import store_intents as store
from broker_adapter.execution.broker import LOCAL_ERROR, SESSION_ERROR, BrokerAccess, Park
from broker_adapter.execution.emitter import Emitter, envelope_of
from broker_adapter.execution.intents import Intent, IntentState
from broker_adapter.execution.journal import Journal
from broker_adapter.execution.prices import LastPrices
from broker_adapter.execution.products import UnsupportedProduct, motilal_product
from broker_adapter.execution.protection import NoReferencePrice, SentTerms, terms_to_send
from broker_adapter.execution.store_intents import Settlement
from broker_adapter.execution.throttle import Throttle
from broker_adapter.metrics import METRICS
from broker_adapter.sessions.session import SessionUnavailable
from broker_adapter.sessions.source import SessionSource

log = logging.getLogger(__name__)


class Executor(BrokerAccess):
    """Places orders (modify and cancel are in changes.py)."""

    def __init__(
        self,
        settings: BrokerAdapterSettings,
        pool: asyncpg.Pool,
        prices: LastPrices,
        sessions: SessionSource,
        throttle: Throttle,
        emitter: Emitter,
        journal: Journal,
        locks: ClientLocks,
    ) -> None:
        super().__init__(sessions, throttle)
        self.settings = settings
        self.pool = pool
        self.prices = prices
        self.emitter = emitter
        self.journal = journal
        self.locks = locks

    # ---- place -------------------------------------------------------------------------------

    async def place(self, command: PlaceOrder) -> str:
        async with self.locks.of(command.client_id):
            return await self._place(command)

    async def _place(self, command: PlaceOrder) -> str:
        # The terms are worked out before the intent is looked up, so that a new order (the
        # common case) costs one write; an order seen before keeps the intent it has.
        try:
            terms, product = await self._sent_terms(command)
        except (UnsupportedProduct, NoReferencePrice, InvalidQuantity, SessionUnavailable) as error:
            existing = await store.get_intent(self.pool, command.order_id)
            if existing is None:
                if isinstance(error, SessionUnavailable):
                    await self._reject(command, SESSION_ERROR, error.reason)
                    return f"rejected: session failed: {error.reason}"
                await self._reject(command, LOCAL_ERROR, str(error))
                return f"rejected before sending: {error}"
            intent, fresh = existing, False
        else:
            intent, fresh = await self.journal.record(_new_intent(command, terms, product))
        if intent.state in (IntentState.PLACED, IntentState.DONE):
            return f"already {intent.state.value.lower()}"
        try:
            return await self._place_intent(intent, fresh=fresh)
        except SessionUnavailable as error:
            if intent.place_attempts > 0:
                raise Park(f"session failed with an order in flight: {error.reason}") from error
            await self._reject_intent(intent, SESSION_ERROR, error.reason)
            return f"rejected: session failed: {error.reason}"

    async def _sent_terms(self, command: PlaceOrder) -> tuple[SentTerms, str]:
        # The session first: a failed one rejects the order before anything is recorded.
        client = await self.client_for(command.client_id)
        instrument = command.instrument
        product = motilal_product(command.trade_type, instrument.exchange)
        ltp: Decimal | None = None
        if command.order_type is OrderType.MARKET:
            ltp = await self.prices.of(client, instrument)
        terms = terms_to_send(
            command.order_type,
            command.side,
            instrument.tick_size,
            price=command.price,
            trigger_price=command.trigger_price,
            ltp=ltp,
            percent=self.settings.market_protection_percent,
        )
        if command.quantity % instrument.lot_size:
            raise InvalidQuantity(
                f"quantity {command.quantity} is not a multiple of lot size "
                f"{instrument.lot_size} for {instrument.symbol}"
            )
        return terms, product

    async def _place_intent(self, intent: Intent, *, fresh: bool) -> str:
        """Places the intent; `fresh` when it was just recorded for its first call (its
        place_attempts already counts that call, so nothing is read or written first)."""
        while True:
            if fresh:
                fresh = False
            else:
                if intent.needs_reconcile:
                    found = await self._find_by_tag(intent)
                    if found is not None:
                        await self.adopt(intent, found)
                        METRICS.orders.labels("adopted").inc()
                        return (
                            f"found by tag {intent.tag} as {found.unique_order_id}; "
                            "not placed again"
                        )
                    if intent.state is IntentState.UNKNOWN:
                        intent = await store.move(self.pool, intent, IntentState.INTENT)
                        METRICS.orders.labels("replaced").inc()
                intent = await store.move(
                    self.pool, intent, IntentState.INTENT,
                    place_attempts=intent.place_attempts + 1,
                )  # fmt: skip
            request = _order_request(intent)
            try:
                # A Park (the session expired again) leaves the intent its attempt: the next
                # run reads the book by tag first.
                result = await self.write(intent, "place_order", _placer(request))
            except BrokerRejected as error:  # a documented, definitive refusal (errors.classify)
                await self._reject_intent(
                    intent, error.code, error.reason, broker_order_id=error.unique_order_id
                )
                METRICS.orders.labels("rejected").inc()
                return f"rejected by the broker: {error.code} {error.reason}"
            except RateLimited as error:  # Motilal refused it without doing anything
                log.info("place refused for rate (%s); retrying", error.code)
                intent = await store.move(self.pool, intent, IntentState.UNKNOWN)
                await asyncio.sleep(1.0)
                continue
            except (UnknownOutcome, BrokerUnavailable) as error:
                # Timeouts, 5xx, 429, MO8000, MO500x, unreadable answers: the order may exist.
                # BrokerUnavailable on a write means not sent; reconciling first is still safe.
                METRICS.orders.labels("unknown").inc()
                log.warning("outcome of placing %s unknown (%s); reconciling by tag",
                            intent.order_id, error)  # fmt: skip
                intent = await store.move(
                    self.pool, intent, IntentState.UNKNOWN, last_error=str(error)[:500]
                )
                if intent.place_attempts >= self.settings.command_max_attempts:
                    # Motilal keeps answering without saying: stop sending, keep looking.
                    self.follower.track(intent)
                    return (
                        f"outcome unknown after {intent.place_attempts} attempts; "
                        f"left to reconciliation by tag {intent.tag}"
                    )
                await asyncio.sleep(self.settings.unknown_outcome_delay_seconds)
                continue
            await self._accept(intent, result.unique_order_id)
            METRICS.orders.labels("placed").inc()
            return f"placed as {result.unique_order_id}"

    async def _find_by_tag(self, intent: Intent) -> Order | None:
        """The broker's order carrying the intent's tag, after `unknown_outcome_checks` reads."""
        for check in range(self.settings.unknown_outcome_checks):
            if check:
                await asyncio.sleep(self.settings.unknown_outcome_delay_seconds)
            orders = await self.read(
                intent.client_id, "order_book", lambda c: c.orders_with_tag(intent.tag)
            )
            if orders:
                if len(orders) > 1:
                    log.error("tag %s matches %d broker orders for %s", intent.tag,
                              len(orders), intent.order_id)  # fmt: skip
                return sorted(orders, key=lambda o: o.unique_order_id)[0]
            if intent.state is IntentState.INTENT:
                return None  # a crash before the answer: one read of the book settles it
        return None

    async def adopt(self, intent: Intent, order: Order) -> None:
        """Takes a broker order found by tag as this intent's order."""
        if order.status in (BrokerStatus.REJECTED, BrokerStatus.ERROR):
            await self._reject_intent(
                intent, order.status.value.upper(), order.error or "rejected by the broker",
                broker_order_id=order.unique_order_id,
            )  # fmt: skip
            return
        await self._accept(intent, order.unique_order_id)

    async def _accept(self, intent: Intent, broker_order_id: str) -> None:
        event = OrderAccepted(
            **envelope_of(intent),
            broker_order_id=broker_order_id,
            sent_order_type=intent.sent.order_type,
            sent_price=intent.sent.price or None,
            protected=intent.sent.protected,
        )
        self.follower.track(await self.journal.accepted(intent, broker_order_id, event))

    async def _reject_intent(
        self, intent: Intent, code: str, reason: str, *, broker_order_id: str | None = None
    ) -> None:
        event = OrderRejected(**envelope_of(intent), error_code=code or "REJECTED", reason=reason)
        settlement = Settlement(intent, "order.rejected", "Rejected", broker_order_id, reason)
        await self.journal.settled(settlement, event)
        self.follower.untrack(intent)

    async def _reject(self, command: PlaceOrder, code: str, reason: str) -> None:
        await self.emitter.emit(
            OrderRejected(
                **command.caused(order_id=command.order_id, client_id=command.client_id),
                error_code=code,
                reason=reason,
            )
        )

    async def reject_unplaceable(
        self, command: PlaceOrder, reason: str, code: str = LOCAL_ERROR
    ) -> str:
        """Gives up a place command that cannot run; a rejection only if nothing was sent."""
        intent = await store.get_intent(self.pool, command.order_id)
        if intent is None:
            await self._reject(command, code, reason)
            return f"rejected ({code}): {reason}"
        if intent.state is IntentState.INTENT and intent.place_attempts == 0:
            await self._reject_intent(intent, code, reason)
            return f"rejected ({code}): {reason}"
        # It may be at the broker: never a rejection. The tracker reconciles it by tag.
        if intent.state is IntentState.INTENT:
            intent = await store.move(
                self.pool, intent, IntentState.UNKNOWN, last_error=reason[:500]
            )
        if intent.state is IntentState.UNKNOWN:
            self.follower.track(intent)
        return f"left to reconciliation: {reason}"


def _new_intent(command: PlaceOrder, terms: SentTerms, product: str) -> Intent:
    """The intent as recorded right before its first placement call (so that call counts)."""
    return Intent(
        order_id=command.order_id,
        client_id=command.client_id,
        tag=tag_for(command.order_id),
        state=IntentState.INTENT,
        instrument=command.instrument,
        side=command.side,
        trade_type=command.trade_type,
        product=product,
        order_type=command.order_type,
        quantity=command.quantity,
        price=command.price,
        trigger_price=command.trigger_price,
        sent=terms,
        broker_order_id=None,
        broker_status=None,
        filled_quantity=0,
        terminal_event=None,
        correlation_id=command.correlation_id,
        causation_id=command.event_id,
        actor=command.actor,
        place_attempts=1,
        amo=command.amo,
    )


def _order_request(intent: Intent) -> OrderRequest:
    instrument = intent.instrument
    return OrderRequest(
        exchange=instrument.exchange.value,
        token=instrument.token,
        side=BrokerSide(intent.side.value),
        order_type=BrokerOrderType(intent.sent.order_type.value),
        product=intent.product,
        quantity=intent.quantity,
        price=intent.sent.price,
        trigger_price=intent.sent.trigger_price,
        lot_size=instrument.lot_size,
        symbol=instrument.symbol,
        amo=intent.amo,
        tag=intent.tag,
    )


def _placer(request: OrderRequest) -> Any:
    return lambda client: client.place_order(request)
