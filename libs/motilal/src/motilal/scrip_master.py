"""Motilal's instrument master (getscripmastercsv): one CSV per exchange, no login."""

import csv
import io

from motilal.errors import BrokerUnavailable
from motilal.http import AnswerLost, MotilalHttp, NeverSent
from motilal.models import ScripRow
from motilal.paths import PATHS, Endpoint


class ScripMaster:
    """Reads the master over the pooled connections to Motilal's REST host."""

    def __init__(self, http: MotilalHttp) -> None:
        self._http = http

    async def rows(self, exchange: str) -> list[dict[str, str]]:
        """The rows as Motilal wrote them (market-data parses and counts bad ones)."""
        try:
            path, params = PATHS[Endpoint.SCRIP_MASTER_CSV], {"name": exchange}
            response = await self._http.get(path, params)
        except (NeverSent, AnswerLost) as exc:
            raise BrokerUnavailable(f"scrip master: {exc}") from exc
        if response.status != 200:
            raise BrokerUnavailable(f"scrip master {exchange}: HTTP {response.status}")
        text = response.body.decode("utf-8", errors="replace")
        return list(csv.DictReader(io.StringIO(text)))

    async def instruments(self, exchange: str) -> list[ScripRow]:
        """The rows parsed; a bad row raises (rows() is the lenient path)."""
        return [ScripRow.from_row(row) for row in await self.rows(exchange)]
