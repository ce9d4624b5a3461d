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


ROUTE_TTL_SECONDS = 30.0
"""How long a client's route is trusted before `accounts` is read again: the registry change
reaches one adapter replica (its consumer group), the others notice within this time."""


class DealerRoutes:
    """Per process: each client's route (read from `accounts`, forgotten when the registry
    changes the client here, re-read after ROUTE_TTL_SECONDS) and its view of the dealer's
    current session."""

    def __init__(self, infra: Infra) -> None:
        self._infra = infra  # its pool opens with the service, after this is made
        self._routes: dict[str, tuple[float, Route | None]] = {}
        self._views: dict[str, tuple[BrokerSession, BrokerSession]] = {}

    async def route(self, client_id: str) -> Route | None:
        """The client's dealer route, or None for a client with its own login (or a dealer)."""
        if dealer_of_key(client_id) is not None:
            return None
        known = self._routes.get(client_id)
        if known is not None and time.monotonic() - known[0] < ROUTE_TTL_SECONDS:
            return known[1]
        account = await store_sessions.get_account(self._infra.pool, client_id)
        # not in the registry (yet): its own login, or dev mode's fallback accounts
        route = (
            None
            if account is None or account.dealer_id is None
            else Route(account.dealer_id, account)
        )
        self._routes[client_id] = (time.monotonic(), route)
        return route

    def forget(self, client_id: str) -> None:
        self._routes.pop(client_id, None)
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
