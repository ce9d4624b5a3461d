"""The alerts on the dashboard: an alert raised while the desk is open shows as a toast, the
header badge counts it, and the panel lists it (fed by the live socket's alerts:all)."""

from typing import Any

import httpx
from common.ids import new_id
from orders_testkit import Trading


async def test_alert_shows_as_toast_badge_and_panel_entry(
    page: Any, trading: Trading, gateway: httpx.AsyncClient
) -> None:
    (client,) = trading.require(200)[199:200]  # an account no other test trades
    reason = f"browser alert {new_id()[:6]}"
    engaged = await gateway.post(
        "/api/v1/admin/kill-switch", json={"client_id": client, "engaged": True, "reason": reason}
    )
    assert engaged.status_code in (200, 202), engaged.text
    try:
        toast = page.locator(".alert-toast", has_text=f"Kill switch engaged for client {client}")
        await toast.first.wait_for()
        badge = page.locator("#alerts-badge.unread")
        await badge.wait_for()
        assert (await badge.text_content()).startswith("alerts ")
        await badge.click()
        entry = page.locator("#alerts-list li.alert.critical", has_text=reason)
        await entry.wait_for()
        assert await entry.get_attribute("data-kind") == "kill_switch"
        assert await page.locator("#alerts-badge.unread").count() == 0  # read once opened
    finally:
        await gateway.post(
            "/api/v1/admin/kill-switch",
            json={"client_id": client, "engaged": False, "reason": "test over"},
        )
