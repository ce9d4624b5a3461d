"""Motilal's instrument master (getscripmastercsv): one CSV per exchange, no login."""

import csv
import io

import httpx

from motilal.errors import BrokerUnavailable
from motilal.models import ScripRow
from motilal.paths import PATHS, Endpoint


class ScripMaster:
    """Reads the master over a pooled client (`make_http_client`: its base URL is Motilal's)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def rows(self, exchange: str) -> list[dict[str, str]]:
        """The rows as Motilal wrote them (market-data parses and counts bad ones)."""
        try:
            path, params = PATHS[Endpoint.SCRIP_MASTER_CSV], {"name": exchange}
            response = await self._http.get(path, params=params)
        except httpx.TransportError as exc:
            raise BrokerUnavailable(f"scrip master: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise BrokerUnavailable(f"scrip master {exchange}: HTTP {response.status_code}")
        return list(csv.DictReader(io.StringIO(response.text)))

    async def instruments(self, exchange: str) -> list[ScripRow]:
        """The rows parsed; a bad row raises (rows() is the lenient path)."""
        return [ScripRow.from_row(row) for row in await self.rows(exchange)]
