"""SQL of the token master: its layers and its load log (quote interest: store_interest)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import asyncpg
from common.db import from_row
from common.enums import Exchange

from market_data.instruments.records import InstrumentRecord

_LOAD_LOCK = 7_240_001
"""Advisory lock id: replicas loading at once take turns, so loads never interleave."""


class Layer(StrEnum):
    FILE = "file"
    SCRIP_MASTER = "scrip_master"


@dataclass(frozen=True, slots=True)
class LoadInfo:
    id: int
    source: str
    exchanges: list[str]
    rows: int
    digest: str
    origin: str
    actor: str
    loaded_at: datetime


_COLUMNS = (
    "source",
    "exchange",
    "token",
    "symbol",
    "name",
    "instrument_type",
    "lot_size",
    "tick_size",
    "lower_circuit",
    "upper_circuit",
    "freeze_quantity",
)


async def replace_layer(
    pool: asyncpg.Pool,
    layer: Layer,
    records: Sequence[InstrumentRecord],
    *,
    exchanges: Sequence[Exchange] | None,
    digest: str,
    origin: str,
    actor: str,
) -> LoadInfo:
    """Replace a layer (or its rows on `exchanges`) with `records`, all or nothing."""
    names = sorted({e.value for e in exchanges} if exchanges else {r.exchange for r in records})
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOAD_LOCK)
        if exchanges is None:
            await conn.execute("DELETE FROM instruments WHERE source = $1", layer.value)
        else:
            await conn.execute(
                "DELETE FROM instruments WHERE source = $1 AND exchange = ANY($2::text[])",
                layer.value,
                names,
            )
        await conn.copy_records_to_table(
            "instruments",
            records=[
                (
                    layer.value,
                    r.exchange.value,
                    r.token,
                    r.symbol,
                    r.name,
                    r.instrument_type,
                    r.lot_size,
                    r.tick_size,
                    r.lower_circuit,
                    r.upper_circuit,
                    r.freeze_quantity,
                )
                for r in records
            ],
            columns=_COLUMNS,
        )
        row = await conn.fetchrow(
            """INSERT INTO instrument_loads (source, exchanges, rows, digest, origin, actor)
               VALUES ($1, $2, $3, $4, $5, $6) RETURNING *""",
            layer.value,
            names,
            len(records),
            digest,
            origin,
            actor,
        )
    assert row is not None
    return _load(row)


async def latest_load(pool: asyncpg.Pool, layer: Layer | None = None) -> LoadInfo | None:
    row = await pool.fetchrow(
        """SELECT * FROM instrument_loads WHERE $1::text IS NULL OR source = $1
           ORDER BY id DESC LIMIT 1""",
        layer.value if layer else None,
    )
    return _load(row) if row else None


async def resolved_instruments(pool: asyncpg.Pool) -> list[InstrumentRecord]:
    """Every instrument once: where two layers list the same key, the file's row wins."""
    rows = await pool.fetch(
        """SELECT DISTINCT ON (exchange, token) *
           FROM instruments
           ORDER BY exchange, token, (source = 'file') DESC"""
    )
    return [from_row(InstrumentRecord, r, exchange=Exchange(r["exchange"])) for r in rows]


def _load(row: asyncpg.Record) -> LoadInfo:
    return from_row(LoadInfo, row, exchanges=list(row["exchanges"]))
