"""What market-data answers the gateway over internal HTTP, parsed once at the peer client
(market_data_client.py): an instrument is the shared InstrumentDetails contract; a search
match adds why it matched; a reload says what was loaded."""

from common.contracts.instruments import InstrumentDetails
from common.views import View


class TokenMatch(InstrumentDetails):
    """GET /internal/tokens/search: one instrument, best match first."""

    match: str
    """Why it matched: exact_symbol, symbol_prefix, token, name."""


class ReloadOutcome(View):
    """POST /internal/instruments/reload: the load that replaced the master."""

    load_id: int
    source: str
    exchanges: list[str]
    rows: int
    instruments: int
