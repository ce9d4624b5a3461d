"""The async REST client for one Motilal account.

Many accounts share one pooled `MotilalHttp` (see motilal.http); each account has
its own MotilalClient holding its credentials and session. Reads are retried with backoff;
order writes never are, and a write whose answer is lost raises UnknownOutcome.
"""

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import SecretStr
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from motilal import envelope
from motilal.auth import next_expiry
from motilal.config import Credentials, MotilalSettings
from motilal.envelope import Body
from motilal.errors import (
    BrokerRejected,
    BrokerUnavailable,
    MotilalError,
    ProtocolError,
    RateLimited,
    SessionExpired,
    UnknownOutcome,
    error_for,
    login_error_for,
)
from motilal.feed.orders import OrderStream
from motilal.headers import build_headers
from motilal.http import AnswerLost, MotilalHttp, NeverSent
from motilal.identity import NetworkIdentity
from motilal.login import direct_login
from motilal.models import (
    Holding,
    IndexQuote,
    MarginRow,
    Margins,
    ModifyRequest,
    Order,
    OrderRequest,
    PlaceResult,
    Position,
    Profile,
    Quote,
    Session,
    Trade,
)
from motilal.models.orders import usable_stamp
from motilal.paths import ORDER_WRITES, PATHS, Endpoint

log = logging.getLogger("motilal.client")

FailureMapper = Callable[[str, str], MotilalError]
T = TypeVar("T")


