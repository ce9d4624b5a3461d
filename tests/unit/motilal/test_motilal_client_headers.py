"""The client's header set is built once per auth token and follows the token it holds."""

from motilal.client import MotilalClient
from motilal.config import Credentials, MotilalSettings
from motilal.paths import Endpoint


def _client() -> MotilalClient:
    credentials = Credentials(
        client_code="ab123", password="pw", api_key="key", two_fa="14/03/1986"
    )
    return MotilalClient(MotilalSettings(), credentials)


async def test_headers_carry_the_token_held_now_and_none_for_login() -> None:
    client = _client()
    assert "Authorization" not in client._headers(Endpoint.ORDER_BOOK)  # not logged in

    client.use_token("first")
    first = client._headers(Endpoint.ORDER_BOOK)
    assert first["Authorization"] == "first"
    assert client._headers(Endpoint.POSITIONS) is first  # built once, not per call
    assert "Authorization" not in client._headers(Endpoint.LOGIN)

    client.use_token("second")  # a re-login
    assert client._headers(Endpoint.ORDER_BOOK)["Authorization"] == "second"
    assert "Authorization" not in client._headers(Endpoint.LOGIN)
    await client.aclose()
