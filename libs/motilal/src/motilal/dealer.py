"""Clients reached through a dealer: one login with the dealer's credentials, and the client's
code in every body (reference A.5: "mandatory in case of Dealer", MO1062 without it).

A plain client must not send `clientcode` (MO2031), so only these views add it.
"""

from typing import Any

from motilal.client import MotilalClient
from motilal.envelope import Body
from motilal.feed.orders import OrderStream
from motilal.models import Session
from motilal.paths import Endpoint


class ClientOfDealer(MotilalClient):
    """One client's typed API over its dealer's session: every authenticated call goes
    through the dealer (its token, its one re-login) with `clientcode` set to this client.
    Logging in, OTP and logout act on the dealer's session, which all its clients share."""

    def __init__(self, dealer: MotilalClient, client_code: str) -> None:
        code = client_code.strip().upper()
        if not code:
            raise ValueError("client_code: a dealer's client needs its client code")
        if code == dealer.client_code:
            raise ValueError(f"client_code: {code} is the dealer itself (MO1087)")
        super().__init__(
            dealer._settings, dealer._credentials, http=dealer._http, relogin_on_expiry=False
        )
        self._dealer = dealer
        self._code = code

    @property
    def client_code(self) -> str:
        return self._code

    @property
    def dealer_code(self) -> str:
        return self._dealer.client_code

    @property
    def session(self) -> Session | None:
        return self._dealer.session

    async def login(self) -> Session:
        return await self._dealer.login()

    async def verify_otp(self, otp: str) -> Session:
        return await self._dealer.verify_otp(otp)

    async def resend_otp(self) -> None:
        await self._dealer.resend_otp()

    async def logout(self) -> None:
        """Nothing: the dealer's session serves its other clients too; log the dealer out."""

    def use_token(self, auth_token: str, *, verified: bool = True) -> None:
        self._dealer.use_token(auth_token, verified=verified)

    def order_stream(self, url: str | None = None, **options: Any) -> OrderStream:
        """The dealer's stream (its login carries every client's updates)."""
        return self._dealer.order_stream(url, **options)

    async def _call(self, endpoint: Endpoint, body: Body | None = None) -> Body:
        return await self._dealer._call(endpoint, {**(body or {}), "clientcode": self._code})
