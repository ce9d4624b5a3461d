"""Secrets: dev mode may default them; production refuses to start without them."""

import pytest
from gateway.auth.bootstrap import MissingSecrets, check_secrets
from gateway.auth.passwords import hash_password, verify_password
from gateway.config import DEV_JWT_SECRET, GatewaySettings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PLATFORM_DEV_MODE", "GATEWAY_JWT_SECRET", "ADMIN_PASSWORD", "ADMIN_USERNAME",
                 "GATEWAY_CREDENTIALS_PUBLIC_KEY", "GATEWAY_ADMIN_PASSWORD",
                 "GATEWAY_REGISTRY_SIGNING_KEY"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


def test_dev_mode_without_secrets_uses_demo_defaults() -> None:
    settings = GatewaySettings(dev_mode=True)
    check_secrets(settings)
    assert settings.effective_jwt_secret() == DEV_JWT_SECRET
    assert settings.effective_admin_password() == "admin"


def test_production_without_secrets_names_each_missing_variable() -> None:
    settings = GatewaySettings(dev_mode=False)
    with pytest.raises(MissingSecrets) as error:
        check_secrets(settings)
    message = str(error.value)
    for variable in ("GATEWAY_JWT_SECRET", "ADMIN_PASSWORD", "GATEWAY_CREDENTIALS_PUBLIC_KEY",
                     "GATEWAY_REGISTRY_SIGNING_KEY"):  # fmt: skip
        assert variable in message


def test_production_with_short_jwt_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_JWT_SECRET", "short")
    monkeypatch.setenv("ADMIN_PASSWORD", "a-long-admin-password")
    monkeypatch.setenv("GATEWAY_CREDENTIALS_PUBLIC_KEY", "x")
    with pytest.raises(MissingSecrets, match="at least 32"):
        check_secrets(GatewaySettings(dev_mode=False))


def test_production_with_all_secrets_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_JWT_SECRET", "k" * 40)
    monkeypatch.setenv("ADMIN_USERNAME", "root")
    monkeypatch.setenv("ADMIN_PASSWORD", "a-long-admin-password")
    monkeypatch.setenv("GATEWAY_CREDENTIALS_PUBLIC_KEY", "x")
    monkeypatch.setenv("GATEWAY_REGISTRY_SIGNING_KEY", "y")
    settings = GatewaySettings(dev_mode=False)
    check_secrets(settings)
    assert settings.admin_username == "root"


def test_password_hash_verifies_only_the_same_password() -> None:
    stored = hash_password("correct horse")
    assert verify_password(stored, "correct horse")
    assert not verify_password(stored, "wrong horse")
    assert not verify_password(None, "correct horse")
