"""The router's in-memory account facts: newest fact wins, kill switch scopes, notices."""

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

from common.enums import Exchange, SessionState, TradeType
from factories import NOW
from order_router.accounts import AccountBook, _payloads
from order_router.risk import BrokerSession, ClientState
from order_router.store_accounts import Dated, StoredAccounts
from order_router.store_kill_switches import GLOBAL_SCOPE


def client(client_id: str, *, active: bool = True) -> ClientState:
    return ClientState(client_id, active, frozenset({Exchange.NSE}), frozenset({TradeType.MTF}))


def stored(**parts: Any) -> StoredAccounts:
    return StoredAccounts(
        clients=parts.get("clients", {}),
        sessions=parts.get("sessions", {}),
        margins=parts.get("margins", {}),
    )


def kill_row(scope: str, engaged: bool, reason: str, at: Any = NOW) -> dict[str, Any]:
    return {"scope": scope, "engaged": engaged, "reason": reason, "updated_at": at}


def test_account_book_older_fact_never_replaces_newer() -> None:
    book = AccountBook()
    book.put(stored(clients={"c1": Dated(NOW, client("c1", active=False))}))
    book.put(stored(clients={"c1": Dated(NOW - timedelta(seconds=1), client("c1"))}))
    assert book.facts(["c1"]).clients["c1"].active is False
    book.put(stored(clients={"c1": Dated(NOW + timedelta(seconds=1), client("c1"))}))
    assert book.facts(["c1"]).clients["c1"].active is True


def test_account_book_margin_is_the_newest_report_of_either_kind() -> None:
    book = AccountBook()
    book.put(
        stored(
            margins={
                ("c1", "summary"): Dated(NOW, {102: Decimal("100")}),
                ("c1", "detail"): Dated(NOW + timedelta(seconds=5), {102: Decimal("250")}),
            }
        )
    )
    assert book.facts(["c1"]).margin_rows == {"c1": {102: Decimal("250")}}


def test_account_book_missing_names_clients_without_a_copy_only() -> None:
    book = AccountBook()
    book.put(
        stored(
            clients={"c1": Dated(NOW, client("c1"))},
            sessions={"c2": Dated(NOW, BrokerSession(SessionState.ACTIVE))},
        )
    )
    assert book.missing(["c1", "c2"]) == ["c2"]
    facts = book.facts(["c1", "c2"])
    assert set(facts.clients) == {"c1"}
    assert facts.sessions == {"c2": BrokerSession(SessionState.ACTIVE)}


def test_account_book_kill_switch_global_and_per_client_engage_and_release() -> None:
    book = AccountBook()
    book.put_kill_switches([kill_row("c1", True, "runaway"), kill_row(GLOBAL_SCOPE, False, "-")])
    assert book.kill_switch().reason_for("c2") is None
    assert "runaway" in (book.kill_switch().reason_for("c1") or "")
    later = NOW + timedelta(seconds=1)
    book.put_kill_switches([kill_row(GLOBAL_SCOPE, True, "halt", later)])
    assert "global" in (book.kill_switch().reason_for("c2") or "")
    book.put_kill_switches([kill_row(GLOBAL_SCOPE, False, "resume", later)])
    assert book.kill_switch().reason_for("c2") is None


def test_account_book_stale_kill_switch_release_is_ignored() -> None:
    book = AccountBook()
    book.put_kill_switches([kill_row(GLOBAL_SCOPE, True, "halt", NOW)])
    book.put_kill_switches([kill_row(GLOBAL_SCOPE, False, "old", NOW - timedelta(seconds=1))])
    assert book.kill_switch().global_reason == "halt"


def test_notices_split_keys_under_the_payload_limit_and_lose_none() -> None:
    keys = [f"CLIENT{n:06d}" for n in range(3000)]
    payloads = _payloads("origin-1", "clients", keys)
    assert len(payloads) > 1
    assert all(len(p.encode()) < 8000 for p in payloads)  # PostgreSQL refuses longer
    decoded = [json.loads(p) for p in payloads]
    assert [k for d in decoded for k in d["keys"]] == keys
    assert {(d["origin"], d["kind"]) for d in decoded} == {("origin-1", "clients")}
