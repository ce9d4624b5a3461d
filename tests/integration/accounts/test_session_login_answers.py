"""Logins meeting Motilal's transient answers (issue 12, item 5), through the SessionManager.

MO8000 and MO5000-MO5003 are retried with backoff; a login that cannot be made for now leaves
the session LOGGED_OUT (it passes by itself), never FAILED; only a refusal is FAILED.
"""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import test_accounts_session_manager as sessions
from broker_adapter.sessions.session import SessionUnavailable
from test_accounts_session_manager import Harness

harness = sessions.harness  # the session-manager tests' fixture: own schema, real simulator


@pytest.fixture
async def faults(harness: Harness) -> AsyncIterator[Any]:
    async with httpx.AsyncClient(base_url=harness.sim, timeout=10) as sim:

        async def inject(**config: Any) -> None:
            (await sim.put("/sim/faults", json=config)).raise_for_status()

        try:
            yield inject
        finally:
            await inject()


async def test_login_meeting_mo8000_twice_is_retried_and_active(
    harness: Harness, faults: Any
) -> None:
    client_id = await harness.register("EMUM7551")
    await faults(broker_error=1.0, broker_error_code="MO8000", limit=2, endpoints=["login"])
    session = await harness.manager.session_for(client_id)
    assert await session.client.order_book() is not None
    assert harness.states(client_id) == ["LOGGING_IN", "ACTIVE"]


async def test_login_while_motilal_answers_mo5002_is_logged_out_then_recovers(
    harness: Harness, faults: Any
) -> None:
    client_id = await harness.register("EMUM7551")
    await faults(broker_error=1.0, broker_error_code="MO5002", endpoints=["login"])
    with pytest.raises(SessionUnavailable) as unavailable:
        await harness.manager.session_for(client_id)
    assert unavailable.value.state == "LOGGED_OUT"
    assert "FAILED" not in harness.states(client_id)
    await faults()
    session = await harness.manager.session_for(client_id)  # not held back as FAILED
    assert await session.client.positions() is not None
    assert harness.states(client_id)[-1] == "ACTIVE"


async def test_login_refused_for_wrong_password_is_failed_for_a_human(harness: Harness) -> None:
    client_id = await harness.register("EMUM7551", password="not-the-password")
    with pytest.raises(SessionUnavailable) as refused:
        await harness.manager.session_for(client_id)
    assert refused.value.state == "FAILED" and refused.value.error_code == "MO1000"