class MotilalClient:
    """One account's typed view of Motilal's REST API."""

    def __init__(
        self,
        settings: MotilalSettings,
        credentials: Credentials,
        *,
        http: MotilalHttp | None = None,
        relogin_on_expiry: bool = True,
        identity: NetworkIdentity | None = None,
    ) -> None:
        """`identity`: the account's own network identity (headers; `http` should then leave
        from its local address, see HttpClients); None: the deployment's."""
        self._settings = settings
        self._credentials = credentials
        self._identity = identity
        self._own_http = http is None
        self._http = http or MotilalHttp(settings)
        self._session: Session | None = None
        self._headers_of: dict[str | None, dict[str, str]] = {}
        """The header set per auth token (None: without one): built once, not per call."""
        # Re-login needs no human only when a TOTP secret is stored.
        self._relogin = relogin_on_expiry and credentials.totp_secret is not None

    async def __aenter__(self) -> "MotilalClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    @property
    def client_code(self) -> str:
        return self._credentials.client_code.upper()

    @property
    def session(self) -> Session | None:
        return self._session

    @property
    def http(self) -> MotilalHttp:
        """The pooled connections this account calls through (e.g. for ScripMaster)."""
        return self._http

    def order_stream(self, url: str | None = None, **options: Any) -> OrderStream:
        """This account's order/trade stream, authenticated with its key and current token
        (read at every reconnect, so a daily re-login carries over). `url` defaults to the
        environment's stream host."""
        credentials = self._credentials
        if self._identity is not None:
            options.setdefault("local_address", self._identity.local_ip)

        def token() -> str:
            return self._session.auth_token.get_secret_value() if self._session else ""

        return OrderStream(
            url or self._settings.hosts.order_stream,
            credentials.client_code,
            credentials.api_key.get_secret_value(),
            token,
            **options,
        )

    def use_token(self, auth_token: str, *, verified: bool = True) -> None:
        """Adopt a token obtained elsewhere (e.g. the portal redirect login)."""
        now = datetime.now(UTC)
        self._session = Session(
            client_code=self.client_code,
            auth_token=SecretStr(auth_token),
            verified=verified,
            logged_in_at=now,
            expires_at=next_expiry(now),
        )

    # ---- transport -------------------------------------------------------------------------

    def _headers(self, endpoint: Endpoint) -> dict[str, str]:
        token = None
        if endpoint is not Endpoint.LOGIN and self._session is not None:
            token = self._session.auth_token.get_secret_value()
        headers = self._headers_of.get(token)
        if headers is None:
            secret = self._credentials.api_secret
            headers = build_headers(
                self._settings,
                api_key=self._credentials.api_key.get_secret_value(),
                client_code=self.client_code,
                auth_token=token,
                api_secret=secret.get_secret_value() if secret is not None else None,
                identity=self._identity,
            )
            # a session holds one token at a time: an older token's set goes
            kept = self._headers_of.get(None)
            self._headers_of = {token: headers} if kept is None else {None: kept, token: headers}
        return headers

    async def _send(self, endpoint: Endpoint, body: Body, on_failure: FailureMapper) -> Body:
        write = endpoint in ORDER_WRITES
        data = json.dumps(body, separators=(",", ":")).encode()
        try:
            response = await self._http.post(PATHS[endpoint], data, self._headers(endpoint))
        except NeverSent as exc:
            raise BrokerUnavailable(f"{endpoint}: {exc}") from exc
        except AnswerLost as exc:  # timeouts and drops after the request went out
            if write:
                raise UnknownOutcome(endpoint, str(exc)) from exc
            raise BrokerUnavailable(f"{endpoint}: {exc}") from exc
        status = response.status
        log.debug("motilal %s -> HTTP %s", endpoint, status)
        if status == 429 or status >= 500:
            if write:
                raise UnknownOutcome(endpoint, f"HTTP {status}")
            if status == 429:
                raise RateLimited("HTTP429", f"{endpoint}: too many requests")
            raise BrokerUnavailable(f"{endpoint}: HTTP {status}")
        try:
            parsed = json.loads(response.body)
        except ValueError as exc:
            if write:
                raise UnknownOutcome(endpoint, f"HTTP {status} with a non-JSON body") from exc
            raise ProtocolError(f"{endpoint}: HTTP {status} with a non-JSON body") from exc
        if not isinstance(parsed, dict):
            if write:
                raise UnknownOutcome(endpoint, f"HTTP {status} with a body that is not an object")
            raise ProtocolError(f"{endpoint}: body is not a JSON object")
        if not envelope.is_success(parsed):
            code, message = envelope.failure(parsed)
            error = on_failure(code, message)
            if isinstance(error, BrokerRejected) and parsed.get("uniqueorderid"):
                error.unique_order_id = str(parsed["uniqueorderid"])
            raise error
        return parsed

    async def _call(self, endpoint: Endpoint, body: Body | None = None) -> Body:
        """An authenticated call; one fresh login and retry when the session died."""
        if self._session is None:
            if not self._relogin:
                raise SessionExpired("MO8003", "not logged in: call login() first")
            await self.login()
        write = endpoint in ORDER_WRITES

        def on_failure(code: str, message: str) -> MotilalError:
            return error_for(code, message, operation=endpoint.value, write=write)

        try:
            return await self._send(endpoint, body or {}, on_failure)
        except SessionExpired:
            # Safe for writes too: an expired token means Motilal refused the call untouched.
            if not self._relogin:
                raise
            log.info("session of %s expired; logging in again", self.client_code)
            await self.login()
            return await self._send(endpoint, body or {}, on_failure)

    async def _read(self, endpoint: Endpoint, body: Body | None = None) -> Body:
        retrying = AsyncRetrying(
            retry=retry_if_exception_type((BrokerUnavailable, RateLimited)),
            stop=stop_after_attempt(max(1, self._settings.read_retries)),
            wait=wait_exponential(multiplier=0.2, max=2),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._call(endpoint, body)
        raise AssertionError("unreachable")  # pragma: no cover

    # ---- session ---------------------------------------------------------------------------

    async def login(self) -> Session:
        """Direct login: password hash + DOB/PAN, and TOTP when a secret is stored (see
        motilal.login for what is retried). Without a TOTP secret the token is unverified
        until `verify_otp` succeeds."""

        async def send(body: Body) -> Body:
            return await self._send(Endpoint.LOGIN, body, login_error_for)

        answer = await direct_login(send, self._credentials, self._settings)
        verified = str(answer.get("isAuthTokenVerified", "")).upper() == "TRUE"
        self.use_token(str(answer["AuthToken"]), verified=verified)
        log.info("logged in %s (verified=%s)", self.client_code, verified)
        assert self._session is not None
        return self._session

    async def verify_otp(self, otp: str) -> Session:
        """Completes an OTP login; Motilal keeps the same token (no new one comes back)."""
        if self._session is None:
            raise SessionExpired("MO8003", "verify_otp needs the token from login()")
        await self._send(Endpoint.VERIFY_OTP, {"otp": otp}, login_error_for)
        self._session = self._session.model_copy(update={"verified": True})
        return self._session

    async def resend_otp(self) -> None:
        await self._send(Endpoint.RESEND_OTP, {}, login_error_for)

    async def profile(self) -> Profile:
        """Who the token belongs to, its exchanges and products (getprofile)."""
        # No clientcode: a plain client sending one is refused (MO2031); dealers send it.
        return Profile.from_row(envelope.one(await self._read(Endpoint.PROFILE)))

    async def logout(self) -> None:
        if self._session is not None:
            await self._send(Endpoint.LOGOUT, {"userid": self.client_code}, error_for)
        self._session = None

    # ---- orders ----------------------------------------------------------------------------

    async def place_order(self, order: OrderRequest) -> PlaceResult:
        """Places one order. BrokerRejected carries the rejected order's id when one was made."""
        body: Body = {
            "exchange": order.exchange,
            "symboltoken": order.token,
            "buyorsell": order.side.value,
            "ordertype": order.order_type.value,
            "producttype": order.product,
            "orderduration": order.duration,
            "price": float(order.price),
            "triggerprice": float(order.trigger_price),
            "quantityinlot": order.quantity_in_lots(),
            "disclosedquantity": order.disclosed_quantity,
            "amoorder": "Y" if order.amo else "N",
            "algoid": "",
            "goodtilldate": "",
            "tag": order.tag,
        }
        answer = await self._call(Endpoint.PLACE_ORDER, body)
        order_id = answer.get("uniqueorderid")
        if not order_id:
            raise UnknownOutcome(Endpoint.PLACE_ORDER, "SUCCESS without a uniqueorderid")
        return PlaceResult(unique_order_id=str(order_id), message=str(answer.get("message", "")))

    async def modify_order(
        self,
        change: ModifyRequest,
        *,
        last_modified_time: str | None = None,
        qty_traded_today: int | None = None,
    ) -> None:
        """Modifies an open order; reads lastmodifiedtime and qtytradedtoday first if not given.

        Never sends "0" as lastmodifiedtime (refused with MO1089): see `modify_stamp`."""
        if qty_traded_today is None:
            current = await self.find_order(change.unique_order_id)
            qty_traded_today = current.traded_quantity
            if not usable_stamp(last_modified_time):
                last_modified_time = current.modify_stamp
        if not usable_stamp(last_modified_time):
            last_modified_time = await self._detail_stamp(change.unique_order_id)
        body: Body = {
            "uniqueorderid": change.unique_order_id,
            "newordertype": change.order_type.value,
            "neworderduration": change.duration,
            "newprice": float(change.price),
            "newtriggerprice": float(change.trigger_price),
            "newquantityinlot": change.quantity_in_lots(),
            "newdisclosedquantity": change.disclosed_quantity,
            "newgoodtilldate": "",
            "lastmodifiedtime": last_modified_time.strip(),
            "qtytradedtoday": qty_traded_today,
        }
        await self._call(Endpoint.MODIFY_ORDER, body)

    async def _detail_stamp(self, unique_order_id: str) -> str:
        # The detail lists every state of the order; its newest usable time is the stamp.
        for row in reversed(await self.order_detail(unique_order_id)):
            if row.modify_stamp:
                return row.modify_stamp
        raise ProtocolError(
            f"order {unique_order_id} has no lastmodifiedtime, recordinserttime or entrydatetime"
            " in its book row or detail: modify cannot be sent"
        )

    async def cancel_order(self, unique_order_id: str) -> None:
        await self._call(Endpoint.CANCEL_ORDER, {"uniqueorderid": unique_order_id})

    async def find_order(self, unique_order_id: str) -> Order:
        for order in await self.order_book():
            if order.unique_order_id == unique_order_id:
                return order
        raise BrokerRejected("MO1060", f"order {unique_order_id} is not in the order book")

    async def orders_with_tag(self, tag: str) -> list[Order]:
        """Every order placed with this tag (after a crash: did my order get through?)."""
        tag = tag.strip()
        return [o for o in await self.order_book() if o.tag == tag]

    # ---- books and reports -----------------------------------------------------------------

    async def _book(
        self, endpoint: Endpoint, parse: Callable[[Body], T], what: str, body: Body | None = None
    ) -> list[T]:
        """Every row a book answers, each parsed on its own (an odd one is logged, skipped)."""
        rows = envelope.rows(await self._read(endpoint, body))
        return envelope.parse_rows(rows, parse, what)

    async def order_book(self) -> list[Order]:
        return await self._book(Endpoint.ORDER_BOOK, Order.from_row, "order book")

    async def order_detail(self, unique_order_id: str) -> list[Order]:
        body = {"uniqueorderid": unique_order_id}
        return await self._book(Endpoint.ORDER_DETAIL, Order.from_detail_row, "order detail", body)

    async def trade_book(self) -> list[Trade]:
        return await self._book(Endpoint.TRADE_BOOK, Trade.from_row, "trade book")

    async def trade_detail(self, unique_order_id: str) -> list[Trade]:
        body = {"uniqueorderid": unique_order_id}
        return await self._book(Endpoint.TRADE_DETAIL, Trade.from_row, "trade detail", body)

    async def positions(self) -> list[Position]:
        return await self._book(Endpoint.POSITIONS, Position.from_row, "positions")

    async def holdings(self) -> list[Holding]:
        return await self._book(Endpoint.HOLDINGS, Holding.from_row, "holdings")

    async def margin_summary(self) -> Margins:
        return await self._margins(Endpoint.MARGIN_SUMMARY)

    async def margin_detail(self) -> Margins:
        return await self._margins(Endpoint.MARGIN_DETAIL)

    async def _margins(self, endpoint: Endpoint) -> Margins:
        rows = envelope.rows(await self._read(endpoint))
        return Margins(rows=tuple(MarginRow.from_row(r) for r in rows))

    async def ltp(self, exchange: str, token: int) -> Quote:
        """Last price and day bar; Motilal sends paisa, this returns rupees."""
        answer = await self._read(Endpoint.LTP, {"exchange": exchange, "scripcode": token})
        return Quote.from_row(envelope.one(answer))

    async def index_ltp(self, exchange: str, index_code: int) -> IndexQuote:
        # The docs disagree on the field name (exchange vs exchangename); send both.
        body = {"exchange": exchange, "exchangename": exchange, "scripcode": index_code}
        answer = await self._read(Endpoint.INDEX_LTP, body)
        return IndexQuote.from_row(envelope.one(answer))
