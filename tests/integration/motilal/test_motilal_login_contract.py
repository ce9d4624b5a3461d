import logging

import httpx
import pyotp
import pytest
from motilal import LoginFailed, LoginFailure, MotilalClient, SessionExpired
from motilal.auth import password_hash
from motilal.config import MotilalSettings
from motilal.headers import build_headers
from motilal.paths import PATHS, Endpoint
from motilal_sim.testing import RunningSimulator
from motilal_testkit import ACCOUNTS, ClientFactory, SimControl, credentials


async def test_login_with_totp_returns_verified_session(make_client: ClientFactory) -> None:
    client = await make_client(0)
    assert client.session is not None and client.session.verified
    assert client.session.expires_at > client.session.logged_in_at
    assert await client.order_book() == []


@pytest.mark.parametrize(
    ("changes", "code", "category"),
    [
        ({"password": "not-the-password"}, "MO1000", LoginFailure.WRONG_PASSWORD),
        ({"client_code": "ZZZ9999"}, "MO1001", LoginFailure.WRONG_PASSWORD),
        ({"two_fa": "01/01/1900"}, "MO1007", LoginFailure.WRONG_2FA),
        ({"totp_secret": pyotp.random_base32()}, "MO1093", LoginFailure.TOTP),
        ({"api_key": ACCOUNTS[1]["api_key"]}, "MO1004", LoginFailure.API_KEY),
        ({"api_key": "nosuchkey"}, "MO1005", LoginFailure.API_KEY),
    ],
    ids=["password", "userid", "2fa", "totp", "other-users-key", "unknown-key"],
)
async def test_login_wrong_input_raises_login_failed_with_category(
    make_client: ClientFactory, changes: dict[str, str], code: str, category: LoginFailure
) -> None:
    client = await make_client(0, login=False, creds=credentials(0, **changes))
    with pytest.raises(LoginFailed) as failure:
        await client.login()
    assert failure.value.code == code and failure.value.category is category


async def test_login_with_pan_as_second_factor_succeeds(make_client: ClientFactory) -> None:
    client = await make_client(0, login=False, creds=credentials(0, two_fa=ACCOUNTS[0]["pan"]))
    assert (await client.login()).verified


async def test_login_from_unregistered_ip_is_refused_mo2035(make_client: ClientFactory) -> None:
    index = next(i for i, a in enumerate(ACCOUNTS) if a["allowed_ips"])
    client = await make_client(index, login=False)
    with pytest.raises(LoginFailed) as failure:
        await client.login()
    assert failure.value.category is LoginFailure.IP_NOT_WHITELISTED
    allowed = ACCOUNTS[index]["allowed_ips"][0]
    ok = await make_client(index, login=False, settings={"client_public_ip": allowed})
    assert (await ok.login()).verified


async def test_login_after_five_wrong_passwords_is_locked(make_client: ClientFactory) -> None:
    bad = await make_client(2, login=False, creds=credentials(2, password="wrong"))
    for _ in range(5):
        with pytest.raises(LoginFailed):
            await bad.login()
    good = await make_client(2, login=False)
    with pytest.raises(LoginFailed) as failure:
        await good.login()
    assert failure.value.category is LoginFailure.LOCKED


async def test_login_without_totp_needs_otp_before_trading(
    make_client: ClientFactory, control: SimControl
) -> None:
    client = await make_client(1, login=False, creds=credentials(1, totp=False))
    session = await client.login()
    assert not session.verified
    with pytest.raises(SessionExpired) as unverified:
        await client.order_book()
    assert unverified.value.code == "MO8001"
    sent = await control.otp(ACCOUNTS[1]["client_code"])
    with pytest.raises(LoginFailed) as wrong:
        await client.verify_otp(f"{(int(sent) + 1) % 10**6:06d}")
    assert wrong.value.code == "MO1095"
    await client.resend_otp()
    session = await client.verify_otp(await control.otp(ACCOUNTS[1]["client_code"]))
    assert session.verified
    assert await client.positions() == []


