"""Helpers of the browser tests: Indian money formatting, API set-ups, waits on the page."""

from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from orders_testkit import batch_body, execute_all, wait_for

SCREENSHOTS = Path(__file__).parent / "screenshots"
"""Screenshots of failed tests (and of the dashboard for the README); gitignored."""
DASH = "\u2013"
"""What the page shows for a figure it does not have."""
NTPC, POWERGRID, COALINDIA, HINDUNILVR, TITAN = 11630, 14977, 20374, 1394, 3506
"""Tokens no other test trades, so the holders the pages show are this module's."""


def indian(value: str | None) -> str:
    """Rupees as the page shows them: Indian grouping (12,34,567.80), a dash when unknown."""
    if value is None:
        return DASH
    amount = Decimal(value).quantize(Decimal("0.01"))
    whole, fraction = f"{abs(amount):.2f}".split(".")
    head, tail = whole[:-3], whole[-3:]
    groups = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    return ("-" if amount < 0 else "") + ",".join([*groups, tail]) + "." + fraction


def today_pnl(funds: dict[str, Any] | None) -> str | None:
    """Today's P&L as the page computes it: realized today + unrealized (None: not known)."""
    if not funds or funds.get("realized_pnl_today") is None:
        return None
    return str(Decimal(funds["realized_pnl_today"]) + Decimal(funds["unrealized_pnl"]))


async def buy(gateway: httpx.AsyncClient, token: int, quantities: dict[str, int]) -> None:
    """A MARKET INTRADAY buy per client through the API, waited until all are FILLED."""
    _, batch = await execute_all(gateway, batch_body(token, quantities))
    assert batch["counts"] == {"FILLED": len(quantities)}, batch
    await holders_are(gateway, token, set(quantities))


async def holders_are(gateway: httpx.AsyncClient, token: int, clients: set[str]) -> None:
    async def probe() -> bool:
        found = (await gateway.get(f"/api/v1/tokens/{token}/holders")).json()
        return {h["client_id"] for h in found["holders"]} == clients

    await wait_for(probe, 60, f"holders of {token} to be {sorted(clients)}")


async def batch_rows(page: Any) -> dict[str, str]:
    """The batch table on the page: client -> status."""
    rows = await page.query_selector_all("#batch tbody tr")
    return {
        await r.get_attribute("data-client"): await r.get_attribute("data-status") for r in rows
    }


async def wait_batch_statuses(page: Any, clients: list[str], status: str) -> None:
    await page.wait_for_selector("#batch tbody tr")

    async def probe() -> bool:
        rows = await batch_rows(page)
        return set(rows) == set(clients) and set(rows.values()) == {status}

    await wait_for(probe, 120, f"every batch row {status}")


async def choose_instrument(page: Any, query: str, token: int) -> None:
    await page.fill("#token-search", query)
    await page.click(f"#token-results li[data-token='{token}']")
    await page.wait_for_selector("#instrument:not([hidden])")


async def snap(page: Any, name: str) -> None:
    """A picture of the page as it is (kept with the failure shots, for a human to look at)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"page-{name}.png"))
