"""The desk's screen in Chromium against the real stack: sign in, the clients grid, a batch
from the dashboard, exits, the blotter, the kill switch, a 422, deep links, reconnects."""

from decimal import ROUND_DOWN, Decimal
from typing import Any

import httpx
import pytest
from desk_kit import (
    COALINDIA,
    DASH,
    HINDUNILVR,
    NTPC,
    POWERGRID,
    TITAN,
    buy,
    choose_instrument,
    holders_are,
    indian,
    snap,
    today_pnl,
    wait_batch_statuses,
)
from orders_testkit import Trading, wait_for

pytestmark = pytest.mark.slow


def test_indian_grouping() -> None:
    assert indian("1234567.8") == "12,34,567.80"
    assert indian("-999.5") == "-999.50"
    assert indian("100000") == "1,00,000.00"
    assert indian(None) == DASH


def own(trading: Trading) -> list[str]:
    """Clients past the first 150 and before the 200 that e2e tests use for themselves."""
    return trading.require(160)[150:160]


async def test_clients_grid_shows_the_apis_funds_and_pnl(
    page: Any, trading: Trading, gateway: httpx.AsyncClient
) -> None:
    clients = own(trading)[:4]

    async def agree() -> bool:
        for client in clients:
            api = (await gateway.get(f"/api/v1/clients/{client}")).json()["portfolio"]
            row = page.locator(f"#clients tbody tr[data-client='{client}']")
            shown = [
                await row.locator(f"td.{c}").inner_text()
                for c in ("available", "used", "today", "total")
            ]
            wanted = [
                indian(api and api["margin_available"]),
                indian(api and api["margin_used"]),
                indian(today_pnl(api)),
                indian(api and api["total_pnl"]),
            ]
            if [s.strip() for s in shown] != wanted:
                return False
        return True

    await wait_for(agree, 30, "the grid to show the API's figures")
    tip = await page.locator("#clients thead th", has_text="Today's P&L").get_attribute("title")
    assert tip and "realized today" in tip and "unrealized" in tip
    missing = page.locator("#clients td .missing").first
    if await missing.count():  # a figure the page lacks is a dash that says why, never 0
        assert await missing.get_attribute("title")


async def test_an_unwatched_tokens_quote_is_read_at_once(
    page: Any, gateway: httpx.AsyncClient
) -> None:
    """No socket watches TITAN: the REST quote subscribes it and answers with its price."""
    answer = await gateway.get(f"/api/v1/tokens/{TITAN}")
    assert answer.status_code == 200, answer.text
    quote = answer.json()["quote"]
    assert quote is not None and float(quote["ltp"]) > 0, answer.text
    await choose_instrument(page, "TITAN", TITAN)
    await page.wait_for_selector("#inst-ltp:not(:has-text('\u2013'))")
    assert float((await page.locator("#inst-ltp").inner_text()).replace(",", "")) > 0


async def test_batch_from_the_dashboard_reaches_filled(page: Any, trading: Trading) -> None:
    clients = own(trading)[:3]
    await choose_instrument(page, "NTPC", NTPC)
    first = page.locator(f"input.qty[data-client='{clients[0]}']")
    await first.fill("2")
    for client in clients[1:]:  # keyboard: type, Tab to the next client, type
        await page.locator(f"input.qty[data-client='{client}']").fill("1")
    await first.focus()
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.dataset.client") != clients[0]
    await page.keyboard.press("Enter")
    await wait_batch_statuses(page, clients, "FILLED")
    await page.evaluate("window.scrollTo(0, 0)")
    await snap(page, "batch")


async def test_exit_by_token_page_exits_every_holder(
    page: Any, trading: Trading, gateway: httpx.AsyncClient
) -> None:
    clients = own(trading)[3:6]
    await buy(gateway, POWERGRID, dict.fromkeys(clients, 3))
    await page.goto(f"/exit/{POWERGRID}")  # a deep link to the seed's page
    await page.wait_for_selector("#holders tbody input[type=checkbox]")
    boxes = page.locator("#holders tbody input[type=checkbox]")
    assert await boxes.count() == len(clients)
    assert all([await boxes.nth(i).is_checked() for i in range(len(clients))])
    assert await page.locator(f"#holders tr[data-client='{clients[0]}'] td.qty").inner_text() == "3"
    await page.click("#exit-holders")
    await snap(page, "exit")
    await page.click("#exit-confirm-send")
    await wait_batch_statuses(page, clients, "FILLED")
    await holders_are(gateway, POWERGRID, set())


