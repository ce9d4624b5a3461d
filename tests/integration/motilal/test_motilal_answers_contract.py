"""What the client makes of Motilal's answers, against the simulator: technical errors are
unknown outcomes (never rejections), transient login trouble is retried, modify never sends
"0", tags come back padded, RMS rejections arrive through the book, old SDK paths work."""

from decimal import Decimal
from typing import Any

import httpx
import pytest
from motilal import (
    BrokerRejected,
    BrokerUnavailable,
    LoginFailed,
    ModifyRequest,
    MotilalClient,
    MotilalSettings,
    OrderStatus,
    OrderType,
    UnknownOutcome,
)
from motilal.auth import password_hash, totp_code
from motilal.headers import build_headers
from motilal_sim.testing import RunningSimulator
from motilal_testkit import ACCOUNTS, ClientFactory, SimControl, credentials
from test_motilal_orders_contract import limit


@pytest.mark.parametrize("code", ["MO8000", "MO5002"])
async def test_place_answered_with_technical_error_is_unknown_outcome_and_order_exists(
    client: MotilalClient, control: SimControl, code: str
) -> None:
    await control.faults(broker_error=1.0, broker_error_code=code, endpoints=["place_order"])
    with pytest.raises(UnknownOutcome) as unknown:
        await client.place_order(limit("1470.00", tag="TECH1"))
    assert unknown.value.code == code and unknown.value.operation == "place_order"
    await control.faults()
    [order] = await client.orders_with_tag("TECH1")  # the order was made: settle by tag
    assert order.status is OrderStatus.CONFIRM


async def test_place_answered_with_unreadable_body_or_429_is_unknown_outcome(
    client: MotilalClient, control: SimControl
) -> None:
    await control.faults(garbled=1.0, endpoints=["place_order"])
    with pytest.raises(UnknownOutcome, match="non-JSON"):
        await client.place_order(limit("1470.00", tag="GARB1"))
    await control.faults(rate_429=1.0, endpoints=["place_order"])
    with pytest.raises(UnknownOutcome, match="HTTP 429"):
        await client.place_order(limit("1470.00", tag="R4291"))
    await control.faults()
    assert len(await client.orders_with_tag("GARB1")) == 1
    assert await client.orders_with_tag("R4291") == []


async def test_cancel_and_modify_answered_mo8000_are_unknown_outcomes(
    client: MotilalClient, control: SimControl
) -> None:
    placed = await client.place_order(limit("1470.00"))
    change = ModifyRequest(unique_order_id=placed.unique_order_id, order_type=OrderType.LIMIT,
                           quantity=10, price=Decimal("1469.00"))  # fmt: skip
    await control.faults(broker_error=1.0, endpoints=["modify_order", "cancel_order"])
    with pytest.raises(UnknownOutcome):
        await client.modify_order(change)
    with pytest.raises(UnknownOutcome):
        await client.cancel_order(placed.unique_order_id)
    await control.faults()
    order = await client.find_order(placed.unique_order_id)
    assert order.price == Decimal("1469.00") and order.status is OrderStatus.CANCEL


async def test_read_answered_mo8000_once_is_retried(
    client: MotilalClient, control: SimControl
) -> None:
    await client.place_order(limit("1470.00"))
    await control.faults(broker_error=1.0, limit=1, endpoints=["order_book"])
    assert len(await client.order_book()) == 1
    assert (await control.counters())["faults_injected"] == {"broker_error:order_book": 1}


async def test_login_meeting_technical_errors_is_retried_then_logs_in(
    make_client: ClientFactory, control: SimControl
) -> None:
    await control.faults(broker_error=1.0, limit=2, endpoints=["login"])
    client = await make_client(0, login=False, settings={"login_backoff_seconds": 0.01})
    assert (await client.login()).verified
    counters = await control.counters()
    assert counters["faults_injected"] == {"broker_error:login": 2}
    assert await client.order_book() == []  # the third answer's token works


