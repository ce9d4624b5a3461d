"""The gateway's calls to market-data: token search, one instrument, reload, and the
instruments an order is checked against (kept for a while: they change only on reload).

Errors follow the peers' policy (gateway/peers.py), except that market-data's own
404/409/422/502 pass through with its detail: they tell the user what to fix.

Instruments change only when the token master is reloaded, so a tradeable instrument is
kept for `instrument_cache_seconds` (GatewaySettings) instead of one market-data call per
order; an unknown or untradeable token is asked again every time (its 422 stays exact).
"""

import asyncio
import time
from typing import Annotated, Any

import httpx
from common.contracts.instruments import Instrument, InstrumentDetails
from common.enums import Exchange
from fastapi import Depends, HTTPException, Request

from gateway import deps
from gateway.market_data_views import ReloadOutcome, TokenMatch
from gateway.peers import Peer, PeersDep, PeerUnavailable, peers_of

_PASS_THROUGH = {404, 409, 422, 502}


class MarketDataClient:
    def __init__(self, peer: Peer) -> None:
        self.peer = peer

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.peer.send(method, path, **kwargs)
        if response.status_code in _PASS_THROUGH:
            raise HTTPException(response.status_code, _detail(response))
        if response.status_code >= 400:
            raise PeerUnavailable(self.peer.name, f"HTTP {response.status_code}")
        return response.json()

    async def search(self, q: str, limit: int) -> list[TokenMatch]:
        found = await self._call("GET", "/internal/tokens/search", params={"q": q, "limit": limit})
        return [TokenMatch.model_validate(m) for m in found]

    async def instrument(self, token: int, exchange: Exchange | None) -> InstrumentDetails:
        params = {"exchange": exchange.value} if exchange else {}
        found = await self._call("GET", f"/internal/instruments/{token}", params=params)
        return InstrumentDetails.model_validate(found)

    async def reload(self, body: dict[str, Any]) -> ReloadOutcome:
        # A full exchange master takes a few seconds to download and load.
        result = await self._call("POST", "/internal/instruments/reload", json=body, timeout=120)
        return ReloadOutcome.model_validate(result)


class UnknownInstrument(Exception):
    def __init__(self, message: str, field: str = "token_id") -> None:
        super().__init__(message)
        self.field = field


class InstrumentCache:
    """Tradeable instruments by (token, exchange asked), each for `seconds` (per process)."""

    def __init__(self, seconds: float, max_entries: int = 20_000) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._found: dict[tuple[int, Exchange | None], tuple[float, Instrument]] = {}
        self.fetching: dict[tuple[int, Exchange | None], asyncio.Task[Instrument]] = {}
        """Lookups in flight: the orders of a burst that all miss share one market-data call."""

    def get(self, token: int, exchange: Exchange | None) -> Instrument | None:
        found = self._found.get((token, exchange))
        if found is None or found[0] <= time.monotonic():
            return None
        return found[1]

    def put(self, token: int, exchange: Exchange | None, instrument: Instrument) -> None:
        if self.seconds <= 0:
            return
        if len(self._found) >= self.max_entries:
            self._found.clear()  # far more tokens than any desk trades: start over
        self._found[(token, exchange)] = (time.monotonic() + self.seconds, instrument)


class InstrumentClient:
    """Instruments from market-data (`GET /internal/instruments/{token}`)."""

    def __init__(self, peer: Peer, cache: InstrumentCache | None = None) -> None:
        self.peer = peer
        self.cache = cache or InstrumentCache(0)

    async def get(self, token: int, exchange: Exchange | None) -> Instrument:
        cached = self.cache.get(token, exchange)
        if cached is not None:
            return cached
        key = (token, exchange)
        fetch = self.cache.fetching.get(key)
        if fetch is None:
            fetch = asyncio.create_task(self._fetch(token, exchange))
            self.cache.fetching[key] = fetch
            fetch.add_done_callback(lambda _: self.cache.fetching.pop(key, None))
        # shielded: one caller going away (a client disconnect) must not cancel the others'
        instrument = await asyncio.shield(fetch)
        self.cache.put(token, exchange, instrument)
        return instrument

    async def _fetch(self, token: int, exchange: Exchange | None) -> Instrument:
        params = {"exchange": exchange.value} if exchange else {}
        response = await self.peer.send("GET", f"/internal/instruments/{token}", params=params)
        if response.status_code == 404:
            where = f" on {exchange}" if exchange else ""
            raise UnknownInstrument(f"token {token}{where} is not in the instrument master")
        if response.status_code == 409:
            raise UnknownInstrument(str(_detail(response)), field="exchange")
        if response.status_code >= 400:
            raise PeerUnavailable(self.peer.name, f"HTTP {response.status_code}")
        details = InstrumentDetails.model_validate(response.json())
        if not details.tradeable:
            raise UnknownInstrument(
                f"token {token} ({details.symbol}, {details.instrument_type}) cannot be ordered"
            )
        return details.instrument()


def _detail(response: httpx.Response) -> Any:
    try:
        return response.json().get("detail", response.text)
    except ValueError:
        return response.text


async def market_data_client(peers: PeersDep) -> MarketDataClient:
    return MarketDataClient(peers.market_data)


async def instrument_client(request: Request) -> InstrumentClient:
    runtime = deps.runtime(request)
    cache: InstrumentCache | None = getattr(request.app.state, "instrument_cache", None)
    if cache is None:
        cache = InstrumentCache(deps.settings(request).instrument_cache_seconds)
        request.app.state.instrument_cache = cache
    return InstrumentClient(peers_of(runtime).market_data, cache)


MarketData = Annotated[MarketDataClient, Depends(market_data_client)]
Instruments = Annotated[InstrumentClient, Depends(instrument_client)]
