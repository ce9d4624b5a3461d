"""Browser tests: Chromium driven by Playwright against the real embedded stack.

One order path (simulator, market-data, portfolio, order-router, broker-adapter, gateway)
serves the whole module; each test gets a fresh browser page, signed in. Chromium is
Debian's (/usr/bin/chromium, installed by .ci/run); on a machine without it the tests skip
saying how to install it, except under CI, where a missing browser is a failure. A failed
test leaves a screenshot of its page in tests/browser/screenshots/.
"""

import os
import shutil
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from stack.testing import TestStack

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "orders"))
from desk_kit import SCREENSHOTS
from orders_testkit import Trading, start_trading

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
VIEWPORT = {"width": 1440, "height": 900}

pytestmark = pytest.mark.slow


def _chromium_or_skip() -> str:
    found = shutil.which(CHROMIUM)
    if found:
        return found
    why = (
        f"no Chromium at {CHROMIUM}: install Debian's with `apt-get install -y chromium` "
        "(.ci/run does) or set CHROMIUM_PATH"
    )
    if os.environ.get("CI"):
        pytest.fail(why)  # CI installs it: a missing browser there is a broken run
    pytest.skip(why)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    executable = _chromium_or_skip()
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.skip("the playwright package is missing: run `make install`")
    async with async_playwright() as playwright:
        # --no-sandbox: CI and the dev machines run as root, where Chromium's sandbox cannot
        browser = await playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield browser
        await browser.close()


@pytest.fixture(scope="module")
async def trading(stack: TestStack, tmp_path_factory: pytest.TempPathFactory) -> Trading:
    return await start_trading(stack, tmp_path_factory.mktemp("browser-accounts"))


@pytest.fixture
async def gateway(trading: Trading) -> AsyncIterator[httpx.AsyncClient]:
    async with trading.gateway() as client:
        yield client


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
async def page(
    browser: Any, trading: Trading, request: pytest.FixtureRequest
) -> AsyncIterator[Any]:
    """A page signed in as the admin, on the dashboard."""
    context = await browser.new_context(viewport=VIEWPORT, base_url=trading.gateway_url)
    page = await context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    console: list[str] = []  # kept for the failure dump (a 4xx the test asks for logs too)
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    await page.goto("/")
    await page.fill("#login-form input[name=username]", "admin")
    await page.fill("#login-form input[name=password]", "admin")
    await page.click("#login-form button[type=submit]")
    await page.wait_for_selector("#clients tbody tr")
    yield page
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        SCREENSHOTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"))
        (SCREENSHOTS / f"{request.node.name}.html").write_text(await page.content())
        (SCREENSHOTS / f"{request.node.name}.log").write_text("\n".join(console))
    await context.close()
    assert not errors, f"the page threw: {errors}"
