"""Text no service can use is a 422 naming where it is, through the gateway
(common/text_guard.py): a control character in the URL, NUL or an unpaired surrogate in a
JSON string. Before, a lone surrogate in a group's description was a 500 from the
gateway's own table.
"""

import httpx


async def test_nul_in_the_path_is_a_422_naming_the_path(gateway: httpx.AsyncClient) -> None:
    answer = await gateway.post("/api/v1/orders/a%00b/modify", json={"quantity": 1})

    assert answer.status_code == 422
    [problem] = answer.json()["detail"]
    assert problem["loc"] == ["path"] and "control character" in problem["msg"]


async def test_nul_in_a_query_value_is_a_422_naming_the_parameter(
    gateway: httpx.AsyncClient,
) -> None:
    answer = await gateway.get("/api/v1/orders", params={"client_id": "E\x00"})

    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", "client_id"]


async def test_json_escapes_that_cannot_be_stored_are_named_field_by_field(
    gateway: httpx.AsyncClient,
) -> None:
    body = '{"name": "desk", "description": "\\ud800", "members": [{"client_id": "A\\u0000"}]}'

    answer = await gateway.post(
        "/api/v1/groups", content=body, headers={"Content-Type": "application/json"}
    )

    assert answer.status_code == 422
    found = {tuple(p["loc"]): p["msg"] for p in answer.json()["detail"]}
    assert set(found) == {("body", "description"), ("body", "members", 0, "client_id")}
    assert "surrogate" in found[("body", "description")]
    assert "NUL" in found[("body", "members", 0, "client_id")]
    assert (await gateway.get("/api/v1/groups/desk")).status_code == 404  # nothing was made


async def test_text_that_can_be_stored_passes_the_door(gateway: httpx.AsyncClient) -> None:
    emoji_pair = '{"quantity": 1, "note": "\\ud83d\\ude00"}'  # a valid pair: not this check's

    unknown = await gateway.post(
        "/api/v1/orders/é/modify", content=emoji_pair, headers={"Content-Type": "application/json"}
    )
    listed = await gateway.get("/api/v1/orders", params={"client_id": "É😀"})

    assert unknown.status_code == 422  # the route's own check: `note` is not a field
    assert unknown.json()["detail"][0]["type"] == "extra_forbidden"
    assert listed.status_code == 200
