"""docker-compose runs Kafka with TLS: the kafka-certs job's script makes a CA and a broker
key store that Java loads (keytool) and that the services' own TLS settings accept (run
here with openssl, the broker's side played by a local TLS server with the key store's
key), and the compose file wires them together (read here: no Docker engine runs in tests)."""

import asyncio
import os
import shutil
import ssl
import stat
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from common.kafka import kafka_client_options
from common.settings import ServiceSettings
from stack.compose_kafka import setup_script
from stack.platform import SERVICES

ROOT = Path(__file__).parents[3]
SCRIPT = ROOT / "infra" / "kafka" / "make-certs.sh"
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
KAFKA = COMPOSE["services"]["kafka"]
CERTS_JOB = COMPOSE["services"]["kafka-certs"]
PASSWORD = "Keystore4Tests"


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """Where a service mounts each named volume or file: {container path: source}."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        mounts[target] = source
    return mounts


def _certs_path(service: dict[str, Any], file: str) -> str:
    """The path at which `service` sees `file` of the kafka-certs volume."""
    (target,) = [t for t, source in _mounts(service).items() if source == "kafka-certs"]
    return f"{target}/{file}"


def run(command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    if shutil.which(command[0]) is None:
        pytest.fail(f"{command[0]} is needed here (Debian: openssl, openjdk-17-jdk-headless)")
    return subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, check=True
    )


def make_certs(folder: Path, **env: str) -> subprocess.CompletedProcess[str]:
    env = {"KAFKA_CERTS_DIR": str(folder), "KAFKA_KEYSTORE_PASSWORD": PASSWORD, **env}
    return run(["sh", str(SCRIPT)], **env)


def key_store_entries(folder: Path, password: str = PASSWORD) -> str:
    """The key store as Java reads it (the broker loads it with the same KeyStore API)."""
    listing = run(
        ["keytool", "-list", "-v", "-storetype", "PKCS12", "-keystore",
         str(folder / "broker.p12"), "-storepass:env", "STOREPASS"],
        STOREPASS=password,
    )  # fmt: skip
    return listing.stdout


def client_context(**env: str) -> ssl.SSLContext:
    """The TLS context a service builds from its settings (common.kafka)."""
    settings = ServiceSettings.model_validate(
        {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_USERNAME": "u", "KAFKA_PASSWORD": "p"} | env
    )
    context: ssl.SSLContext = kafka_client_options(settings)["ssl_context"]
    return context


@pytest.fixture
def certs(tmp_path: Path) -> Path:
    folder = tmp_path / "certs"
    make_certs(folder, KAFKA_CERT_SAN=CERTS_JOB["environment"]["KAFKA_CERT_SAN"])
    return folder


@pytest.fixture
async def broker(certs: Path) -> AsyncIterator[int]:
    """A TLS server presenting what the broker's key store holds (key, certificate, CA)."""
    pem = certs.parent / "from-key-store.pem"
    run(
        ["openssl", "pkcs12", "-in", str(certs / "broker.p12"), "-nodes",
         "-passin", "env:STOREPASS", "-out", str(pem)],
        STOREPASS=PASSWORD,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pem)

    async def hello(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"ok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(hello, "127.0.0.1", 0, ssl=context)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def connect(port: int, context: ssl.SSLContext, name: str) -> bytes:
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=context, server_hostname=name
    )
    try:
        return await reader.read()
    finally:
        writer.close()


async def test_a_service_trusts_the_broker_through_kafka_ca_file(certs: Path, broker: int) -> None:
    context = client_context(KAFKA_CA_FILE=str(certs / "ca.crt"))
    assert await connect(broker, context, "kafka") == b"ok"
    assert await connect(broker, context, "localhost") == b"ok"  # the broker's health check


async def test_the_broker_certificate_is_refused_under_another_name_or_without_the_ca(
    certs: Path, broker: int
) -> None:
    with pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch"):
        await connect(broker, client_context(KAFKA_CA_FILE=str(certs / "ca.crt")), "redis")
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate verify failed"):
        await connect(broker, client_context(), "kafka")  # the system's CAs only


def test_the_key_store_is_what_java_reads_and_only_the_broker_reads_it(certs: Path) -> None:
    entries = key_store_entries(certs)
    assert "Entry type: PrivateKeyEntry" in entries
    assert "Certificate chain length: 2" in entries  # the broker's certificate, then the CA
    with pytest.raises(subprocess.CalledProcessError):
        key_store_entries(certs, password="not-the-password")
    modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in certs.iterdir()}
    assert modes == {
        "ca.crt": 0o444,
        "ca.key": 0o400,
        "broker.crt": 0o444,
        "broker.key": 0o400,
        "broker.p12": 0o400,
    }
    if os.geteuid() == 0:  # as in the job: the broker's user owns its key store
        owner = (certs / "broker.p12").stat().st_uid
        assert owner == int(CERTS_JOB["environment"]["KAFKA_BROKER_UID"])