async def test_client_detail_exits_a_position(
    page: Any, trading: Trading, gateway: httpx.AsyncClient
) -> None:
    client = own(trading)[6]
    await buy(gateway, COALINDIA, {client: 4})
    await page.click(f"#clients tr[data-client='{client}'] a")
    await page.wait_for_url(f"**/clients/{client}")
    row = page.locator(f"#open-positions tr[data-token='{COALINDIA}']")
    await row.wait_for()
    await snap(page, "client")
    await row.locator("button.exit").click()
    await row.locator("button.exit-confirm").click()
    await wait_batch_statuses(page, [client], "FILLED")
    await holders_are(gateway, COALINDIA, set())

    async def today_agrees() -> bool:  # the round trip booked today's realized P&L
        funds = (await gateway.get(f"/api/v1/clients/{client}/portfolio")).json()["funds"]
        if funds["open_positions"]:
            return False
        shown = await page.locator("#today-pnl").inner_text()
        realized = await page.locator("#realized-today").inner_text()
        return (shown.strip(), realized.strip()) == (
            indian(today_pnl(funds)),
            indian(funds["realized_pnl_today"]),
        )

    await wait_for(today_agrees, 30, "the client's today's P&L to be the API's")


async def test_blotter_cancels_a_resting_limit(
    page: Any, trading: Trading, gateway: httpx.AsyncClient
) -> None:
    client = own(trading)[7]
    quote = (await gateway.get(f"/api/v1/tokens/{HINDUNILVR}")).json()["quote"]
    assert quote is not None, "no price for HINDUNILVR"
    # 7% under the market: inside the router's 10% band, far enough not to fill
    low = (Decimal(quote["ltp"]) * Decimal("0.93") / Decimal("0.05")).to_integral_value(ROUND_DOWN)
    low = low * Decimal("0.05")
    placed = await gateway.post("/api/v1/orders/execute-all", json={
        "token_id": HINDUNILVR, "execution_type": "BUY", "order_type": "LIMIT",
        "trade_type": "INTRADAY", "price": str(low),
        "client_orders": [{"client_id": client, "quantity": 1}]})  # fmt: skip
    assert placed.status_code == 202, placed.text
    batch = placed.json()["batch_id"]
    await page.click("nav a[href='/orders']")
    await page.fill("#order-filters input[name=batch_id]", batch)
    await page.click("#order-filters button[type=submit]")
    row = page.locator("#blotter tbody tr").first
    await page.wait_for_selector("#blotter tbody tr[data-status='ACCEPTED']")
    await snap(page, "orders")
    await row.locator("button.cancel").click()
    await page.wait_for_selector("#blotter tbody tr[data-status='CANCELED']")


async def test_kill_switch_denies_the_next_batch(
    page: Any, trading: Trading, gateway: httpx.AsyncClient
) -> None:
    clients = own(trading)[8:10]
    await page.click("nav a[href='/admin']")
    await page.fill("#confirm-clients", "1")  # batches of more than 1 client ask first
    await page.click("#confirm-save")
    await page.fill("#ks-reason", "browser test")
    await page.click("#ks-engage")
    try:
        await page.wait_for_selector("#kill-switch.engaged")
        await snap(page, "admin")
        await page.click("nav a[href='/']")
        await choose_instrument(page, "NTPC", NTPC)
        for client in clients:
            await page.locator(f"input.qty[data-client='{client}']").fill("1")
        await page.wait_for_selector("#summary:has-text('2 clients')")
        await page.click("#execute")
        # the confirmation previews each client: risk's denial is highlighted, by rule
        for client in clients:
            await page.wait_for_selector(
                f"#preview-rows tr.denied[data-client='{client}'][data-rule='kill_switch']"
            )
        await page.click("#confirm-send")
        await wait_batch_statuses(page, clients, "DENIED")
        assert "kill" in (await page.locator("#batch tbody").inner_text()).lower()
    finally:
        released = await gateway.post(
            "/api/v1/admin/kill-switch", json={"engaged": False, "reason": "browser test done"}
        )
        assert released.status_code == 200, released.text


async def test_a_422_names_the_field(page: Any, trading: Trading) -> None:
    client = own(trading)[0]
    await choose_instrument(page, "NTPC", NTPC)
    await page.select_option("#order-type", "LIMIT")
    await page.locator(f"input.qty[data-client='{client}']").fill("1")
    await page.click("#execute")
    await page.wait_for_selector("#price.bad")
    assert "price" in await page.locator("#execute-error").inner_text()


