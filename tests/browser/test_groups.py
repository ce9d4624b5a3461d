"""Desk groups on the screen, in Chromium against the real stack: an admin creates, edits
and deletes groups with multipliers and caps; the order form fills the grid from a group's
allocation (naming the skipped member and why) and the confirmation previews each client's
margin and risk verdict before the batch goes."""

import uuid
from typing import Any

import httpx
import pytest
from desk_kit import NTPC, SCREENSHOTS, choose_instrument, snap, wait_batch_statuses
from orders_testkit import Trading, wait_for

pytestmark = pytest.mark.slow


def members(trading: Trading) -> list[str]:
    """Clients no other browser test uses (test_desk takes 150-159)."""
    return trading.require(163)[160:163]


async def open_admin(page: Any) -> None:
    await page.click("nav a[href='/admin']")
    await page.wait_for_selector("#group-editor")


async def test_admin_creates_edits_and_deletes_groups(
    page: Any, trading: Trading, gateway: httpx.AsyncClient
) -> None:
    a, b, c = members(trading)
    name = f"desk-{uuid.uuid4().hex[:6]}"
    await open_admin(page)
    await page.fill("#group-name", name)
    await page.fill("#group-description", "browser test")
    await page.fill("#group-members", f"{a}, 1\n{b}, 2\nNOSUCH9, 1")
    await page.click("#group-save")  # an unknown client: the 422 names its line
    await page.wait_for_selector("#group-members.bad")
    assert "line 3 (client_id)" in await page.locator("#group-admin-error").inner_text()
    await page.fill("#group-members", f"{a}, 1\n{b}, 2\n{c}, 0.25")
    await page.click("#group-save")
    row = page.locator(f"#groups tr[data-group='{name}']")
    await row.wait_for()
    await row.locator("button.group-edit").click()  # give b a cap of 1 share
    assert await page.locator("#group-name").is_disabled()
    await page.fill("#group-members", f"{a}, 1\n{b}, 2, 1\n{c}, 0.25")
    await page.click("#group-save")
    await page.wait_for_selector(f"#groups tr[data-group='{name}'] td:has-text('≤1')")
    stored = (await gateway.get(f"/api/v1/groups/{name}")).json()
    assert [(m["client_id"], m["multiplier"], m["max_quantity"]) for m in stored["members"]] == [
        (a, "1", None),
        (b, "2", 1),
        (c, "0.25", None),
    ]
    await snap(page, "admin-groups")

    doomed = f"gone-{uuid.uuid4().hex[:6]}"
    made = await gateway.post(
        "/api/v1/groups", json={"name": doomed, "members": [{"client_id": a}]}
    )
    assert made.status_code == 201, made.text
    await page.reload()
    await page.wait_for_selector(f"#groups tr[data-group='{doomed}']")
    await page.click(f"#groups tr[data-group='{doomed}'] button.group-delete")
    await page.click(f"#groups tr[data-group='{doomed}'] button.group-delete-confirm")
    await page.wait_for_selector(f"#groups tr[data-group='{doomed}']", state="detached")
    assert (await gateway.get(f"/api/v1/groups/{doomed}")).status_code == 404


async def test_group_allocation_fills_the_grid_and_the_preview_confirms(
    page: Any, trading: Trading, gateway: httpx.AsyncClient
) -> None:
    a, b, c = members(trading)
    name = f"alloc-{uuid.uuid4().hex[:6]}"
    made = await gateway.post("/api/v1/groups", json={"name": name, "members": [
        {"client_id": a}, {"client_id": b, "multiplier": "2", "max_quantity": 1},
        {"client_id": c, "multiplier": "0.25"}]})  # fmt: skip
    assert made.status_code == 201, made.text
    await open_admin(page)
    await page.fill("#confirm-clients", "1")  # batches of more than 1 client ask first
    await page.click("#confirm-save")
    await page.click("nav a[href='/']")
    await page.wait_for_selector("#clients tbody tr")
    await choose_instrument(page, "NTPC", NTPC)
    await page.wait_for_selector(f"#group option[value='{name}']", state="attached")
    await page.select_option("#group", name)  # its members come first in the grid
    await page.wait_for_selector(f"#clients tbody tr:first-child.member[data-client='{a}']")
    await page.select_option("#alloc-mode", "multiplier")
    await page.fill("#alloc-amount", "2")
    await page.click("#alloc-apply")
    # a: 2 x 1 = 2; b: 2 x 2 = 4, capped at 1; c: 2 x 0.25 = 0.5 shares, no whole lot
    await page.wait_for_selector(f"#group-skips li[data-client='{c}']")
    quantities = [
        await page.locator(f"input.qty[data-client='{x}']").input_value() for x in (a, b, c)
    ]
    assert quantities == ["2", "1", ""]
    assert "rounded down" in await page.locator(f"#group-skips li[data-client='{c}']").inner_text()
    assert "capped" in await page.locator(f"#group-cuts li[data-client='{b}']").inner_text()
    await page.wait_for_selector("#summary-margin:has-text('margin about')")

    await page.click("#execute")  # 2 clients > 1: the preview's rows first
    await page.wait_for_selector("#preview-rows")
    await page.evaluate("window.scrollTo(0, 0)")  # the README's picture: a group, previewed
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "dashboard.png"))
    for client in (a, b):
        row = page.locator(f"#preview-rows tr[data-client='{client}']")
        assert "approved" in await row.inner_text()
    assert "skipped" in await page.locator(f"#preview-rows tr[data-client='{c}']").inner_text()
    await page.click("#confirm-send")
    await wait_batch_statuses(page, [a, b], "FILLED")
    await page.evaluate("window.scrollTo(0, 0)")
    await snap(page, "group-batch")


