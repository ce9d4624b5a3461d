"""MTM limits, the day's blocks and the square-off (issue 15), over the order-router.

`PUT /api/v1/clients/{id}/limits` and `PUT /api/v1/groups/{name}/limits` (admin) set a
scope's day limits in rupees: `mtm_stop_loss`, `mtm_target`, `mtm_trailing_stop` (each
optional; null clears it) and, for a client, its own `square_off_time` (IST HH:MM). A group's
limits watch the group's members (changing or deleting the group passes them on). GET
answers the limits with the scope's day MTM and peak now.
When a limit is hit the order-router flattens the scope and blocks it for the day;
`GET .../blocks` shows the blocks and `DELETE .../blocks` (admin) lifts them.
`POST /api/v1/admin/square-off` squares off INTRADAY now (all clients, or some).
"""

import logging
from datetime import datetime, time
from decimal import Decimal
from typing import Any, Literal

from common.http import path_segment
from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from gateway import audit, deps
from gateway import store_groups as groups
from gateway.auth.deps import Admin, Viewer
from gateway.clients.store_clients import find_clients
from gateway.peers import PeersDep, PeerUnavailable

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1", tags=["risk limits"])

BlockRule = Literal["mtm_limit", "square_off_time"]
"""The rules a block is kept under (a typed query: FastAPI answers a bad one with its 422)."""


class GroupLimitsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mtm_stop_loss: Decimal | None = Field(
        default=None, gt=0, description="rupees: flatten when the day MTM falls to -this"
    )
    mtm_target: Decimal | None = Field(
        default=None, gt=0, description="rupees: flatten when the day MTM reaches this"
    )
    mtm_trailing_stop: Decimal | None = Field(
        default=None, gt=0, description="rupees: flatten when the day MTM falls this far "
        "below its peak of the day (the peak starts at 0)",
    )  # fmt: skip


class ClientLimitsIn(GroupLimitsIn):
    square_off_time: time | None = Field(
        default=None, description="IST HH:MM: this client's own square-off time (over the "
        "segment's, e.g. 15:15 for NSE)",
    )  # fmt: skip


class LimitsOut(BaseModel):
    """A scope's limits and where its day MTM stands now (rupees as strings)."""

    scope: str = Field(description="the client id, or group:<name>")
    members: list[str] = Field(default_factory=list, description="a group's watched clients")
    mtm_stop_loss: str | None = None
    mtm_target: str | None = None
    mtm_trailing_stop: str | None = None
    square_off_time: str | None = Field(default=None, description="a client's own, HH:MM IST")
    mtm: str | None = Field(default=None, description="the day MTM now (None: none set yet)")
    peak: str | None = Field(default=None, description="the highest day MTM so far")
    triggered: bool = Field(default=False, description="a limit fired today")
    updated_by: str | None = None
    updated_at: datetime | None = None


class SquareOffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_ids: list[str] | None = Field(default=None, description="omitted: every client")


async def _answer(peers: PeersDep, method: str, path: str, **kwargs: Any) -> Any:
    response = await peers.router.send(method, path, **kwargs)
    if response.status_code == 404:
        return None
    if response.status_code == 422:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, response.json().get("detail"))
    if response.status_code >= 400:
        raise PeerUnavailable(peers.router.name, f"HTTP {response.status_code}")
    return response.json()


async def _client_exists(pool: deps.Pool, client_id: str) -> None:
    if client_id not in await find_clients(pool, [client_id]):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"client {client_id} not found")


async def _members(pool: deps.Pool, name: str) -> list[str]:
    group = await groups.get_group(pool, name)
    if group is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"group {name} not found")
    return [m.client_id for m in group.members]


def _scope_path(scope: str) -> str:
    return f"/internal/risk/limits/{path_segment(scope)}"


@router.get("/clients/{client_id}/limits", summary="A client's MTM limits and day MTM")
async def client_limits(client_id: str, _: Viewer, pool: deps.Pool, peers: PeersDep) -> LimitsOut:
    await _client_exists(pool, client_id)
    found = await _answer(peers, "GET", _scope_path(client_id))
    return LimitsOut.model_validate(found or {"scope": client_id})


