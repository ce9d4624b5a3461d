"""Internal HTTP API (for the gateway and the order-router; not exposed to users).

GET  /internal/instruments/{token}?exchange=   one instrument (404 unknown, 409 ambiguous)
GET  /internal/instruments?tokens=1,2,3         many (unknown tokens are left out)
GET  /internal/tokens/search?q=&limit=          ranked search
POST /internal/instruments/reload               reload from the token file or Motilal
GET  /internal/quotes/{token}?exchange=         the latest quote (from Redis)
GET  /internal/feed                              the quote feed's state and subscriptions
"""

from collections.abc import Callable
from typing import Annotated, Any, Literal

from common.contracts.instruments import InstrumentDetails
from common.contracts.quotes import Quote
from common.enums import Exchange
from common.problems import invalid, problem
from common.redis_keys import latest_quote
from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import JSONResponse
from motilal.errors import MotilalError
from pydantic import BaseModel, Field
from redis.asyncio import Redis

from market_data.instruments.catalog import Catalog, ScripMasterEmpty
from market_data.instruments.master import AmbiguousToken, UnknownToken
from market_data.instruments.search import Match
from market_data.instruments.token_file import TokenFileError

MAX_TOKENS_PER_CALL = 1000
MAX_SEARCH_RESULTS = 100


class SearchResult(InstrumentDetails):
    match: Match = Field(description="why it matched: exact_symbol, symbol_prefix, token, name")


class ReloadRequest(BaseModel):
    source: Literal["file", "scrip_master"] = Field(
        default="file",
        description="file: the configured token CSV; scrip_master: Motilal's getscripmastercsv",
    )
    exchanges: list[Exchange] = Field(
        default_factory=lambda: [Exchange.NSE, Exchange.BSE],
        description="for scrip_master: the exchanges to download (each replaces its own rows)",
    )
    actor: str = Field(default="unknown", description="who asked (logged with the load)")


class ReloadResult(BaseModel):
    load_id: int
    source: str
    exchanges: list[str]
    rows: int
    instruments: int = Field(description="instruments in the master after the load, all layers")


def parse_tokens(text: str) -> list[int]:
    tokens: list[int] = []
    for part in text.split(","):
        item = part.strip()
        if not item:
            continue
        if not item.isdigit() or int(item) <= 0:
            raise invalid([problem(["query", "tokens"], f"tokens: {item!r} is not a token number")])
        tokens.append(int(item))
    if len(tokens) > MAX_TOKENS_PER_CALL:
        many = f"tokens: {len(tokens)} given, at most {MAX_TOKENS_PER_CALL} per call"
        raise invalid([problem(["query", "tokens"], many)])
    return list(dict.fromkeys(tokens))


def build_router(
    catalog: Catalog,
    redis: Callable[[], Redis],
    feed_status: Callable[[], dict[str, Any]],
) -> APIRouter:
    router = APIRouter(prefix="/internal", tags=["internal"])

    @router.get("/instruments/{token}", response_model=InstrumentDetails)
    async def instrument(token: int, exchange: Exchange | None = None) -> InstrumentDetails:
        try:
            return catalog.master.get(token, exchange).details()
        except UnknownToken as error:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
        except AmbiguousToken as error:
            raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None

    @router.get("/instruments", response_model=list[InstrumentDetails])
    async def instruments(
        tokens: Annotated[str, Query(description="comma-separated token numbers")],
        exchange: Exchange | None = None,
    ) -> list[InstrumentDetails]:
        """Every listed instrument found (a token on two exchanges gives two, cash first)."""
        master = catalog.master
        return [
            record.details()
            for token in parse_tokens(tokens)
            for record in master.listings(token)
            if exchange is None or record.exchange == exchange
        ]

    @router.get("/tokens/search", response_model=list[SearchResult])
    async def search(
        q: Annotated[str, Query(min_length=1, max_length=100, description="symbol, name or token")],
        limit: Annotated[int, Query(ge=1, le=MAX_SEARCH_RESULTS)] = 20,
    ) -> list[SearchResult]:
        return [
            SearchResult(**hit.record.details().model_dump(), match=hit.match)
            for hit in catalog.master.search(q, limit)
        ]

    @router.post("/instruments/reload", response_model=ReloadResult)
    async def reload(request: ReloadRequest) -> Any:
        try:
            if request.source == "file":
                info = await catalog.reload_file(request.actor)
            else:
                if not request.exchanges:
                    none = "exchanges: name at least one exchange to download"
                    raise invalid([problem(["body", "exchanges"], none)])
                info = await catalog.reload_scrip_master(request.exchanges, request.actor)
        except TokenFileError as error:
            return JSONResponse(
                {"detail": token_file_problems(error)},
                status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        except ScripMasterEmpty as error:
            # The broker lists nothing for that exchange: name it, as for any bad field.
            where = ["body", "exchanges", request.exchanges.index(error.exchange)]
            raise invalid([problem(where, str(error))]) from None
        except MotilalError as error:
            raise HTTPException(
                status.HTTP_502_BAD_GATEWAY,
                f"Motilal's scrip master could not be downloaded ({error}); "
                "the current master was kept",
            ) from None
        return ReloadResult(
            load_id=info.id,
            source=info.source,
            exchanges=info.exchanges,
            rows=info.rows,
            instruments=len(catalog.master),
        )

    @router.get("/quotes/{token}", response_model=Quote)
    async def quote(token: int, exchange: Exchange | None = None) -> Quote:
        """Without `exchange` the token must name one instrument (409 when it is on two)."""
        if exchange is None:
            exchange = (await instrument(token, None)).exchange
        found = await latest_quote(redis(), exchange, token)
        if found is None:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"no quote yet for {exchange.value} token {token}"
            )
        return found

    @router.get("/feed")
    async def feed() -> dict[str, Any]:
        return feed_status()

    return router


def token_file_problems(error: TokenFileError) -> list[dict[str, Any]]:
    return [
        problem([error.source, f"line {p.line}", *([p.field] if p.field else [])], line)
        for p, line in zip(error.problems, error.lines(), strict=True)
    ]
