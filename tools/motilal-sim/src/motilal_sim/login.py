"""Login (authdirectapi), OTP verification, and the token check every other call makes."""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pyotp
from motilal.auth import password_hash

from motilal_sim.headers import check_headers
from motilal_sim.rejects import Reject
from motilal_sim.sessions import SimSession
from motilal_sim.state import SimState

Row = dict[str, Any]


def login(state: SimState, headers: Mapping[str, str], body: Row) -> Row:
    check_headers(headers)
    userid = str(body.get("userid", "")).strip()
    account = state.accounts.get(userid.upper())
    if account is None:
        raise Reject("MO1001", f"userid {userid!r} is not a valid user id")
    if userid != userid.upper():
        raise Reject("MO1001", "userid must be the client code in capital letters")
    if headers["vendorinfo"].upper() != account.client_code:
        raise Reject("MO2012", "Vendor Tag is Invalid: vendorinfo must be the client code")
    api_key = headers["apikey"]
    if api_key != account.api_key:
        known = any(a.api_key == api_key for a in state.accounts.values())
        raise Reject("MO1004" if known else "MO1005", "Invalid API Key for this user")
    if account.allowed_ips and headers["clientpublicip"] not in account.allowed_ips:
        raise Reject("MO2035", "Unauthorized IP Address: register this static IP on the portal")
    if state.failed_logins[account.client_code] >= state.settings.max_failed_logins:
        raise Reject(
            "MO1100", "Invalid login access: account locked after repeated wrong passwords"
        )
    if body.get("password") != password_hash(account.password, account.api_key):
        state.failed_logins[account.client_code] += 1
        raise Reject("MO1000", "Invalid userid or password")
    two_fa = str(body.get("2FA", "")).strip().upper()
    if two_fa not in (account.dob, account.pan):
        raise Reject("MO1007", "Invalid 2FA: give date of birth as dd/mm/yyyy or PAN")
    state.failed_logins[account.client_code] = 0
    totp = str(body.get("totp") or "").strip()
    if totp:
        # One step either side, as authenticator apps drift.
        if not pyotp.TOTP(account.totp_secret).verify(totp, valid_window=1):
            raise Reject("MO1093", "Invalid TOTP")
        session = state.sessions.issue(account.client_code, verified=True)
    else:
        otp = f"{state.otp_rng.randrange(10**6):06d}"
        session = state.sessions.issue(account.client_code, verified=False, otp=otp)
    state.engine.counters["logins"][account.client_code] += 1
    return {
        "status": "SUCCESS",
        "message": "Login Successful" if session.verified else "OTP sent to registered mobile",
        "errorcode": "",
        "AuthToken": session.token,
        "isAuthTokenVerified": "TRUE" if session.verified else "FALSE",
    }


def authenticate(
    state: SimState, headers: Mapping[str, str], body: Row, *, allow_unverified: bool = False
) -> SimSession:
    """The session behind a call, after the header and token checks; raises Reject."""
    check_headers(headers)
    token = headers.get("authorization", "").strip()
    if not token:
        raise Reject("MO8003", "Authorization token is missing")
    session = state.sessions.get(token)
    if session is None:
        raise Reject("MO8001", "Invalid Authorization token")
    if session.expired(datetime.now(UTC)):
        raise Reject("MO8002", "Authorization token expired: log in again")
    if not session.verified and not allow_unverified:
        raise Reject("MO8001", "Authorization token not verified: complete verifyotp first")
    account = state.accounts[session.client_code]
    if headers["apikey"] != account.api_key:
        raise Reject("MO2005", "ApiKey does not belong to this session's user")
    if headers["vendorinfo"].upper() != session.client_code:
        raise Reject("MO2012", "Vendor Tag is Invalid: vendorinfo must be the client code")
    code = str(body.get("clientcode") or "").strip()
    if code and code.upper() != session.client_code and not account.clients:
        raise Reject("MO2031", "Client and Vendor Cannot Enter UserId")
    return session


def acting_client(state: SimState, headers: Mapping[str, str], body: Row) -> str:
    """Whose books a call works on: the caller's own, or for a dealer the body's `clientcode`
    (reference A.5: mandatory for a dealer, MO1062 without it)."""
    session = authenticate(state, headers, body)
    dealer = state.accounts[session.client_code]
    if not dealer.clients:
        return session.client_code
    code = str(body.get("clientcode") or "").strip().upper()
    if not code:
        raise Reject("MO1062", "Please Provide Client Code In Input Parameter")
    if code == dealer.client_code:
        raise Reject("MO1087", "clientcode cannot be a dealer id")
    if code not in dealer.clients or code not in state.accounts:
        # Not in doc 31: the simulator's own answer for a client the dealer does not serve.
        raise Reject("MO1062", f"Client Code {code} is not mapped to dealer {dealer.client_code}")
    return code


def verify_otp(state: SimState, session: SimSession, body: Row) -> Row:
    otp = str(body.get("otp", "")).strip()
    if not (len(otp) == 6 and otp.isdigit()):
        raise Reject("MO1099", "otp must be 6 digits")
    if session.verified:
        return {"status": "SUCCESS", "message": "OTP VERFIED SUCCESSFULLY", "errorcode": ""}
    if session.otp_attempts >= 3:
        raise Reject("MO1096", "OTP attempts exceeded: log in again")
    if otp != session.otp:
        session.otp_attempts += 1
        raise Reject("MO1095", "Invalid OTP")
    session.verified = True
    return {"status": "SUCCESS", "message": "OTP VERFIED SUCCESSFULLY", "errorcode": ""}


def resend_otp(state: SimState, session: SimSession) -> Row:
    session.otp = f"{state.otp_rng.randrange(10**6):06d}"
    session.otp_attempts = 0
    return {"status": "SUCCESS", "message": "OTP sent", "errorcode": ""}