async def test_login_when_motilal_keeps_failing_is_unavailable_not_refused(
    make_client: ClientFactory, control: SimControl
) -> None:
    await control.faults(broker_error=1.0, broker_error_code="MO5001", endpoints=["login"])
    client = await make_client(
        0, login=False, settings={"login_backoff_seconds": 0.01, "login_retries": 3}
    )
    with pytest.raises(BrokerUnavailable) as unavailable:
        await client.login()
    assert unavailable.value.code == "MO5001"
    assert (await control.counters())["faults_injected"] == {"broker_error:login": 3}


async def test_login_with_wrong_password_is_refused_at_once(
    make_client: ClientFactory, sim: RunningSimulator
) -> None:
    client = await make_client(4, login=False, creds=credentials(4, password="wrong"))
    with pytest.raises(LoginFailed):
        await client.login()
    assert (await _requests(sim))["login"] == 1  # never retried: accounts lock on repeats


async def test_modify_of_never_modified_order_sends_insert_time_not_zero(
    client: MotilalClient,
) -> None:
    placed = await client.place_order(limit("1470.00"))
    order = await client.find_order(placed.unique_order_id)
    assert order.last_modified_raw == "0"
    change = ModifyRequest(unique_order_id=placed.unique_order_id, order_type=OrderType.LIMIT,
                           quantity=10, price=Decimal("1468.00"))  # fmt: skip
    # Even when handed Motilal's "0", the client sends a time Motilal accepts.
    await client.modify_order(change, last_modified_time="0", qty_traded_today=0)
    modified = await client.find_order(placed.unique_order_id)
    assert modified.price == Decimal("1468.00") and modified.last_modified_raw != "0"


async def test_book_rows_carry_padded_tags_and_the_client_trims_them(
    client: MotilalClient, sim: RunningSimulator
) -> None:
    await client.place_order(limit("1470.00", tag="PAD1"))
    await client.place_order(limit("1470.00"))
    rows = (await _raw(sim, client, "/rest/book/v5/getorderbook"))["data"]
    assert sorted(r["tag"] for r in rows) == [" ", "PAD1      "]
    assert [o.tag for o in await client.order_book()] == ["PAD1", ""]
    assert len(await client.orders_with_tag("PAD1 ")) == 1


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"price": Decimal("1200.00")}, "below the lower circuit"),
        ({"price": Decimal("1470.03")}, "tick size"),
        ({"quantity": 300, "price": Decimal("1480.00")}, "insufficient margin"),
    ],
    ids=["circuit", "tick", "margin"],
)
async def test_rms_rejection_is_placed_then_rejected_in_the_book(
    make_client: ClientFactory, changes: dict[str, object], words: str
) -> None:
    client = await make_client(3)  # the smallest account
    placed = await client.place_order(limit("1470.00", tag="RMS1").model_copy(update=changes))
    [order] = await client.orders_with_tag("RMS1")
    assert order.unique_order_id == placed.unique_order_id
    assert order.status is OrderStatus.REJECTED and words in order.error


async def test_simulator_refuses_modify_with_zero_lastmodifiedtime_mo1089(
    client: MotilalClient, sim: RunningSimulator
) -> None:
    placed = await client.place_order(limit("1470.00"))
    body = {"uniqueorderid": placed.unique_order_id, "newordertype": "LIMIT",
            "neworderduration": "DAY", "newprice": 1469.0, "newtriggerprice": 0,
            "newquantityinlot": 10, "newdisclosedquantity": 0, "newgoodtilldate": "",
            "lastmodifiedtime": "0", "qtytradedtoday": 0}  # fmt: skip
    answer = await _raw(sim, client, "/rest/trans/v5/modifyorder", body)
    assert answer["status"] == "FAILURE" and answer["errorcode"] == "MO1089"


