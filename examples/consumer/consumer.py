"""Print each client's fills and P&L from the trading platform's Kafka topics.

An example for other systems: it reads `orders.events.v1` and `portfolio.updates.v1` with
plain aiokafka, checks every message against the published JSON Schemas (docs/schemas/)
and imports nothing from the platform. Needs Python 3.11+, `pip install aiokafka jsonschema`.

    python consumer.py --bootstrap 127.0.0.1:9092 --from beginning

One line per fill, position and P&L change; Ctrl-C prints a summary per client.
Money is read as Decimal (the topics carry rupees as decimal strings), never float.
"""

import argparse
import asyncio
import json
import signal
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer
from jsonschema import Draft202012Validator

TOPICS = ("orders.events.v1", "portfolio.updates.v1")
FILLS = ("order.partially_filled", "order.filled")
WANTED = (*FILLS, "position.changed", "pnl.changed")
DEFAULT_SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"


@dataclass
class Client:
    """What this consumer learnt of one client."""

    fills: int = 0
    bought: int = 0
    sold: int = 0
    pnl: dict[str, Decimal] = field(default_factory=dict)


def load_validators(folder: Path) -> dict[tuple[str, str], Draft202012Validator]:
    """(topic, event type) -> validator of its newest schema version we know."""
    validators: dict[tuple[str, str], Draft202012Validator] = {}
    for topic in TOPICS:
        for path in sorted((folder / topic).glob("*.json")):
            event_type = path.name.rsplit(".v", 1)[0]
            if event_type in WANTED:
                validators[(topic, event_type)] = Draft202012Validator(json.loads(path.read_text()))
    missing = [t for t in WANTED if not any(k[1] == t for k in validators)]
    if missing:
        raise SystemExit(f"no JSON Schema for {missing} under {folder}: pass --schemas")
    return validators


def header(record: Any, name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            return bytes(value).decode()
    return None


class Printer:
    def __init__(self, validators: dict[tuple[str, str], Draft202012Validator]) -> None:
        self.validators = validators
        self.clients: dict[str, Client] = {}
        self.trades: set[tuple[str, str, str, str]] = set()

    def handle(self, record: Any) -> None:
        # The header names the type: skip what we do not read without parsing it.
        event_type = header(record, "event_type")
        validator = self.validators.get((record.topic, event_type or ""))
        if validator is None:
            return
        message = json.loads(record.value)
        errors = sorted(validator.iter_errors(message), key=lambda e: list(e.path))
        if errors:
            where = "/".join(map(str, errors[0].path)) or "(message)"
            print(f"INVALID {event_type} at {where}: {errors[0].message}", file=sys.stderr)
            return
        client = self.clients.setdefault(message["client_id"], Client())
        if event_type in FILLS:
            self.fill(message, client)
        elif event_type == "position.changed":
            self.position(message)
        else:
            self.pnl(message, client)

    def fill(self, m: dict[str, Any], client: Client) -> None:
        # Delivery is at least once: a trade is one per client, exchange, date and number.
        trade = (m["client_id"], m["instrument"]["exchange"], m["traded_at"][:10], m["trade_no"])
        if trade in self.trades:
            return
        self.trades.add(trade)
        client.fills += 1
        if m["side"] == "BUY":
            client.bought += m["quantity"]
        else:
            client.sold += m["quantity"]
        value = Decimal(m["price"]) * m["quantity"]
        print(
            f"FILL client={m['client_id']} order={m['order_id']} {m['side']} {m['quantity']} "
            f"{m['instrument']['symbol']} @ {Decimal(m['price'])} value={value} "
            f"filled={m['filled_quantity']} leaves={m['leaves_quantity']} trade={m['trade_no']} "
            f"at={m['traded_at']}",
            flush=True,
        )

    def position(self, m: dict[str, Any]) -> None:
        print(
            f"POSITION client={m['client_id']} token={m['token']} {m['trade_type']} "
            f"net={m['net_quantity']} avg={Decimal(m['average_price'])} "
            f"realized={Decimal(m['realized_pnl'])} unrealized={Decimal(m['unrealized_pnl'])} "
            f"{m['status']}",
            flush=True,
        )

    def pnl(self, m: dict[str, Any], client: Client) -> None:
        names = ("realized_pnl", "unrealized_pnl", "total_pnl")
        client.pnl = {name: Decimal(m[name]) for name in names}
        print(
            f"PNL client={m['client_id']} realized={client.pnl['realized_pnl']} "
            f"unrealized={client.pnl['unrealized_pnl']} total={client.pnl['total_pnl']}",
            flush=True,
        )

    def summary(self) -> None:
        for client_id, c in sorted(self.clients.items()):
            total = c.pnl.get("total_pnl", "unknown")
            print(
                f"SUMMARY client={client_id} fills={c.fills} bought={c.bought} "
                f"sold={c.sold} total_pnl={total}",
                flush=True,
            )


async def run(args: argparse.Namespace) -> None:
    printer = Printer(load_validators(args.schemas))
    consumer = AIOKafkaConsumer(
        *TOPICS,
        bootstrap_servers=args.bootstrap,
        group_id=args.group,
        auto_offset_reset="earliest" if args.start == "beginning" else "latest",
        key_deserializer=lambda key: key.decode() if key else None,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await consumer.start()
    print(f"READING {', '.join(TOPICS)} from {args.bootstrap} as group {args.group}", flush=True)
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    printer.handle(record)
    finally:
        await consumer.stop()
        printer.summary()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:9092", help="Kafka bootstrap servers")
    parser.add_argument("--group", default="example-consumer", help="consumer group id")
    parser.add_argument(
        "--from",
        dest="start",
        choices=("beginning", "end"),
        default="end",
        help="where a new group starts reading (default: end, only what comes next)",
    )
    parser.add_argument(
        "--schemas", type=Path, default=DEFAULT_SCHEMAS, help="the docs/schemas folder"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
