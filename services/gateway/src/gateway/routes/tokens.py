"""Tokens: search, one token with its latest quote, master reload (issue 7).

Issue 6 adds GET /tokens/{token_id}/holders in its own module or below; the search route
is declared before /tokens/{token_id} so "search" is never read as a token id.
"""

from typing import Annotated, Any, Literal

from common.contracts.instruments import TOKEN_MAX
from common.enums import Exchange
from common.redis_keys import latest_quote
from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from gateway import audit, deps
from gateway.auth.deps import Admin, Viewer
from gateway.fresh_quote import fresh_quote, usable
from gateway.market_data_client import MarketData

router = APIRouter(prefix="/api/v1", tags=["tokens"])


class ReloadIn(BaseModel):
    source: Literal["file", "scrip_master"] = Field(
        default="file",
        description="file: market-data's token CSV (data/tokens.csv); "
        "scrip_master: Motilal's scrip master CSV for `exchanges`",
    )
    exchanges: list[Exchange] = Field(
        default_factory=lambda: [Exchange.NSE, Exchange.BSE],
        description="scrip_master only: exchanges to download; each replaces its own rows",
    )


@router.get(
    "/tokens/search",
    summary="Find instruments by symbol prefix, name words or token number, best match first",
)
async def search_tokens(
    user: Viewer,
    market_data: MarketData,
    q: Annotated[str, Query(min_length=1, max_length=100, description="e.g. RELI, state bank")],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[dict[str, Any]]:
    """Ranking: exact symbol, then symbol prefix (shorter first), then token number, then
    words of the name. Each result says why it matched in `match`."""
    return [m.model_dump(mode="json") for m in await market_data.search(q, limit)]


@router.get("/tokens/{token_id}", summary="One instrument and its latest quote")
async def get_token(
    user: Viewer,
    market_data: MarketData,
    redis: deps.RedisClient,
    token_id: Annotated[int, Path(gt=0, le=TOKEN_MAX)],
    exchange: Exchange | None = None,
) -> dict[str, Any]:
    """Without a cached quote the token is subscribed for a while and its first price
    awaited (a few seconds); `quote` is null only if none came in that time."""
    details = await market_data.instrument(token_id, exchange)
    instrument = details.model_dump(mode="json")
    quote = await latest_quote(redis, details.exchange, token_id)
    if not usable(quote, details.exchange):  # nobody watches it: ask market-data now
        quote = await fresh_quote(redis, token_id, details.exchange)
    if quote is not None and usable(quote, details.exchange):
        instrument["quote"] = quote.model_dump(
            mode="json", exclude={"event_id", "type", "schema_version", "correlation_id",
                                  "causation_id", "actor", "occurred_at"}
        )  # fmt: skip
    else:
        instrument["quote"] = None
    return instrument


@router.post("/tokens/reload", summary="Reload the token master (admin)")
async def reload_tokens(
    user: Admin, market_data: MarketData, pool: deps.Pool, body: ReloadIn | None = None
) -> dict[str, Any]:
    """All or nothing: a file with a bad row is refused whole (422 naming line, field and
    reason) and the current master stays; an exchange Motilal lists nothing for is a 422
    naming it; Motilal unreachable is a 502."""
    request = body or ReloadIn()
    outcome = await market_data.reload({**request.model_dump(mode="json"), "actor": user.username})
    result = outcome.as_json()
    await audit.record(pool, user, "tokens.reload", request.source, result)
    return result
