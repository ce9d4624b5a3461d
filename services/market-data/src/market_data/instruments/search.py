"""Instrument search: ranked, in memory, rebuilt whenever the master is (re)loaded.

Why in memory rather than PostgreSQL (pg_trgm or a prefix index): a full exchange master is
tens of thousands of short rows (a few MB), the ranking mixes four kinds of match that SQL
would need a UNION of four queries for, and every keystroke of a search box asks again.
Sorted arrays and `bisect` answer a prefix in O(log n + k) with no round trip, so a query
costs microseconds; the database stays the system of record and each replica rebuilds its
index when a new load is committed (see `catalog.py`).

Ranking, best first:
  1. exact symbol          RELIANCE  -> RELIANCE (NSE, then BSE)
  2. symbol prefix         RELI      -> RELIANCE, RELIGARE, ... (shorter symbols first)
  3. token number          2885      -> 2885; then tokens starting with the digits
  4. words of the name     "state bank" -> SBIN ("State Bank of India")
Within a rank, cash exchanges come before derivatives (see EXCHANGE_ORDER).
"""

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from market_data.instruments.records import InstrumentRecord

_WORD = re.compile(r"[A-Z0-9&]+")
MAX_QUERY_WORDS = 6


class Match(StrEnum):
    EXACT_SYMBOL = "exact_symbol"
    SYMBOL_PREFIX = "symbol_prefix"
    TOKEN = "token"  # noqa: S105 (a token number, not a secret)
    NAME = "name"


@dataclass(frozen=True, slots=True)
class Hit:
    record: InstrumentRecord
    match: Match


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.upper())


class PrefixIndex:
    """Keys grouped by length, each group sorted: prefix matches come out shortest first.

    Walking lengths in order means "RELI" yields RELIANCE (8 letters) before the 17-letter
    option symbols of the same prefix, without sorting the whole range at query time.
    """

    def __init__(self, entries: Sequence[tuple[str, tuple[int, ...], int]]) -> None:
        # entries: (key, tie-break, record id)
        groups: dict[int, list[tuple[str, tuple[int, ...], int]]] = defaultdict(list)
        for entry in entries:
            groups[len(entry[0])].append(entry)
        self._lengths = sorted(groups)
        self._keys: dict[int, list[str]] = {}
        self._ids: dict[int, list[int]] = {}
        for length, group in groups.items():
            group.sort()
            self._keys[length] = [key for key, _, _ in group]
            self._ids[length] = [rid for _, _, rid in group]

    def exact(self, key: str) -> Iterator[int]:
        keys = self._keys.get(len(key))
        if keys is None:
            return
        i = bisect_left(keys, key)
        while i < len(keys) and keys[i] == key:
            yield self._ids[len(key)][i]
            i += 1

    def prefixed(self, prefix: str, *, longer_only: bool = False) -> Iterator[int]:
        start = bisect_left(self._lengths, len(prefix) + (1 if longer_only else 0))
        for length in self._lengths[start:]:
            keys, ids = self._keys[length], self._ids[length]
            i = bisect_left(keys, prefix)
            while i < len(keys) and keys[i].startswith(prefix):
                yield ids[i]
                i += 1


class SearchIndex:
    def __init__(self, records: Sequence[InstrumentRecord]) -> None:
        self._records = list(records)
        symbols, tokens, words = [], [], []
        for rid, record in enumerate(self._records):
            tie = (record.exchange_rank, record.token)
            symbols.append((record.symbol.upper(), tie, rid))
            tokens.append((str(record.token), (record.exchange_rank,), rid))
            for word in set(words_of(record.name)):
                words.append((word, (len(record.symbol), *tie), rid))
        self._symbols = PrefixIndex(symbols)
        self._tokens = PrefixIndex(tokens)
        self._words = PrefixIndex(words)

    def __len__(self) -> int:
        return len(self._records)

    def search(self, query: str, limit: int = 20) -> list[Hit]:
        text = " ".join(query.upper().split())
        if not text or limit <= 0:
            return []
        compact = text.replace(" ", "")
        hits: list[Hit] = []
        seen: set[int] = set()

        def take(ids: Iterator[int], match: Match) -> bool:
            """Add ids not seen yet; True once `limit` is reached."""
            for rid in ids:
                if rid not in seen:
                    seen.add(rid)
                    hits.append(Hit(self._records[rid], match))
                    if len(hits) >= limit:
                        return True
            return False

        if take(self._symbols.exact(compact), Match.EXACT_SYMBOL):
            return hits
        if take(self._symbols.prefixed(compact, longer_only=True), Match.SYMBOL_PREFIX):
            return hits
        if compact.isdigit():
            if take(self._tokens.exact(compact), Match.TOKEN):
                return hits
            if take(self._tokens.prefixed(compact, longer_only=True), Match.TOKEN):
                return hits
        take(self._name_matches(text), Match.NAME)
        return hits

    def _name_matches(self, text: str) -> Iterator[int]:
        """Records whose name has, for every query word, a word starting with it."""
        query_words = list(dict.fromkeys(words_of(text)))[:MAX_QUERY_WORDS]
        if not query_words:
            return iter(())
        if len(query_words) == 1:
            # Already ordered: shorter matching words first, then shorter symbols.
            return self._words.prefixed(query_words[0])
        candidates: set[int] | None = None
        # Longest word first: it is usually the rarest, so the intersection stays small.
        for word in sorted(query_words, key=len, reverse=True):
            found = set(self._words.prefixed(word))
            candidates = found if candidates is None else candidates & found
            if not candidates:
                return iter(())
        assert candidates is not None
        return iter(sorted(candidates, key=self._rank_key))

    def _rank_key(self, rid: int) -> tuple[int, str, int, int]:
        record = self._records[rid]
        return (len(record.symbol), record.symbol, record.exchange_rank, record.token)
