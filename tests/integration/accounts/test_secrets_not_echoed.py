"""A 422 about a credential names the field and the rule, never the value (issue 13, 7)."""

import json

import httpx
from common.ids import new_id

DOB = "31-02-1990"
PAN = "QQSECRET99"


def _client(**fields: object) -> dict[str, object]:
    code = f"S{new_id()[:8].upper()}"
    return {
        "client_id": code,
        "name": "Secret Keeper",
        "motilal_client_id": code,
        "api_key": "key-" + new_id(),
        "password": "pw-" + new_id(),
        "dob": "14/03/1986",
        "totp_secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        "exchanges": ["NSE"],
        **fields,
    }


async def test_bad_dob_and_pan_are_named_without_their_values(admin: httpx.AsyncClient) -> None:
    for field, value in (("dob", DOB), ("pan", PAN), ("dob", "01/01/2999")):
        response = await admin.post("/api/v1/clients", json=_client(**{field: value}))
        assert response.status_code == 422, response.text
        problems = response.json()["detail"]
        assert any(p["loc"][-1] == field for p in problems), problems
        named = next(p for p in problems if p["loc"][-1] == field)
        assert field in named["msg"]  # the rule, in words
        assert value not in response.text
        assert value.replace("/", "\\/") not in json.dumps(problems)


async def test_credentials_object_of_wrong_type_is_not_echoed(admin: httpx.AsyncClient) -> None:
    response = await admin.post("/api/v1/clients", json=[{"pan": PAN, "dob": DOB}])
    assert response.status_code == 422
    assert PAN not in response.text and DOB not in response.text
