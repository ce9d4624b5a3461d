"""An order preview's rows: what execute-all would place for each client, and what the
order-router's pre-trade risk says about it (its dry run), side by side. Pure.

A row per client of the request: the resolved quantity and lots (or why it is skipped),
the broker session the gateway last heard of, the estimated required margin (reference
price x quantity x the router's margin rate for the product) against the available margin
risk uses, the slices (shares each) the order is cut into at the instrument's freeze
quantity, and risk's verdict: approved, or the denying rule and its reason, with the notes
of the rules skipped for lack of data and each rule's outcome (`checks`: passed, skipped,
failed or not_checked, with the reason).
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from common.contracts.instruments import Instrument

from gateway.allocation import Allotment
from gateway.clients.store_clients import ClientRecord
from gateway.order_validation import Entry


def _session(client: ClientRecord | None) -> dict[str, Any] | None:
    if client is None or client.session is None:
        return None
    return {"state": client.session.state, "reason": client.session.reason}


def _enough(risk: Mapping[str, Any]) -> bool | None:
    required, available = risk.get("required_margin"), risk.get("available_margin")
    if required is None or available is None:
        return None
    return Decimal(required) <= Decimal(available)


def preview_rows(
    entries: list[Entry],
    allotments: list[Allotment] | None,
    clients: Mapping[str, ClientRecord],
    instrument: Instrument,
    verdicts: Mapping[str, Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """One row per entry, in the request's order; `verdicts` are the dry run's rows by
    client id (absent for a skipped client)."""
    reasons = {a.client_id: a.reason for a in allotments or []}
    rows = []
    for entry in entries:
        quantity = entry.quantity
        risk = verdicts.get(entry.client_id)
        if risk is not None and entry.quantity is None:  # an EXIT sized by its position
            quantity = risk["quantity"]
        skipped = entry.quantity == 0
        reason = reasons.get(entry.client_id) or ("quantity 0: skipped" if skipped else None)
        rows.append(
            {
                "client_id": entry.client_id,
                "quantity": quantity,
                "lots": None if quantity is None else quantity // instrument.lot_size,
                "skipped": skipped,
                "reason": reason,
                "session": _session(clients.get(entry.client_id)),
                "price": None if risk is None else risk["reference_price"],
                "margin_rate": None if risk is None else risk["margin_rate"],
                "required_margin": None if risk is None else risk["required_margin"],
                "available_margin": None if risk is None else risk["available_margin"],
                "margin_enough": None if risk is None else _enough(risk),
                "slices": None if risk is None else risk.get("slices"),
                "risk": None
                if risk is None
                else {
                    **{k: risk[k] for k in ("approved", "rule", "reason", "notes")},
                    "checks": risk.get("checks", []),
                },
            }
        )
    return rows
