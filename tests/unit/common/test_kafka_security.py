"""Kafka security settings: plaintext for the embedded broker, a SCRAM user (over TLS in
Kubernetes) everywhere else, passed to faststream's broker and to aiokafka clients."""

import ssl

import pytest
from common.kafka import build_broker, kafka_client_options, kafka_security
from common.settings import ServiceSettings
from faststream.security import SASLScram512
from pydantic import ValidationError


def settings(**env: str) -> ServiceSettings:
    return ServiceSettings.model_validate(env)


def test_kafka_default_is_plaintext_for_the_embedded_broker() -> None:
    plain = settings()
    assert kafka_security(plain) is None
    assert kafka_client_options(plain) == {}


def test_kafka_sasl_ssl_uses_the_services_scram_user_over_tls() -> None:
    secure = settings(
        KAFKA_SECURITY_PROTOCOL="SASL_SSL", KAFKA_USERNAME="gateway", KAFKA_PASSWORD="s3cret"
    )
    security = kafka_security(secure)
    assert isinstance(security, SASLScram512)
    options = kafka_client_options(secure)
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("gateway", "s3cret")
    assert isinstance(options["ssl_context"], ssl.SSLContext)
    assert options["ssl_context"].verify_mode == ssl.CERT_REQUIRED
    assert options["ssl_context"].check_hostname is True


def test_kafka_sasl_plaintext_has_no_tls_context() -> None:
    options = kafka_client_options(
        settings(KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT", KAFKA_USERNAME="u", KAFKA_PASSWORD="p")
    )
    assert options["security_protocol"] == "SASL_PLAINTEXT"
    assert options["ssl_context"] is None


def test_kafka_broker_connects_with_the_security_settings() -> None:
    broker = build_broker(
        settings(KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT", KAFKA_USERNAME="portfolio",
                 KAFKA_PASSWORD="p"),
        "portfolio",
    )  # fmt: skip
    connect = broker.config.broker_config.builder.keywords
    assert connect["security_protocol"] == "SASL_PLAINTEXT"
    assert connect["sasl_plain_username"] == "portfolio"


def test_kafka_sasl_without_user_names_the_missing_settings() -> None:
    with pytest.raises(ValidationError, match="KAFKA_USERNAME and KAFKA_PASSWORD"):
        settings(KAFKA_SECURITY_PROTOCOL="SASL_SSL")


def test_kafka_ca_file_that_does_not_exist_is_an_error() -> None:
    with pytest.raises(FileNotFoundError):
        kafka_security(settings(KAFKA_SECURITY_PROTOCOL="SSL", KAFKA_CA_FILE="/nonexistent/ca.crt"))