async def test_sdk_path_versions_log_in_place_read_and_log_out(
    sim: RunningSimulator, control: SimControl
) -> None:
    account = ACCOUNTS[0]
    code = str(account["client_code"])
    settings = MotilalSettings(base_url=sim.base_url)
    headers = build_headers(settings, api_key=account["api_key"], client_code=code,
                            auth_token=None)  # fmt: skip
    async with httpx.AsyncClient(base_url=sim.base_url, timeout=10) as http:
        login = await http.post("/rest/login/v4/authdirectapi", headers=headers, json={
            "userid": code, "password": password_hash(account["password"], account["api_key"]),
            "2FA": account["dob"], "totp": totp_code(account["totp_secret"]),
        })  # fmt: skip
        token = login.json()["AuthToken"]
        authed = {**headers, "Authorization": token}

        async def call(path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
            answer = await http.post(path, headers=authed, json=body or {})
            assert answer.status_code == 200, (path, answer.text)
            result: dict[str, Any] = answer.json()
            assert result["status"] == "SUCCESS", (path, result)
            return result

        placed = await call("/rest/trans/v1/placeorder", {
            "exchange": "NSE", "symboltoken": 2885, "buyorsell": "BUY", "ordertype": "LIMIT",
            "producttype": "DELIVERY", "orderduration": "DAY", "price": 1470.0,
            "triggerprice": 0, "quantityinlot": 1, "disclosedquantity": 0, "amoorder": "N",
            "algoid": "", "goodtilldate": "", "tag": "",
        })  # fmt: skip
        uid = placed["uniqueorderid"]
        [row] = (await call("/rest/book/v1/getorderbook"))["data"]
        await call("/rest/trans/v2/modifyorder", {
            "uniqueorderid": uid, "newordertype": "LIMIT", "neworderduration": "DAY",
            "newprice": 1469.0, "newtriggerprice": 0, "newquantityinlot": 1,
            "newdisclosedquantity": 0, "newgoodtilldate": "",
            "lastmodifiedtime": row["recordinserttime"], "qtytradedtoday": 0,
        })  # fmt: skip
        await call("/rest/trans/v1/cancelorder", {"uniqueorderid": uid})
        margins = await call("/rest/report/v1/getreportmarginsummary")
        assert any(r["srno"] == 102 for r in margins["data"])
        ltp = await call("/rest/report/v1/getltpdata", {"exchange": "NSE", "scripcode": 2885})
        assert ltp["data"]["ltp"] > 0
        profile = await call("/rest/login/v1/getprofile")
        assert profile["data"]["clientcode"] == code
        await call("/rest/login/v1/logout", {"userid": code})
        after = await http.post("/rest/book/v1/getorderbook", headers=authed, json={})
        assert after.json()["status"] == "FAILURE"


async def test_profile_names_the_client_and_its_exchanges(client: MotilalClient) -> None:
    profile = await client.profile()
    assert profile.client_code == client.client_code and "NSEFO" in profile.exchanges


async def test_place_documented_refusal_is_still_broker_rejected(
    client: MotilalClient,
) -> None:
    with pytest.raises(BrokerRejected) as rejected:
        await client.place_order(limit("1470.00").model_copy(update={"token": 999999}))
    assert rejected.value.code == "MO1058"


async def _raw(
    sim: RunningSimulator, client: MotilalClient, path: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One call as sent on the wire, to see Motilal's answer before the client reads it."""
    assert client.session is not None
    account = next(a for a in ACCOUNTS if a["client_code"].upper() == client.client_code)
    headers = build_headers(
        MotilalSettings(base_url=sim.base_url), api_key=account["api_key"],
        client_code=client.client_code, auth_token=client.session.auth_token.get_secret_value(),
    )  # fmt: skip
    async with httpx.AsyncClient(base_url=sim.base_url, timeout=10) as http:
        answer = await http.post(path, headers=headers, json=body or {})
    result: dict[str, Any] = answer.json()
    return result


async def _requests(sim: RunningSimulator) -> dict[str, int]:
    async with httpx.AsyncClient(base_url=sim.base_url, timeout=10) as http:
        counters = (await http.get("/sim/counters")).json()
    requests: dict[str, int] = counters.get("requests", {})
    return requests
