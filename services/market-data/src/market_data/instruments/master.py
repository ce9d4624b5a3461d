"""The token master held in memory: lookups by token (and exchange) and search.

Immutable once built; a reload builds a new one and swaps it in, so a request never sees
half of an old master and half of a new one.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence

from common.enums import Exchange

from market_data.instruments.records import InstrumentRecord
from market_data.instruments.search import Hit, SearchIndex


class UnknownToken(LookupError):
    def __init__(self, token: int, exchange: Exchange | None = None) -> None:
        self.token = token
        where = f" on {exchange}" if exchange else ""
        super().__init__(f"unknown token {token}{where}")


class AmbiguousToken(LookupError):
    def __init__(self, token: int, exchanges: Sequence[Exchange]) -> None:
        self.token = token
        self.exchanges = list(exchanges)
        listed = " and ".join(e.value for e in exchanges)
        super().__init__(f"token {token} is listed on {listed}; pass ?exchange= to choose")


class InstrumentMaster:
    def __init__(self, records: Iterable[InstrumentRecord], version: int = 0) -> None:
        self.version = version
        self._by_key: dict[tuple[Exchange, int], InstrumentRecord] = {}
        by_token: dict[int, list[InstrumentRecord]] = defaultdict(list)
        for record in records:
            self._by_key[record.key] = record
            by_token[record.token].append(record)
        self._by_token = {
            token: sorted(found, key=lambda r: r.exchange_rank) for token, found in by_token.items()
        }
        self._index = SearchIndex(list(self._by_key.values()))

    def __len__(self) -> int:
        return len(self._by_key)

    def records(self) -> list[InstrumentRecord]:
        return list(self._by_key.values())

    def get(self, token: int, exchange: Exchange | None = None) -> InstrumentRecord:
        """The instrument; AmbiguousToken when the number is on several exchanges and none given."""
        if exchange is not None:
            record = self._by_key.get((exchange, token))
            if record is None:
                raise UnknownToken(token, exchange)
            return record
        found = self._by_token.get(token)
        if not found:
            raise UnknownToken(token)
        if len(found) > 1:
            raise AmbiguousToken(token, [r.exchange for r in found])
        return found[0]

    def listings(self, token: int) -> list[InstrumentRecord]:
        """Every exchange's instrument with this number, cash markets first."""
        return list(self._by_token.get(token, ()))

    def preferred(self, token: int) -> InstrumentRecord | None:
        """The instrument a bare token most likely means (cash market first), or None."""
        found = self._by_token.get(token)
        return found[0] if found else None

    def search(self, query: str, limit: int = 20) -> list[Hit]:
        return self._index.search(query, limit)