async def test_deep_links_back_button_and_positions(page: Any, trading: Trading) -> None:
    await page.click("nav a[href='/positions']")
    await page.wait_for_selector("#net-positions tbody tr")
    await snap(page, "positions")
    await page.click("nav a[href='/orders']")
    await page.wait_for_selector("#blotter")
    await page.go_back()
    assert page.url.endswith("/positions")
    await page.wait_for_selector("#net-positions")
    await page.click(f"#net-positions tr[data-token='{NTPC}'] a")  # each row links to its exit
    await page.wait_for_url(f"**/exit/{NTPC}")
    await page.wait_for_selector("#holders tbody input[type=checkbox]")
    await page.goto("/orders?status=FILLED")
    await page.wait_for_selector("#blotter tbody tr[data-status='FILLED']")


async def test_live_updates_survive_a_dropped_socket(page: Any, trading: Trading) -> None:
    await page.wait_for_selector("#live:not(.down)", timeout=60_000)
    await page.evaluate("window.desk.drop()")
    # (wait_for_function would eval a string, which the page's CSP forbids)
    await wait_for(
        lambda: page.evaluate("window.desk.liveState.reconnects >= 1"), 60, "a reconnect"
    )
    await page.wait_for_selector("#live:not(.down)")
    assert await page.locator("#clients tbody tr").count() > 0


async def test_quantities_from_a_pasted_csv_name_unknown_codes(page: Any, trading: Trading) -> None:
    known = own(trading)[0]
    await page.click("#order-panel details summary")
    await page.fill("#csv", f"client code,quantity\n{known.lower()},5\nNOSUCH1,3\n")
    await page.click("#csv-apply")
    assert await page.locator(f"input.qty[data-client='{known}']").input_value() == "5"
    assert "NOSUCH1" in await page.locator("#csv-error").inner_text()
    await page.fill("#fill-n", "2")
    await page.click("#fill-all")
    assert await page.locator(f"input.qty[data-client='{known}']").input_value() == "2"


async def test_todays_pnl_without_the_days_figure_is_a_dash(page: Any, trading: Trading) -> None:
    """A portfolio service that does not send realized_pnl_today (an older one): the
    grid shows a dash saying why, never 0 or the unrealized part alone."""
    client = own(trading)[0]

    async def without_the_day(route: Any) -> None:
        answer = await route.fetch()
        rows = await answer.json()
        for row in rows:
            if row.get("portfolio"):
                row["portfolio"].pop("realized_pnl_today", None)
        await route.fulfill(response=answer, json=rows)

    await page.route("**/api/v1/clients", without_the_day)
    await page.reload()
    cell = page.locator(f"#clients tr[data-client='{client}'] td.today .missing")
    await cell.wait_for()
    assert await cell.inner_text() == DASH
    assert "today's realized" in (await cell.get_attribute("title") or "")
    total = page.locator("#clients tfoot td.total-today .missing")
    assert await total.inner_text() == DASH


async def test_parallel_401s_refresh_once_and_keep_the_operator_signed_in(page: Any) -> None:
    # A refresh token shown twice revokes the whole login: three requests that all meet an
    # expired access token must share one refresh, not sign the operator out.
    result = await page.evaluate(
        """async () => {
          const api = await import("/static/api.js");
          const before = api.session.tokens.refresh_token;
          api.session.tokens = { ...api.session.tokens, access_token: "expired" };
          const answers = await Promise.all([1, 2, 3].map(() => api.api("GET", "/auth/me")));
          return { users: answers.map((a) => a.username), signedIn: !!api.session.tokens,
                   refreshed: api.session.tokens.refresh_token !== before };
        }"""
    )
    assert result == {"users": ["admin"] * 3, "signedIn": True, "refreshed": True}
    await page.reload()  # the refreshed tokens are the ones kept: still signed in
    await page.wait_for_selector("#clients tbody tr")


async def test_live_socket_sends_its_token_in_the_first_message_not_the_url(page: Any) -> None:
    await page.wait_for_selector("#live:not(.down)", timeout=60_000)
    opened: list[str] = []
    page.on("websocket", lambda socket: opened.append(socket.url))
    await page.evaluate("window.desk.drop()")

    async def reopened() -> list[str]:
        return opened

    await wait_for(reopened, 60, "the socket reopened")
    await page.wait_for_selector("#live:not(.down)")  # authenticated by its first message
    assert opened[0].endswith("/ws"), opened
