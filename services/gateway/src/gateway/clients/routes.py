"""Client accounts (issue 4) and their portfolio views (issue 6).

Admins register, update, disable and re-enable client accounts and ask for a fresh broker
login; anyone with a token reads them. Responses show credentials as present/absent only,
and the broker session as the broker-adapter last reported it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import httpx
from common.http import path_segment, service_client
from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from gateway import audit, deps
from gateway.auth.deps import Admin, Viewer
from gateway.clients import store_clients, store_dealers
from gateway.clients.models import (
    CREDENTIAL_FIELDS,
    ClientCreate,
    ClientOut,
    ClientUpdate,
    CredentialPresence,
    DealerCreate,
    DealerOut,
    LimitsOut,
    SessionView,
)
from gateway.clients.network import IdentityRule
from gateway.clients.registry import ClientNotFound, Conflict, FieldErrors, Registry
from gateway.clients.routes_portfolio import ClientWithPortfolio, with_portfolio
from gateway.clients.signing import signing_key_from
from gateway.clients.store_clients import ClientRecord, SessionRecord
from gateway.clients.store_dealers import DealerRecord
from gateway.credentials import SealingUnavailable, public_key_from

router = APIRouter(prefix="/api/v1", tags=["clients"])


def session_view(session: SessionRecord | None) -> SessionView | None:
    if session is None:
        return None
    return SessionView.model_validate(session, from_attributes=True)


def client_out(record: ClientRecord) -> ClientOut:
    """The API view of a client; other modules extend ClientOut and reuse this."""
    present = set(record.credential_fields)
    flags = {name: name in present for name in CREDENTIAL_FIELDS}
    value = record.limits.max_order_value
    return ClientOut(
        client_id=record.client_id,
        motilal_client_id=record.motilal_client_id,
        name=record.name,
        active=record.active,
        exchanges=list(record.exchanges),
        trade_types=list(record.trade_types),
        limits=LimitsOut(
            max_order_quantity=record.limits.max_order_quantity,
            max_order_value=None if value is None else str(value),
            max_open_positions=record.limits.max_open_positions,
        ),
        groups=list(record.groups),
        credentials=CredentialPresence(**flags, updated_at=record.credentials_updated_at),
        dealer_id=record.dealer_id,
        network_identity=record.network_identity,
        session=session_view(record.session),
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def registry(request: Request, pool: deps.Pool, publisher: deps.KafkaPublisher) -> Registry:
    state = request.app.state
    if not hasattr(state, "credentials_public_key"):
        try:
            state.credentials_public_key = public_key_from(
                deps.settings(request).credentials_public_key
            )
        except SealingUnavailable:
            state.credentials_public_key = None
    if not hasattr(state, "registry_signing_key"):
        state.registry_signing_key = signing_key_from(deps.settings(request).registry_signing_key)
    if not hasattr(state, "identity_rule"):
        state.identity_rule = IdentityRule.of(dev_mode=deps.settings(request).dev_mode)
    return Registry(
        pool,
        publisher,
        state.credentials_public_key,
        state.registry_signing_key,
        state.identity_rule,
    )


RegistryDep = Annotated[Registry, Depends(registry)]


def _invalid(error: FieldErrors) -> RequestValidationError:
    return RequestValidationError(
        [{"type": "value_error", "loc": ("body", field), "msg": reason, "input": None}
         for field, reason in error.errors]
    )  # fmt: skip


def _not_found(client_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"no client with id {client_id!r}")


@contextmanager
def _registry_answers() -> Iterator[None]:
    """The registry's refusals as HTTP answers: 422 naming the fields, 409, 404."""
    try:
        yield
    except FieldErrors as error:
        raise _invalid(error) from error
    except Conflict as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    except ClientNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error


@router.get("/clients", summary="List client accounts")
async def list_clients(
    request: Request,
    _: Viewer,
    pool: deps.Pool,
    active: Annotated[bool | None, Query(description="only active or inactive")] = None,
    group: Annotated[str | None, Query(description="only clients in this group")] = None,
) -> list[ClientWithPortfolio]:
    clients = await store_clients.list_clients(pool, active=active, group=group)
    return await with_portfolio(request, [client_out(c) for c in clients])


@router.get("/clients/{client_id}", summary="One client account, with its broker session")
async def get_client(
    client_id: str, request: Request, _: Viewer, pool: deps.Pool
) -> ClientWithPortfolio:
    record = await store_clients.get_client(pool, client_id)
    if record is None:
        raise _not_found(client_id)
    (found,) = await with_portfolio(request, [client_out(record)])
    return found


