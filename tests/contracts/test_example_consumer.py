"""examples/consumer, a reader that is not us, prints each client's fills and P&L of a
batch from the real topics on the embedded stack."""

import ast
import asyncio
import re
import signal
import sys
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from common.ids import new_id
from orders_testkit import Trading, batch_when, complete, wait_for

ROOT = Path(__file__).parents[2]
CONSUMER = ROOT / "examples" / "consumer" / "consumer.py"
LT = 11483
ALLOWED = {"aiokafka", "jsonschema"}


class Output:
    """The consumer's stdout lines, as they come."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.reader: asyncio.Task[None] | None = None

    def matching(self, pattern: str) -> list[re.Match[str]]:
        return [m for line in self.lines if (m := re.match(pattern, line))]


@pytest.fixture
async def consumer(trading: Trading) -> AsyncIterator[tuple[Output, asyncio.subprocess.Process]]:
    # -I: no PYTHONPATH, no user site; the import test below proves it needs nothing of ours
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-I", str(CONSUMER),
        "--bootstrap", trading.stack.kafka_bootstrap,
        "--group", f"example-{new_id()}", "--from", "beginning",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    output = Output()

    async def read() -> None:
        assert process.stdout is not None
        async for line in process.stdout:
            output.lines.append(line.decode().rstrip("\n"))

    output.reader = asyncio.create_task(read())
    try:
        yield output, process
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
        await output.reader


def test_example_consumer_imports_only_the_standard_library_aiokafka_and_jsonschema() -> None:
    tree = ast.parse(CONSUMER.read_text())
    modules = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    modules |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    roots = {name.split(".")[0] for name in modules}
    assert roots - sys.stdlib_module_names - ALLOWED == set()


async def _execute(trading: Trading, side: str, quantities: dict[str, int]) -> dict[str, str]:
    """One MARKET batch of LT filled at the simulator: order id -> client id."""
    async with trading.gateway() as gateway:
        answer = await gateway.post(
            "/api/v1/orders/execute-all",
            json={"token_id": LT, "execution_type": side, "order_type": "MARKET",
                  "trade_type": "INTRADAY",
                  "client_orders": [{"client_id": c, "quantity": q}
                                    for c, q in quantities.items()]},
        )  # fmt: skip
        assert answer.status_code == 202, answer.text
        batch = await batch_when(gateway, answer.json()["batch_id"], complete, seconds=120)
    assert batch["counts"] == {"FILLED": len(quantities)}, batch
    return {o["order_id"]: o["client_id"] for o in batch["orders"]}


async def _printed_fills(
    output: Output, side: str, orders: dict[str, str], want: dict[str, int]
) -> None:
    """Wait for the FILL lines of `orders`: each names its client, value = price x quantity."""
    pattern = rf"FILL client=(\S+) order=(\S+) {side} (\d+) LT @ (\S+) value=(\S+) "

    async def shares() -> bool:
        total: dict[str, int] = {}
        for m in output.matching(pattern):
            if m[2] in orders:
                assert m[1] == orders[m[2]]
                assert Decimal(m[5]) == Decimal(m[4]) * int(m[3]) > 0
                total[m[1]] = total.get(m[1], 0) + int(m[3])
        return total == want

    await wait_for(shares, 60, f"the consumer's {side} FILL lines for {want}")


def _last_pnl(output: Output) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    last = {}
    for m in output.matching(r"PNL client=(\S+) realized=(\S+) unrealized=(\S+) total=(\S+)$"):
        realized, unrealized, total = Decimal(m[2]), Decimal(m[3]), Decimal(m[4])
        assert realized + unrealized == total, m[0]
        last[m[1]] = (realized, unrealized, total)
    return last


async def test_example_consumer_prints_each_clients_fills_and_pnl_of_a_batch(
    trading: Trading, consumer: tuple[Output, asyncio.subprocess.Process]
) -> None:
    output, process = consumer
    clients = trading.require(3)
    bought = dict(zip(clients, (3, 5, 7), strict=True))
    sold = dict.fromkeys(clients, 2)

    await _printed_fills(output, "BUY", await _execute(trading, "BUY", bought), bought)
    await _printed_fills(output, "SELL", await _execute(trading, "SELL", sold), sold)

    # Realized P&L does not move with quotes: the consumer's last figure is the platform's.
    async with trading.gateway() as gateway:

        async def same_realized_pnl() -> bool:
            printed = _last_pnl(output)
            for client in clients:
                funds = (await gateway.get(f"/api/v1/clients/{client}/portfolio")).json()["funds"]
                if client not in printed or printed[client][0] != Decimal(funds["realized_pnl"]):
                    return False
            return True

        await wait_for(same_realized_pnl, 60, "the consumer's realized P&L = the gateway's")

    process.send_signal(signal.SIGINT)
    assert await process.wait() == 0
    assert output.reader is not None
    await output.reader  # to the end of its output
    pattern = r"SUMMARY client=(\S+) fills=\d+ bought=(\d+) sold=(\d+)"
    summaries = {m[1]: (int(m[2]), int(m[3])) for m in output.matching(pattern)}
    for client in clients:
        assert summaries[client][0] >= bought[client] and summaries[client][1] >= sold[client]
    assert not output.matching("INVALID")
