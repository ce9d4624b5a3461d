"""The token master's life: load the file at start, reload on demand, keep replicas in step.

PostgreSQL holds the master (the system of record); each replica serves lookups and search
from an in-memory `InstrumentMaster`, rebuilt when a newer load is committed by any replica.
"""

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import asyncpg
from common.enums import Exchange

from market_data.instruments import store_instruments
from market_data.instruments.master import InstrumentMaster
from market_data.instruments.records import InstrumentRecord
from market_data.instruments.scrip_master import parse_scrip_rows, records_from_scrips
from market_data.instruments.store_instruments import Layer, LoadInfo
from market_data.instruments.token_file import RowProblem, TokenFileError, parse_token_csv

log = logging.getLogger(__name__)

# getscripmastercsv's rows as Motilal wrote them (motilal.scrip_master.ScripMaster.rows).
ScripSource = Callable[[Exchange], Awaitable[list[dict[str, str]]]]


class ScripMasterEmpty(ValueError):
    """Motilal answered, but with no usable rows: refusing to wipe the exchange's master."""

    def __init__(self, exchange: Exchange) -> None:
        super().__init__(
            f"Motilal's scrip master for {exchange} has no tradeable rows; "
            "the current master was kept"
        )
        self.exchange = exchange


def display_path(path: Path) -> str:
    """The path as people typed it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class Catalog:
    def __init__(
        self,
        pool: Callable[[], asyncpg.Pool],
        token_file: Path,
        scrips: ScripSource | None = None,
    ) -> None:
        self._pool = pool
        self._token_file = token_file
        self._scrips = scrips
        self._master = InstrumentMaster([], version=0)
        self._refresh_lock = asyncio.Lock()

    @property
    def master(self) -> InstrumentMaster:
        return self._master

    async def load_file_at_startup(self) -> None:
        """Load the token file unless the newest file load already has the same content."""
        content, digest = await asyncio.to_thread(self._read_file)
        last = await store_instruments.latest_load(self._pool(), Layer.FILE)
        if last is not None and last.digest == digest:
            log.info("token file unchanged since load %d (%d rows)", last.id, last.rows)
        else:
            await self._load_file(content, digest, actor="market-data")
        await self.refresh()

    async def reload_file(self, actor: str) -> LoadInfo:
        content, digest = await asyncio.to_thread(self._read_file)
        info = await self._load_file(content, digest, actor=actor)
        await self.refresh()
        return info

    async def reload_scrip_master(self, exchanges: Sequence[Exchange], actor: str) -> LoadInfo:
        """Replace the scrip-master layer of `exchanges` with Motilal's current master."""
        if self._scrips is None:
            raise RuntimeError("no Motilal client is configured for scrip master downloads")
        records: list[InstrumentRecord] = []
        for exchange in exchanges:
            rows = parse_scrip_rows(exchange, await self._scrips(exchange))
            found = records_from_scrips(exchange, rows)
            if not found:
                raise ScripMasterEmpty(exchange)
            records.extend(found)
        digest = hashlib.sha256(
            "\n".join(f"{r.exchange}:{r.token}:{r.symbol}" for r in records).encode()
        ).hexdigest()
        info = await store_instruments.replace_layer(
            self._pool(),
            Layer.SCRIP_MASTER,
            records,
            exchanges=exchanges,
            digest=digest,
            origin=f"getscripmastercsv?name={','.join(exchanges)}",
            actor=actor,
        )
        log.info("loaded %d scrip-master rows for %s (load %d)", info.rows, exchanges, info.id)
        await self.refresh()
        return info

    async def refresh(self) -> bool:
        """Rebuild the in-memory master if a newer load was committed; True if rebuilt."""
        async with self._refresh_lock:
            latest = await store_instruments.latest_load(self._pool())
            version = latest.id if latest else 0
            if version == self._master.version:
                return False
            records = await store_instruments.resolved_instruments(self._pool())
            self._master = await asyncio.to_thread(InstrumentMaster, records, version)
            log.info("token master version %d: %d instruments", version, len(self._master))
            return True

    async def follow_loads(self, every_seconds: float) -> None:
        """Background loop: pick up loads other replicas committed."""
        while True:
            await asyncio.sleep(every_seconds)
            await self.refresh()

    def _read_file(self) -> tuple[str, str]:
        source = display_path(self._token_file)
        try:
            raw = self._token_file.read_bytes()
        except OSError as error:
            reason = error.strerror or str(error)
            problem = RowProblem(0, None, f"cannot be read: {reason}")
            raise TokenFileError(source, [problem]) from error
        try:
            return raw.decode("utf-8"), hashlib.sha256(raw).hexdigest()
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            raise TokenFileError(source, [RowProblem(line, None, "is not UTF-8 text")]) from error

    async def _load_file(self, content: str, digest: str, *, actor: str) -> LoadInfo:
        source = display_path(self._token_file)
        records = await asyncio.to_thread(parse_token_csv, content, source)
        info = await store_instruments.replace_layer(
            self._pool(),
            Layer.FILE,
            records,
            exchanges=None,
            digest=digest,
            origin=source,
            actor=actor,
        )
        log.info("loaded %d instruments from %s (load %d)", info.rows, source, info.id)
        return info
