"""A client's own app secret travels sealed with its other credentials and wins over the
process-wide MOTILAL_API_SECRET (issue 12, item 5)."""

from broker_adapter.sessions.credentials import unseal
from common.contracts.credentials import BrokerCredentials
from gateway.credentials import seal
from motilal.config import MotilalSettings
from motilal.headers import build_headers
from nacl.public import PrivateKey
from pydantic import SecretStr


def _credentials(api_secret: str | None) -> BrokerCredentials:
    return BrokerCredentials(
        api_key=SecretStr("key"),
        password=SecretStr("pw"),
        dob=SecretStr("01/01/1990"),
        api_secret=SecretStr(api_secret) if api_secret else None,
    )


def test_api_secret_sealed_and_opened_with_the_other_credentials() -> None:
    key = PrivateKey.generate()
    opened = unseal(seal(_credentials("client-secret"), key.public_key), key)
    assert opened.api_secret is not None
    assert opened.api_secret.get_secret_value() == "client-secret"
    assert opened.present()["api_secret"] is True
    assert "client-secret" not in repr(opened)


def test_api_secret_absent_in_an_older_box_is_none() -> None:
    key = PrivateKey.generate()
    assert unseal(seal(_credentials(None), key.public_key), key).api_secret is None


def test_headers_send_the_clients_secret_before_the_setting() -> None:
    settings = MotilalSettings(api_secret=SecretStr("global"))
    own = build_headers(settings, api_key="k", client_code="c", auth_token=None,
                        api_secret="mine")  # fmt: skip
    assert own["apisecretkey"] == "mine"
    fallback = build_headers(settings, api_key="k", client_code="c", auth_token=None)
    assert fallback["apisecretkey"] == "global"
    none = build_headers(MotilalSettings(), api_key="k", client_code="c", auth_token=None)
    assert "apisecretkey" not in none
