"""Token search on a generated 50,000-row master: build time and p50/p99 per query kind.

Run: uv run python tests/bench/bench_token_search.py [rows]
Prints figures; asserts nothing about time (CONVENTIONS: speed lives in benchmarks).
"""

import random
import statistics
import string
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

from common.enums import Exchange
from market_data.instruments.master import InstrumentMaster
from market_data.instruments.records import InstrumentRecord

WORDS = [
    "Industries",
    "Bank",
    "Finance",
    "Power",
    "Steel",
    "Motors",
    "Pharma",
    "Cement",
    "Energy",
    "Capital",
    "Textiles",
    "Chemicals",
    "Infra",
    "Realty",
    "Foods",
    "Auto",
    "Tech",
    "Software",
    "Systems",
    "Holdings",
    "Enterprises",
    "Insurance",
    "Media",
    "Metals",
    "Gas",
    "Oil",
    "Agro",
    "Ports",
    "Logistics",
    "Telecom",
    "Healthcare",
    "Life",
    "Paints",
    "Tyres",
    "Electric",
    "Sugar",
    "Paper",
]


def generate(rows: int, seed: int = 7) -> list[InstrumentRecord]:
    """~1/4 cash equities (NSE and BSE) and 3/4 derivatives, like a real NSE+NSEFO master."""
    rng = random.Random(seed)
    records: list[InstrumentRecord] = []
    underlyings: list[str] = []
    seen: set[str] = set()
    while len(underlyings) < rows // 8:
        symbol = "".join(rng.choices(string.ascii_uppercase, k=rng.randint(3, 10)))
        if symbol not in seen:
            seen.add(symbol)
            underlyings.append(symbol)
    token = 1
    for symbol in underlyings:
        name = f"{symbol.title()} {' '.join(rng.sample(WORDS, 2))} Ltd"
        for exchange in (Exchange.NSE, Exchange.BSE):
            records.append(_record(exchange, token, symbol, name, "EQ"))
            token += 1
    expiry = date(2026, 12, 29)
    while len(records) < rows:
        symbol = rng.choice(underlyings)
        month = expiry + timedelta(days=30 * rng.randint(0, 2))
        strike = rng.randint(10, 500) * 10
        option = rng.choice(("CE", "PE"))
        code = f"{symbol}{month:%y%b}".upper() + f"{strike}{option}"
        records.append(_record(Exchange.NSEFO, 35000 + token, code, f"{symbol} OPT", "OPTSTK"))
        token += 1
    return records[:rows]


def _record(exchange: Exchange, token: int, symbol: str, name: str, kind: str) -> InstrumentRecord:
    return InstrumentRecord(exchange, token, symbol, name, kind, 1, Decimal("0.05"))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    records = generate(rows)
    started = time.perf_counter()
    master = InstrumentMaster(records)
    build_ms = (time.perf_counter() - started) * 1000
    rng = random.Random(1)
    cash = [r for r in records if r.exchange is Exchange.NSE]
    kinds = {
        "exact symbol": [r.symbol for r in rng.sample(cash, 500)],
        "1-letter prefix": [rng.choice(string.ascii_uppercase) for _ in range(500)],
        "3-letter prefix": [r.symbol[:3] for r in rng.sample(cash, 500)],
        "token number": [str(r.token) for r in rng.sample(records, 500)],
        "name word": [rng.choice(WORDS) for _ in range(500)],
        "two name words": [" ".join(rng.sample(WORDS, 2)) for _ in range(500)],
        "no match": ["QQQQQQQQX" for _ in range(500)],
    }
    print(f"token search benchmark: {len(master):,} instruments, index built in {build_ms:.0f} ms")
    print(f"{'query kind':<18}{'p50 µs':>10}{'p99 µs':>10}{'max µs':>10}{'hits':>8}")
    for kind, queries in kinds.items():
        times, hits = [], 0
        for query in queries:
            t0 = time.perf_counter()
            hits += len(master.search(query, 20))
            times.append((time.perf_counter() - t0) * 1e6)
        print(
            f"{kind:<18}{statistics.median(times):>10.1f}{percentile(times, 0.99):>10.1f}"
            f"{max(times):>10.1f}{hits / len(queries):>8.1f}"
        )


if __name__ == "__main__":
    main()
