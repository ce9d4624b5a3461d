"""`python -m stack run`: the whole platform on embedded infrastructure, until Ctrl-C."""

import argparse
import asyncio
import logging
import os
import signal
import sys
import tempfile
from pathlib import Path

from stack.config import StackSettings
from stack.keys import credential_keys, registry_signing_keys
from stack.lock import AlreadyRunning, acquire, release
from stack.platform import SERVICES, Platform
from stack.replicas import BadReplicas, parse_replicas


async def _run(platform: Platform) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    starting = asyncio.create_task(platform.start())
    stopped = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({starting, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if stopped in done:
        starting.cancel()
        return 0
    try:
        starting.result()
    except Exception as error:
        print(f"\nthe platform did not start: {error}", file=sys.stderr, flush=True)
        return 1
    print("\nThe platform is up:\n")
    print(platform.table())
    print(f"\nDashboard and API: {platform.endpoints.get('gateway', '-')}", flush=True)
    print(_sign_in_notice(), flush=True)
    print("(Ctrl-C stops everything)\n", flush=True)
    watcher = asyncio.create_task(platform.supervisor.watch())
    await stop.wait()
    watcher.cancel()
    return 0


def _sign_in_notice() -> str:
    if os.environ.get("ADMIN_PASSWORD"):
        return f"Sign in as {os.environ.get('ADMIN_USERNAME', 'admin')} (ADMIN_PASSWORD is set)."
    return (
        "WARNING: development mode. Sign in as admin / admin; these default credentials and "
        "the demo JWT secret are for this machine only. Set ADMIN_USERNAME / ADMIN_PASSWORD "
        "to choose others; outside development mode they are required."
    )


def _print_new_keys() -> None:
    with tempfile.TemporaryDirectory() as folder:
        public, private = credential_keys(Path(folder))
        verify, signing = registry_signing_keys(Path(folder))
    print(f"GATEWAY_CREDENTIALS_PUBLIC_KEY={public}")
    print(f"BROKER_ADAPTER_CREDENTIALS_PRIVATE_KEY={private}")
    print(f"GATEWAY_REGISTRY_SIGNING_KEY={signing}")
    print(f"BROKER_ADAPTER_REGISTRY_VERIFY_KEY={verify}")
    print("# keep the private and signing keys in a secret store: only the broker-adapter")
    print("# may read BROKER_ADAPTER_CREDENTIALS_PRIVATE_KEY, only the gateway the signing key")


def _write_manifests(folder: Path) -> None:
    from stack.compose_kafka import setup_script
    from stack.k8s import kafka_topics, kafka_users, render, service_resources

    (folder / "kafka-topics.yaml").write_text(render(kafka_topics()))
    (folder / "kafka-users.yaml").write_text(render(kafka_users()))
    (folder / "services.yaml").write_text(render(service_resources()))
    print(f"wrote {folder}/kafka-topics.yaml, kafka-users.yaml and services.yaml")
    setup = folder.parent / "kafka" / "setup.sh"
    setup.parent.mkdir(exist_ok=True)
    setup.write_text(setup_script())
    print(f"wrote {setup} (docker-compose's Kafka users, ACLs and topics)")


def main() -> None:
    parser = argparse.ArgumentParser(prog="stack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="infrastructure, simulator and all five services")
    run.add_argument(
        "--replicas",
        default=None,
        metavar="SERVICE=N,...",
        help="processes per service, each on its own port, one consumer group "
        "(e.g. order-router=2,broker-adapter=2,portfolio=2; default STACK_REPLICAS)",
    )
    sub.add_parser("infra", help="only PostgreSQL, Redis, Kafka and the simulator")
    sub.add_parser("keys", help="print new sealing and signing key pairs for production")
    sub.add_parser("k8s", help="regenerate the generated manifests under infra/k8s/")
    args = parser.parse_args()
    if args.command == "keys":
        _print_new_keys()
        return
    if args.command == "k8s":
        _write_manifests(Path("infra/k8s"))
        return
    logging.basicConfig(level=logging.INFO, format="stack: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)

    settings = StackSettings()
    try:
        lock = acquire(settings.state_dir)
    except AlreadyRunning as error:
        sys.exit(str(error))
    services = SERVICES if args.command == "run" else ()
    # The simulator keeps funds, holdings and carried positions here: the next run is the
    # next trading day at the same broker (`make clean` starts afresh).
    os.environ.setdefault("MOTILAL_SIM_STATE_DIR", str(settings.state_dir / "motilal-sim"))
    try:
        replicas = parse_replicas(
            getattr(args, "replicas", None) or settings.replicas, [s.name for s in SERVICES]
        )
    except BadReplicas as error:
        release(lock)
        sys.exit(str(error))
    platform = Platform(settings, services=services, replicas=replicas)
    try:
        code = asyncio.run(_run(platform))
    finally:
        # Stopping is bounded (about 10 s); a second Ctrl-C must not cut it short and
        # leave children behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("stopping...", flush=True)
        platform.stop()
        release(lock)
        print("stopped.", flush=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