def test_a_second_run_keeps_the_certificates_and_renews_one_about_to_expire(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "certs"
    make_certs(folder, KAFKA_CERT_DAYS="10")  # under the 30 days left that trigger renewal
    ca, short_lived = (folder / "ca.crt").read_bytes(), (folder / "broker.crt").read_bytes()
    renewed = make_certs(folder)
    assert "made the broker certificate" in renewed.stdout
    assert (folder / "ca.crt").read_bytes() == ca  # the services' CA file stays valid
    current = (folder / "broker.crt").read_bytes()
    assert current != short_lived
    again = make_certs(folder, KAFKA_KEYSTORE_PASSWORD="Changed4Tests")
    assert "current" in again.stdout
    assert (folder / "broker.crt").read_bytes() == current
    # the key store is made again each run: a changed password takes effect
    assert "PrivateKeyEntry" in key_store_entries(folder, password="Changed4Tests")


def test_the_job_refuses_to_run_without_a_key_store_password(tmp_path: Path) -> None:
    with pytest.raises(subprocess.CalledProcessError) as refused:
        make_certs(tmp_path / "certs", KAFKA_KEYSTORE_PASSWORD="")
    assert "set KAFKA_KEYSTORE_PASSWORD" in refused.value.stderr


def test_compose_makes_the_certificates_before_the_broker_starts() -> None:
    assert CERTS_JOB["restart"] == "no"
    assert "./infra/kafka/make-certs.sh:/platform/make-certs.sh:ro" in CERTS_JOB["volumes"]
    assert _mounts(CERTS_JOB)[CERTS_JOB["environment"]["KAFKA_CERTS_DIR"]] == "kafka-certs"
    assert CERTS_JOB["entrypoint"][-1] == "/platform/make-certs.sh"
    assert KAFKA["depends_on"]["kafka-certs"] == {"condition": "service_completed_successfully"}
    assert "kafka-certs" in COMPOSE["volumes"]


def test_compose_broker_serves_tls_with_the_jobs_certificate() -> None:
    env = KAFKA["environment"]
    protocols = dict(p.split(":") for p in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    listeners = dict(p.split("://") for p in env["KAFKA_LISTENERS"].split(","))
    for name, protocol in protocols.items():
        # TLS on every listener other than the controller's, which is on loopback only
        assert protocol == "SASL_SSL" or listeners[name].startswith("localhost:"), name
    # the image's start script demands a JKS key store of its own when it sees "SSL://"
    assert "SSL://" not in env["KAFKA_ADVERTISED_LISTENERS"]
    assert env["KAFKA_SSL_KEYSTORE_TYPE"] == "PKCS12"
    assert env["KAFKA_SSL_KEYSTORE_LOCATION"] == _certs_path(KAFKA, "broker.p12")
    password = "${KAFKA_KEYSTORE_PASSWORD:?"
    assert env["KAFKA_SSL_KEYSTORE_PASSWORD"].startswith(password)
    assert CERTS_JOB["environment"]["KAFKA_KEYSTORE_PASSWORD"].startswith(password)
    assert env["KAFKA_SSL_TRUSTSTORE_TYPE"] == "PEM"
    assert env["KAFKA_SSL_TRUSTSTORE_LOCATION"] == _certs_path(KAFKA, "ca.crt")
    assert _mounts(KAFKA)["/etc/kafka-certs"] == "kafka-certs"
    assert all(v.endswith(":ro") for v in KAFKA["volumes"] if v.startswith("kafka-certs:"))
    # the certificate names every host the clients dial (hostname verification is on)
    san = {
        name.removeprefix("DNS:") for name in CERTS_JOB["environment"]["KAFKA_CERT_SAN"].split(",")
    }
    advertised = {
        a.split("://")[1].split(":")[0] for a in env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    }
    assert advertised | {"localhost"} <= san
    health = " ".join(KAFKA["healthcheck"]["test"])
    assert "security.protocol=SASL_SSL" in health
    assert f"ssl.truststore.location={_certs_path(KAFKA, 'ca.crt')}" in health


@pytest.mark.parametrize("service", [s.name for s in SERVICES])
def test_compose_service_connects_with_sasl_ssl_and_trusts_the_ca(service: str) -> None:
    spec = COMPOSE["services"][service]
    env = spec["environment"]
    assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert env["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert env["KAFKA_CA_FILE"] == _certs_path(spec, "ca.crt")
    assert all(v.endswith(":ro") for v in spec["volumes"] if v.startswith("kafka-certs:"))


def test_compose_setup_job_talks_to_the_admin_listener_over_tls() -> None:
    setup = COMPOSE["services"]["kafka-setup"]
    assert setup["environment"]["KAFKA_CA_FILE"] == _certs_path(setup, "ca.crt")
    script = setup_script()
    assert "security.protocol=SASL_SSL\n" in script
    assert "ssl.truststore.location=${KAFKA_CA_FILE:?}\n" in script