async def test_a_preview_that_no_longer_holds_is_not_sent(
    page: Any, trading: Trading, gateway: httpx.AsyncClient
) -> None:
    """Confirmed on a preview, then a client is stopped: nothing is placed, the page says
    why and shows the fresh preview with the client's denial."""
    a, b = trading.require(165)[163:165]
    await open_admin(page)
    await page.fill("#confirm-clients", "1")
    await page.click("#confirm-save")
    await page.click("nav a[href='/']")
    await page.wait_for_selector("#clients tbody tr")
    await choose_instrument(page, "NTPC", NTPC)
    for client in (a, b):
        await page.locator(f"input.qty[data-client='{client}']").fill("1")
    await page.click("#execute")
    await page.wait_for_selector(f"#preview-rows tr[data-client='{b}']:has-text('approved')")
    stop = {"client_id": b, "engaged": True, "reason": "browser test"}
    assert (await gateway.post("/api/v1/admin/kill-switch", json=stop)).status_code == 200
    try:
        body = {"token_id": NTPC, "execution_type": "BUY", "order_type": "MARKET",
                "trade_type": "INTRADAY", "client_orders": [
                    {"client_id": a, "quantity": 1}, {"client_id": b, "quantity": 1}]}  # fmt: skip

        async def risk_stops_b() -> bool:
            rows = (await gateway.post("/api/v1/orders/preview", json=body)).json()["rows"]
            return any(r["client_id"] == b and r["risk"]["rule"] == "kill_switch" for r in rows)

        await wait_for(risk_stops_b, 30, "risk to deny the stopped client")
        await page.click("#confirm-send")
        await page.wait_for_selector("#confirm-why")
        assert "Not sent" in await page.locator("#confirm-why").inner_text()
        await page.wait_for_selector(
            f"#preview-rows tr.denied[data-client='{b}'][data-rule='kill_switch']"
        )
        assert await page.locator("#batch").is_hidden()
    finally:
        stop.update(engaged=False, reason="browser test done")
        assert (await gateway.post("/api/v1/admin/kill-switch", json=stop)).status_code == 200


async def test_explicit_allocation_keeps_members_only(
    page: Any, trading: Trading, gateway: httpx.AsyncClient
) -> None:
    """Explicit: the quantities typed for members; a non-member's is cleared, a member
    without one is named as skipped."""
    a, b, c = members(trading)
    outsider = trading.require(166)[165]
    name = f"expl-{uuid.uuid4().hex[:6]}"
    members_json = [{"client_id": x} for x in (a, b, c)]
    made = await gateway.post("/api/v1/groups", json={"name": name, "members": members_json})
    assert made.status_code == 201, made.text
    await page.reload()
    await page.wait_for_selector("#clients tbody tr")
    await choose_instrument(page, "NTPC", NTPC)
    await page.locator(f"input.qty[data-client='{a}']").fill("3")
    await page.locator(f"input.qty[data-client='{outsider}']").fill("2")
    await page.wait_for_selector(f"#group option[value='{name}']", state="attached")
    await page.select_option("#group", name)
    assert await page.locator(f"#clients tr[data-client='{b}'].member").count() == 1
    await page.select_option("#alloc-mode", "explicit")
    await page.click("#alloc-apply")
    await page.wait_for_selector(f"#group-skips li[data-client='{b}']")
    assert (
        "no quantity given"
        in await page.locator(f"#group-skips li[data-client='{b}']").inner_text()
    )
    assert await page.locator(f"input.qty[data-client='{outsider}']").input_value() == ""
    assert await page.locator(f"input.qty[data-client='{a}']").input_value() == "3"
    await page.wait_for_selector("#summary:has-text('1 clients')")