@router.post(
    "/clients",
    status_code=status.HTTP_201_CREATED,
    summary="Register a client account (admin); credentials are sealed for the broker-adapter",
)
async def create_client(body: ClientCreate, user: Admin, registry: RegistryDep) -> ClientOut:
    with _registry_answers():
        return client_out(await registry.create(user, body))


def dealer_out(record: DealerRecord) -> DealerOut:
    present = set(record.row.credential_fields)
    return DealerOut(
        dealer_id=record.row.dealer_id,
        motilal_client_id=record.row.motilal_client_id,
        name=record.row.name,
        active=record.row.active,
        credentials=CredentialPresence(**{n: n in present for n in CREDENTIAL_FIELDS}),
        clients=list(record.clients),
        session=session_view(record.session),
    )


@router.post(
    "/dealers",
    status_code=status.HTTP_201_CREATED,
    summary="Register a Motilal dealer (admin): one login acting for the clients that name it",
)
async def create_dealer(
    body: DealerCreate, user: Admin, registry: RegistryDep, pool: deps.Pool
) -> DealerOut:
    """Clients reached through it are registered with `dealer_id` and no credentials."""
    with _registry_answers():
        row = await registry.register_dealer(user, body)
    (record,) = await store_dealers.dealer_records(pool, row.dealer_id)
    return dealer_out(record)


@router.get("/dealers", summary="Registered dealers, their clients and their own session")
async def list_dealers(_: Viewer, pool: deps.Pool) -> list[DealerOut]:
    return [dealer_out(r) for r in await store_dealers.dealer_records(pool)]


@router.put("/clients/{client_id}", summary="Change a client account (admin)")
async def update_client(
    client_id: str, body: ClientUpdate, user: Admin, registry: RegistryDep
) -> ClientOut:
    with _registry_answers():
        return client_out(await registry.update(user, client_id, body))


@router.post("/clients/{client_id}/disable", summary="Disable a client (admin): no new orders")
async def disable_client(client_id: str, user: Admin, registry: RegistryDep) -> ClientOut:
    with _registry_answers():
        return client_out(await registry.set_active(user, client_id, False))


@router.post("/clients/{client_id}/enable", summary="Enable a disabled client (admin)")
async def enable_client(client_id: str, user: Admin, registry: RegistryDep) -> ClientOut:
    with _registry_answers():
        return client_out(await registry.set_active(user, client_id, True))


class OtpBody(BaseModel):
    otp: str = Field(pattern=r"^\d{6}$", description="the 6-digit OTP Motilal sent")


async def _adapter_call(request: Request, client_id: str, action: str, body: Any) -> SessionView:
    settings = deps.settings(request)
    try:
        async with service_client(
            settings.broker_adapter_url, settings.internal_api_token, 30
        ) as http:
            path = f"/internal/sessions/{path_segment(client_id)}/{action}"
            response = await http.post(path, json=body)
    except httpx.HTTPError as error:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"the broker-adapter cannot be reached ({type(error).__name__}); try again",
        ) from error
    if response.status_code == 404:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"the broker-adapter does not know client {client_id!r} yet; try again shortly",
        )
    if response.status_code == 422:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, response.json().get("detail"))
    if response.status_code >= 400:
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY,
            f"the broker-adapter answered {response.status_code}: {response.text[:300]}",
        )
    return SessionView.model_validate(response.json())


@router.post(
    "/clients/{client_id}/login",
    summary="Log the client in to Motilal now (admin), e.g. after fixing a failed login",
)
async def login_client(
    client_id: str, request: Request, user: Admin, pool: deps.Pool
) -> SessionView:
    if await store_clients.get_client(pool, client_id) is None:
        raise _not_found(client_id)

    await audit.record(pool, user, "client.login", client_id)
    return await _adapter_call(request, client_id, "login", {"actor": user.username})


@router.post(
    "/clients/{client_id}/otp",
    summary="Complete an OTP login (admin): the client has no TOTP secret stored",
)
async def verify_client_otp(
    client_id: str, body: OtpBody, request: Request, user: Admin, pool: deps.Pool
) -> SessionView:
    if await store_clients.get_client(pool, client_id) is None:
        raise _not_found(client_id)

    await audit.record(pool, user, "client.otp", client_id)
    return await _adapter_call(request, client_id, "otp", {"otp": body.otp, "actor": user.username})
