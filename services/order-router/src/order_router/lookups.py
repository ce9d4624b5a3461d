"""What the router asks other services: instruments (market-data) and positions (portfolio).

Instruments are cached in memory (they change once a day), so a batch costs at most one
call, and a warm router none. Both lookups retry a few times and then give up with a
reason the order's denial can carry: a request must end terminal, not wait forever.
"""

import asyncio
import logging
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
from common.contracts.instruments import Instrument
from common.enums import Exchange, PositionStatus, TradeType

log = logging.getLogger(__name__)


class LookupFailed(Exception):
    """The answer is not available; `reason` says why in words (used in denials)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def _get(client: httpx.AsyncClient, url: str, params: dict[str, Any], attempts: int) -> Any:
    """GET with retries on transport errors and 5xx; None on 404."""
    last = ""
    for attempt in range(attempts):
        try:
            response = await client.get(url, params=params)
        except httpx.HTTPError as error:
            last = f"{type(error).__name__}: {error}"
        else:
            if response.status_code == 404:
                return None
            if response.status_code < 500:
                response.raise_for_status()
                return response.json()
            last = f"HTTP {response.status_code}"
        await asyncio.sleep(min(0.2 * 2**attempt, 2.0))
    raise LookupFailed(f"{client.base_url}{url} is unavailable ({last})")


class InstrumentCache:
    def __init__(self, client: httpx.AsyncClient, ttl_seconds: float, attempts: int) -> None:
        self.client = client
        self.ttl = ttl_seconds
        self.attempts = attempts
        self._cache: dict[tuple[int, Exchange | None], tuple[float, Instrument]] = {}

    async def get(self, token: int, exchange: Exchange | None) -> Instrument:
        """The instrument, or LookupFailed (unknown token, or market-data unreachable)."""
        key = (token, exchange)
        hit = self._cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        params = {"exchange": exchange.value} if exchange else {}
        try:
            data = await _get(self.client, f"/internal/instruments/{token}", params, self.attempts)
        except httpx.HTTPStatusError as error:
            raise LookupFailed(f"instrument lookup for token {token} failed: {error}") from error
        if data is None:
            where = f" on {exchange}" if exchange else ""
            raise LookupFailed(f"token {token}{where} is not in the instrument master")
        instrument = Instrument.model_validate(
            {name: data[name] for name in Instrument.model_fields if name in data}
        )
        self._cache[key] = (time.monotonic() + self.ttl, instrument)
        return instrument


@dataclass(frozen=True)
class OpenPosition:
    net_quantity: int
    trade_type: TradeType
    average_price: Decimal | None


class PositionLookup:
    def __init__(self, client: httpx.AsyncClient, attempts: int) -> None:
        self.client = client
        self.attempts = attempts

    async def open_position(
        self, client_id: str, token: int, trade_type: TradeType | None
    ) -> OpenPosition | None:
        """The client's ACTIVE net position in the token (None: flat), or LookupFailed."""
        params: dict[str, Any] = {
            "client_id": client_id,
            "token": token,
            "status": PositionStatus.ACTIVE.value,
        }
        if trade_type is not None:
            params["trade_type"] = trade_type.value
        try:
            data = await _get(self.client, "/internal/positions", params, self.attempts)
        except httpx.HTTPStatusError as error:
            raise LookupFailed(f"position lookup failed: {error}") from error
        rows = data if isinstance(data, list) else (data or {}).get("positions", [])
        for row in rows:
            net = int(row.get("net_quantity", 0))
            if net != 0 and row.get("status", PositionStatus.ACTIVE) == PositionStatus.ACTIVE:
                avg = row.get("average_price")
                return OpenPosition(
                    net_quantity=net,
                    trade_type=TradeType(row.get("trade_type", trade_type)),
                    average_price=Decimal(avg) if avg is not None else None,
                )
        return None
