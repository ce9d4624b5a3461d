"""One function per Motilal endpoint: (state, headers, body) -> the JSON answer."""

from collections.abc import Callable, Mapping
from typing import Any

from motilal.paths import Endpoint
from motilal.units import rupees_to_paisa

from motilal_sim import login
from motilal_sim.rejects import AFTER_PLACEMENT, Reject
from motilal_sim.state import SimState

Row = dict[str, Any]
Handler = Callable[[SimState, Mapping[str, str], Row], Row]


def ok(message: str = "", data: object = None, **extra: object) -> Row:
    answer: Row = {"status": "SUCCESS", "message": message, "errorcode": "", "data": data}
    answer.update(extra)
    return answer


def _client(state: SimState, headers: Mapping[str, str], body: Row) -> str:
    return login.acting_client(state, headers, body)


def _uid(body: Row) -> str:
    uid = str(body.get("uniqueorderid") or "")
    if not uid:
        raise Reject("MO1070", "uniqueorderid is missing")
    return uid


def _place(state: SimState, headers: Mapping[str, str], body: Row) -> Row:
    try:
        result = state.engine.place(_client(state, headers, body), body)
    except Reject as reject:
        if reject.unique_order_id and reject.code in AFTER_PLACEMENT:
            # Taken, then rejected by RMS/exchange: the reason is only in the book.
            return ok("Order Placed Successfully", None, uniqueorderid=reject.unique_order_id)
        raise
    return ok("Order Placed Successfully", None, **result)


def _profile(state: SimState, headers: Mapping[str, str], body: Row) -> Row:
    session = login.authenticate(state, headers, body)
    account = state.accounts[session.client_code]
    data = {
        "clientcode": account.client_code,
        "name": account.name,
        "exchanges": ["NSE", "BSE", "NSEFO", "NSECD", "MCX"],
        "products": ["Normal", "Delivery", "ValuePlus", "BTST", "MTF"],
        "usertype": "CLIENT",
    }
    return ok("Profile", data)


def _modify(state: SimState, headers: Mapping[str, str], body: Row) -> Row:
    state.engine.modify(_client(state, headers, body), body)
    return ok("Order Modified Successfully")


def _cancel(state: SimState, headers: Mapping[str, str], body: Row) -> Row:
    result = state.engine.cancel(_client(state, headers, body), body)
    return ok("Order Cancellation Request Sent", None, **result)


def _scrip(state: SimState, body: Row, *, index: bool) -> Any:
    exchange = str(body.get("exchange") or body.get("exchangename") or "").upper()
    if not exchange:
        raise Reject("MO1051", "exchange is missing")
    try:
        token = int(body.get("scripcode"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise Reject("MO1058", f"scripcode {body.get('scripcode')!r} is not a number") from None
    quote = state.engine.market.quotes.get((exchange, token))
    if quote is None or (quote.instrument.instrument_type == "INDEX") != index:
        kind = "index code" if index else "scrip code (indices use getindexltpdata)"
        raise Reject("MO1058", f"scripcode {token} is not a known {exchange} {kind}")
    return quote


def _ltp(state: SimState, headers: Mapping[str, str], body: Row) -> Row:
    _client(state, headers, body)
    q = _scrip(state, body, index=False)
    paisa = rupees_to_paisa
    data = {
        "exchange": q.instrument.exchange,
        "scripcode": q.instrument.token,
        "open": paisa(q.open),
        "high": paisa(q.high),
        "low": paisa(q.low),
        "close": paisa(q.prev_close),
        "ltp": paisa(q.ltp),
        "volume": q.volume,
        "ask": paisa(q.ask),
        "bid": paisa(q.bid),
    }
    return ok("LTP data", data)


def _index_ltp(state: SimState, headers: Mapping[str, str], body: Row) -> Row:
    _client(state, headers, body)
    q = _scrip(state, body, index=True)
    row = {
        "exchange": f"{q.instrument.exchange}CASH",
        "scripcode": q.instrument.token,
        "open": float(q.open),
        "high": float(q.high),
        "low": float(q.low),
        "close": float(q.prev_close),
        "ltp": float(q.ltp),
    }
    return ok("Index LTP data", [row])


def _reader(name: str) -> Handler:
    def handle(state: SimState, headers: Mapping[str, str], body: Row) -> Row:
        client = _client(state, headers, body)
        state.reads[name][client] += 1
        engine = state.engine
        rows: list[Row]
        if name == "order_detail":
            rows = engine.order_detail(client, _uid(body))
        elif name == "trade_detail":
            rows = engine.trade_detail(client, _uid(body))
        else:
            rows = {
                "order_book": engine.order_book,
                "trade_book": engine.trade_book,
                "positions": engine.position_rows,
                "holdings": engine.holdings,
                "margin_summary": engine.margin_summary,
                "margin_detail": engine.margin_detail,
            }[name](client)
        return ok("", rows)

    return handle


def _verify_otp(state: SimState, headers: Mapping[str, str], body: Row) -> Row:
    session = login.authenticate(state, headers, body, allow_unverified=True)
    return login.verify_otp(state, session, body)


def _resend_otp(state: SimState, headers: Mapping[str, str], body: Row) -> Row:
    session = login.authenticate(state, headers, {}, allow_unverified=True)
    return login.resend_otp(state, session)


def _logout(state: SimState, headers: Mapping[str, str], body: Row) -> Row:
    session = login.authenticate(state, headers, {}, allow_unverified=True)
    session.revoked = True
    return ok("Logout Successful")


HANDLERS: dict[Endpoint, Handler] = {
    Endpoint.LOGIN: login.login,
    Endpoint.VERIFY_OTP: _verify_otp,
    Endpoint.RESEND_OTP: _resend_otp,
    Endpoint.LOGOUT: _logout,
    Endpoint.PROFILE: _profile,
    Endpoint.PLACE_ORDER: _place,
    Endpoint.MODIFY_ORDER: _modify,
    Endpoint.CANCEL_ORDER: _cancel,
    Endpoint.LTP: _ltp,
    Endpoint.INDEX_LTP: _index_ltp,
    **{
        e: _reader(e.value)
        for e in (
            Endpoint.ORDER_BOOK,
            Endpoint.ORDER_DETAIL,
            Endpoint.TRADE_BOOK,
            Endpoint.TRADE_DETAIL,
            Endpoint.POSITIONS,
            Endpoint.HOLDINGS,
            Endpoint.MARGIN_SUMMARY,
            Endpoint.MARGIN_DETAIL,
        )
    },
}
