"""Clients reached through a dealer: which dealer serves a client, and the client's view of
the dealer's session.

A client registered with a `dealer_id` has no login of its own. The dealer's one session
(named `dealer_key(dealer_id)`: logged in, shared across replicas in Redis, refreshed daily
and after expiry exactly as a client's) acts for it, sending the client's code as
`clientcode` in every body (motilal.dealer.ClientOfDealer; Motilal answers MO1062 without
it). The dealer's session state is its clients' state (login.LoginFlow.set_state marks
them), and a dealer that cannot log in makes each of its clients' calls unavailable with the
dealer's reason.
"""

import asyncio
import time
from dataclasses import dataclass

from common.contracts.accounts import dealer_key, dealer_of_key
from motilal.dealer import ClientOfDealer

from broker_adapter.sessions import store_sessions
from broker_adapter.sessions.login import Infra
from broker_adapter.sessions.session import BrokerSession, SessionUnavailable
from broker_adapter.sessions.store_sessions import Account


@dataclass(frozen=True)
class Route:
    """A client reached through a dealer: the dealer's session key and the client's account."""

    dealer_id: str
    account: Account

    @property
    def dealer_key(self) -> str:
        return dealer_key(self.dealer_id)


def _route_of(account: Account) -> Route:
    assert account.dealer_id is not None
    return Route(account.dealer_id, account)


ROUTE_TTL_SECONDS = 30.0
"""How long the routes read from `accounts` are trusted: the registry change reaches one
adapter replica (its consumer group), the others notice within this time."""


class DealerRoutes:
    """Per process: every dealer client's route, read from `accounts` in one query at most
    every ROUTE_TTL_SECONDS (a client not among them logs in itself), a client the registry
    changes here re-read alone at once; and each client's view of its dealer's session.

    One read for all, not one per client: a 1,000-client burst after a quiet half minute
    cost a query per order before."""

    def __init__(self, infra: Infra) -> None:
        self._infra = infra  # its pool opens with the service, after this is made
        self._routes: dict[str, Route] = {}
        self._read_at = float("-inf")
        self._reading: asyncio.Task[None] | None = None
        self._changed: set[str] = set()
        self._views: dict[str, tuple[BrokerSession, BrokerSession]] = {}

    async def route(self, client_id: str) -> Route | None:
        """The client's dealer route, or None for a client with its own login (or a dealer)."""
        if dealer_of_key(client_id) is not None:
            return None
        if time.monotonic() - self._read_at >= ROUTE_TTL_SECONDS:
            if self._reading is None or self._reading.done():  # one read for every caller
                self._reading = asyncio.ensure_future(self._read_all())
            await asyncio.shield(self._reading)
        if client_id in self._changed:
            self._changed.discard(client_id)
            account = await store_sessions.get_account(self._infra.pool, client_id)
            self._put(client_id, account)
        return self._routes.get(client_id)

    async def _read_all(self) -> None:
        read_at = time.monotonic()
        accounts = await store_sessions.dealer_clients(self._infra.pool)
        self._routes = {a.client_id: _route_of(a) for a in accounts if a.dealer_id is not None}
        self._read_at = read_at

    def _put(self, client_id: str, account: Account | None) -> None:
        # not in the registry (yet), or no dealer: its own login (or dev mode's fallback)
        if account is None or account.dealer_id is None:
            self._routes.pop(client_id, None)
        else:
            self._routes[client_id] = _route_of(account)

    def forget(self, client_id: str) -> None:
        self._changed.add(client_id)
        self._views.pop(client_id, None)

    def through(self, route: Route, dealer: BrokerSession) -> BrokerSession:
        """The client's session over `dealer` (the same object while the dealer's lasts)."""
        client_id = route.account.client_id
        known = self._views.get(client_id)
        if known is not None and known[0] is dealer:
            return known[1]
        code = route.account.motilal_client_id
        try:
            client = ClientOfDealer(dealer.client, code)
        except ValueError as error:
            raise SessionUnavailable(client_id, str(error), "DEALER", state="FAILED") from None
        session = BrokerSession(client_id, code, client, dealer.expires_at)
        self._views[client_id] = (dealer, session)
        return session

    @staticmethod
    def unavailable(route: Route, error: SessionUnavailable) -> SessionUnavailable:
        """The dealer's missing session, told as the client's."""
        return SessionUnavailable(
            route.account.client_id,
            f"through dealer {route.dealer_id}: {error.reason}",
            error.error_code,
            state=error.state,
        )