async def test_otp_badly_formatted_is_refused_mo1099(make_client: ClientFactory) -> None:
    client = await make_client(1, login=False, creds=credentials(1, totp=False))
    await client.login()
    with pytest.raises(LoginFailed) as failure:
        await client.verify_otp("12ab")
    assert failure.value.code == "MO1099"


async def test_expired_session_without_relogin_raises_mo8002(
    make_client: ClientFactory, control: SimControl
) -> None:
    client = await make_client(0, relogin_on_expiry=False)
    await control.expire(ACCOUNTS[0]["client_code"])
    with pytest.raises(SessionExpired) as failure:
        await client.order_book()
    assert failure.value.code == "MO8002"


async def test_expired_session_with_totp_logs_in_again_once(
    make_client: ClientFactory, control: SimControl
) -> None:
    client = await make_client(0)
    await control.expire(ACCOUNTS[0]["client_code"])
    assert await client.order_book() == []
    assert (await control.counters())["logins"][ACCOUNTS[0]["client_code"]] == 2


async def test_unknown_token_is_mo8001(make_client: ClientFactory) -> None:
    client = await make_client(0, login=False, relogin_on_expiry=False)
    client.use_token("not-a-token_M")
    with pytest.raises(SessionExpired) as failure:
        await client.order_book()
    assert failure.value.code == "MO8001"


def _headers(sim: RunningSimulator, token: str | None) -> dict[str, str]:
    acct = ACCOUNTS[0]
    settings = MotilalSettings(base_url=sim.base_url)
    return build_headers(
        settings, api_key=acct["api_key"], client_code=acct["client_code"], auth_token=token
    )


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("ApiKey", "MO2005"), ("User-Agent", "MO2004"), ("MacAddress", "MO2008"),
        ("ClientLocalIp", "MO2009"), ("ClientPublicIp", "MO2010"), ("SourceId", "MO2011"),
        ("vendorinfo", "MO2012"), ("osname", "MO2014"), ("productversion", "MO2019"),
        ("installedappid", "MO2020"), ("Authorization", "MO8003"),
    ],
)  # fmt: skip
async def test_request_missing_header_fails_with_its_code(
    sim: RunningSimulator, client: MotilalClient, header: str, code: str
) -> None:
    assert client.session is not None
    headers = _headers(sim, client.session.auth_token.get_secret_value())
    headers[header] = ""
    async with httpx.AsyncClient(base_url=sim.base_url) as http:
        response = await http.post(PATHS[Endpoint.ORDER_BOOK], json={}, headers=headers)
    assert response.status_code == 200
    assert response.json()["status"] == "FAILURE" and response.json()["errorcode"] == code


async def test_plain_client_sending_other_clientcode_is_mo2031(
    sim: RunningSimulator, client: MotilalClient
) -> None:
    assert client.session is not None
    headers = _headers(sim, client.session.auth_token.get_secret_value())
    async with httpx.AsyncClient(base_url=sim.base_url) as http:
        response = await http.post(
            PATHS[Endpoint.POSITIONS], json={"clientcode": "EPUN4409"}, headers=headers
        )
    assert response.json()["errorcode"] == "MO2031"


async def test_login_logs_no_secret(
    make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    acct = ACCOUNTS[0]
    caplog.set_level(logging.DEBUG)
    client = await make_client(0, login=False)
    session = await client.login()
    await client.order_book()
    await client.logout()
    secrets = [
        acct["password"], acct["totp_secret"], acct["api_key"], acct["dob"],
        session.auth_token.get_secret_value(),
        password_hash(acct["password"], acct["api_key"]),
        pyotp.TOTP(acct["totp_secret"]).now(),
    ]  # fmt: skip
    logged = caplog.text + " ".join(repr(r.args) for r in caplog.records)
    assert "logged in" in logged
    for secret in secrets:
        assert secret not in logged
    assert acct["password"] not in repr(client.session) + repr(credentials(0))