@router.put("/clients/{client_id}/limits", summary="Set a client's MTM limits (admin)")
async def set_client_limits(
    client_id: str, body: ClientLimitsIn, user: Admin, pool: deps.Pool, peers: PeersDep
) -> LimitsOut:
    await _client_exists(pool, client_id)
    sent = {**body.model_dump(mode="json"), "actor": user.username}
    answer = await _answer(peers, "PUT", _scope_path(client_id), json=sent)
    await audit.record(pool, user, "limits.set", client_id, body.model_dump(mode="json"))
    return LimitsOut.model_validate(answer)


@router.get("/groups/{name}/limits", summary="A group's MTM limits and day MTM")
async def group_limits(name: str, _: Viewer, pool: deps.Pool, peers: PeersDep) -> LimitsOut:
    members = await _members(pool, name)
    found = await _answer(peers, "GET", _scope_path(f"group:{name}"))
    return LimitsOut.model_validate(found or {"scope": f"group:{name}", "members": members})


@router.put("/groups/{name}/limits", summary="Set a group's MTM limits (admin)")
async def set_group_limits(
    name: str, body: GroupLimitsIn, user: Admin, pool: deps.Pool, peers: PeersDep
) -> LimitsOut:
    members = await _members(pool, name)
    sent = {**body.model_dump(mode="json"), "members": members, "actor": user.username}
    answer = await _answer(peers, "PUT", _scope_path(f"group:{name}"), json=sent)
    await audit.record(pool, user, "limits.set", f"group:{name}",
                       {**body.model_dump(mode="json"), "members": members})  # fmt: skip
    return LimitsOut.model_validate(answer)


async def follow_group(peers: PeersDep, name: str, members: list[str], actor: str) -> None:
    """A group's MTM limits (if it has any) watch its members as they are now: called when
    the group is changed or deleted (no members: nothing watched). The group's change stands
    even when the order-router cannot be told: that is logged, to PUT the limits again."""
    path = _scope_path(f"group:{name}")
    try:
        limits = await _answer(peers, "GET", path)
        if limits is None:
            return
        fields = ("mtm_stop_loss", "mtm_target", "mtm_trailing_stop")
        body = {**{f: limits.get(f) for f in fields}, "members": members, "actor": actor}
        await _answer(peers, "PUT", path, json=body)
    except HTTPException as failed:
        log.warning("group %s changed but its MTM limits still watch the old members (%s); "
                    "PUT /api/v1/groups/%s/limits again", name, failed.detail, name)  # fmt: skip


@router.get("/clients/{client_id}/blocks", summary="A client's risk blocks today")
async def client_blocks(client_id: str, _: Viewer, pool: deps.Pool, peers: PeersDep) -> Any:
    await _client_exists(pool, client_id)
    return await _answer(peers, "GET", "/internal/risk/blocks", params={"client_id": client_id})


async def _lift(
    client_ids: list[str], rule: BlockRule | None, user: Admin, pool: deps.Pool,
    peers: PeersDep, target: str,
) -> Any:  # fmt: skip
    body = {"client_ids": client_ids, "rule": rule, "actor": user.username}
    answer = await _answer(peers, "POST", "/internal/risk/blocks/lift", json=body)
    await audit.record(pool, user, "limits.block_lifted", target, {"rule": rule, **answer})
    return answer


@router.delete("/clients/{client_id}/blocks", summary="Lift a client's blocks today (admin)")
async def lift_client(
    client_id: str, user: Admin, pool: deps.Pool, peers: PeersDep, rule: BlockRule | None = None
) -> Any:
    await _client_exists(pool, client_id)
    return await _lift([client_id], rule, user, pool, peers, client_id)


@router.delete("/groups/{name}/blocks", summary="Lift a group's members' blocks today (admin)")
async def lift_group(
    name: str, user: Admin, pool: deps.Pool, peers: PeersDep, rule: BlockRule | None = None
) -> Any:
    members = await _members(pool, name)
    return await _lift(members, rule, user, pool, peers, f"group:{name}")


@router.post("/admin/square-off", summary="Square off INTRADAY positions now (admin)")
async def square_off(user: Admin, pool: deps.Pool, peers: PeersDep,
                     body: SquareOffIn | None = None) -> Any:  # fmt: skip
    wanted = body or SquareOffIn()
    answer = await _answer(peers, "POST", "/internal/risk/square-off", json=wanted.model_dump())
    await audit.record(pool, user, "positions.square_off", None, {"client_ids": wanted.client_ids})
    return answer
