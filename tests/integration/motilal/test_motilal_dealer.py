"""A dealer logs in once and acts for its clients, each call carrying the client's code.

Runs its own simulator with a dealer account added to the demo accounts (data/ stays as is).
"""

import json
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from motilal import (
    BrokerRejected,
    Credentials,
    MotilalClient,
    MotilalSettings,
    OrderRequest,
    OrderType,
    Side,
    tag_for,
)
from motilal.dealer import ClientOfDealer
from motilal_sim.testing import RunningSimulator, run_simulator
from pydantic import SecretStr

ROOT = Path(__file__).resolve().parents[3]
ACCOUNTS: list[dict[str, Any]] = json.loads((ROOT / "data" / "sim-accounts.json").read_text())
FIRST, SECOND, OTHER = (ACCOUNTS[i]["client_code"] for i in (0, 1, 2))
DEALER: dict[str, Any] = {
    "client_code": "DLR0001", "name": "DEMO DEALER DESK", "password": "Dealer@1",
    "dob": "01/01/1980", "pan": "AAAPD0001D", "totp_secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "api_key": "dealerkey0000001", "funds": 0, "dealer_of": [FIRST, SECOND],
}  # fmt: skip


@pytest.fixture(scope="module")
def dealer_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSimulator]:
    accounts = tmp_path_factory.mktemp("dealer") / "accounts.json"
    accounts.write_text(json.dumps([*ACCOUNTS, DEALER]))
    with run_simulator(seed=11, accounts=accounts, env={"MOTILAL_SIM_TICK_INTERVAL": "0"}) as sim:
        yield sim


@pytest.fixture
async def dealer(dealer_sim: RunningSimulator) -> AsyncIterator[MotilalClient]:
    credentials = Credentials(
        client_code=DEALER["client_code"], password=SecretStr(DEALER["password"]),
        api_key=SecretStr(DEALER["api_key"]), two_fa=SecretStr(DEALER["dob"]),
        totp_secret=SecretStr(DEALER["totp_secret"]),
    )  # fmt: skip
    client = MotilalClient(MotilalSettings(base_url=dealer_sim.base_url), credentials)
    await client.login()
    yield client
    await client.aclose()


def _buy(tag: str) -> OrderRequest:
    return OrderRequest(
        exchange="NSE", token=2885, side=Side.BUY, order_type=OrderType.LIMIT,
        product="DELIVERY", quantity=5, price=Decimal("1400.00"), symbol="RELIANCE", tag=tag,
    )  # fmt: skip


async def test_one_dealer_login_places_for_two_clients_into_their_own_books(
    dealer: MotilalClient,
) -> None:
    token = dealer.session.auth_token if dealer.session else None
    first, second = ClientOfDealer(dealer, FIRST), ClientOfDealer(dealer, SECOND)
    tags = {FIRST: tag_for("11111111-1111-4111-8111-111111111111"),
            SECOND: tag_for("22222222-2222-4222-8222-222222222222")}  # fmt: skip
    placed_first = await first.place_order(_buy(tags[FIRST]))
    placed_second = await second.place_order(_buy(tags[SECOND]))

    [mine] = await first.orders_with_tag(tags[FIRST])
    assert mine.unique_order_id == placed_first.unique_order_id
    assert await first.orders_with_tag(tags[SECOND]) == []
    [theirs] = await second.orders_with_tag(tags[SECOND])
    assert theirs.unique_order_id == placed_second.unique_order_id
    # Both went out on the dealer's one session: no client logged in.
    assert first.session is dealer.session and dealer.session is not None
    assert dealer.session.auth_token == token


async def test_a_dealer_without_clientcode_is_refused_mo1062(dealer: MotilalClient) -> None:
    with pytest.raises(BrokerRejected) as caught:
        await dealer.order_book()
    assert caught.value.code == "MO1062"


async def test_a_client_the_dealer_does_not_serve_is_refused(dealer: MotilalClient) -> None:
    with pytest.raises(BrokerRejected) as caught:
        await ClientOfDealer(dealer, OTHER).order_book()
    assert caught.value.code == "MO1062" and OTHER in caught.value.message
