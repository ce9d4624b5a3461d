"""Preview rows: quantities, lots, skips, session and the dry run's verdict side by side."""

from decimal import Decimal
from typing import Any

from common.contracts.accounts import RiskLimits
from common.contracts.instruments import Instrument
from common.enums import Exchange, TradeType
from factories import NOW
from gateway.allocation import Allotment
from gateway.clients.store_clients import ClientRecord, SessionRecord
from gateway.order_validation import Entry
from gateway.preview import preview_rows

NIFTY = Instrument(
    token=62151, exchange=Exchange.NSEFO, symbol="NIFTY26DECFUT", lot_size=65,
    tick_size=Decimal("0.10"),
)  # fmt: skip


def client(client_id: str, state: str | None = "ACTIVE") -> ClientRecord:
    session = None if state is None else SessionRecord(state, None, None, None, NOW)
    return ClientRecord(client_id, client_id, True, client_id, (Exchange.NSEFO,),
                        tuple(TradeType), RiskLimits(), session=session)  # fmt: skip


def verdict(client_id: str, quantity: int, **changes: Any) -> dict[str, Any]:
    return {
        "client_id": client_id, "quantity": quantity, "approved": True, "rule": None,
        "reason": None, "notes": [], "margin_rate": "0.2", "reference_price": "26000",
        "required_margin": str(Decimal(26000) * quantity * Decimal("0.2")),
        "available_margin": "500000", **changes,
    }  # fmt: skip


def test_preview_rows_show_quantity_lots_margin_and_risk_and_skip_reasons() -> None:
    entries = [Entry("A", 130), Entry("B", 65), Entry("C", 0)]
    allotments = [
        Allotment("A", 130, 2),
        Allotment("B", 65, 1, "97.5 shares rounded down to 1 lot of 65"),
        Allotment("C", 0, 0, "32.5 shares rounded down to 0 lots of 65"),
    ]
    denied = verdict("B", 65, approved=False, rule="margin", reason="required margin above",
                     available_margin="1000")  # fmt: skip
    verdicts = {"A": verdict("A", 130), "B": denied}
    clients = {"A": client("A"), "B": client("B", None), "C": client("C")}
    rows = {r["client_id"]: r for r in preview_rows(entries, allotments, clients, NIFTY, verdicts)}

    assert rows["A"]["lots"] == 2 and rows["A"]["required_margin"] == "676000.0"
    assert rows["A"]["margin_enough"] is False  # 676 000 needed, 500 000 available
    assert rows["A"]["session"] == {"state": "ACTIVE", "reason": None}
    assert rows["A"]["risk"] == {
        "approved": True,
        "rule": None,
        "reason": None,
        "notes": [],
        "checks": [],
    }
    assert rows["B"]["reason"] == "97.5 shares rounded down to 1 lot of 65"
    assert rows["B"]["session"] is None and rows["B"]["risk"]["rule"] == "margin"
    assert rows["C"]["skipped"] and rows["C"]["risk"] is None and rows["C"]["lots"] == 0


def test_preview_row_of_an_exit_takes_its_size_from_the_dry_run() -> None:
    rows = preview_rows([Entry("A", None)], None, {"A": client("A")}, NIFTY,
                        {"A": verdict("A", 195, required_margin=None)})  # fmt: skip
    assert (rows[0]["quantity"], rows[0]["lots"], rows[0]["margin_enough"]) == (195, 3, None)
    assert rows[0]["reason"] is None and not rows[0]["skipped"]
