"""Which Motilal account the quote feed and the REST fallback use.

Production: MARKET_DATA_FEED_CLIENT plus its secrets (MARKET_DATA_FEED_PASSWORD, _API_KEY,
_TWO_FA, _TOTP_SECRET) from the environment / a secret store. Embedded dev mode: the named
(or first) account of data/sim-accounts.json, so `make run` needs no setup.
"""

import json
from pathlib import Path

from motilal import Credentials
from pydantic import SecretStr

from market_data.config import MarketDataSettings


class FeedAccountMissing(RuntimeError):
    pass


def feed_credentials(settings: MarketDataSettings) -> Credentials:
    s = settings
    if s.feed_client and s.feed_password and s.feed_api_key and s.feed_two_fa:
        return Credentials(
            client_code=s.feed_client,
            password=s.feed_password,
            api_key=s.feed_api_key,
            two_fa=s.feed_two_fa,
            totp_secret=s.feed_totp_secret,
        )
    if not s.dev_mode:
        raise FeedAccountMissing(
            "set MARKET_DATA_FEED_CLIENT, MARKET_DATA_FEED_PASSWORD, MARKET_DATA_FEED_API_KEY "
            "and MARKET_DATA_FEED_TWO_FA (and MARKET_DATA_FEED_TOTP_SECRET) for the quote feed"
        )
    return _dev_account(s.sim_accounts, s.feed_client)


def _dev_account(path: Path, client_code: str | None) -> Credentials:
    accounts = json.loads(path.read_text())
    for account in accounts:
        if client_code is None or account["client_code"].upper() == client_code.upper():
            return Credentials(
                client_code=account["client_code"],
                password=SecretStr(account["password"]),
                api_key=SecretStr(account["api_key"]),
                two_fa=SecretStr(account["dob"]),
                totp_secret=SecretStr(account["totp_secret"])
                if account.get("totp_secret")
                else None,
            )
    raise FeedAccountMissing(f"{client_code} is not an account in {path}")
