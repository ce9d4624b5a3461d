"""Motilal's REST surface: one dispatcher applies downtime, latency and faults, then a handler."""

import asyncio
import csv
import io
import json
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from motilal.paths import PATHS, Endpoint

from motilal_sim.api.handlers import HANDLERS
from motilal_sim.faults import Fault
from motilal_sim.rejects import Reject
from motilal_sim.scrip_csv import scrip_master_csv
from motilal_sim.state import SimState

router = APIRouter()
# The older versions Motilal's published Python SDK (MOFSLOPENAPI) and OpenAlgo still call
# (reference A.2), written out here rather than taken from the client's table.
SDK_PATHS: dict[str, Endpoint] = {
    "/rest/login/v3/authdirectapi": Endpoint.LOGIN,
    "/rest/login/v4/authdirectapi": Endpoint.LOGIN,
    "/rest/login/v3/verifyotp": Endpoint.VERIFY_OTP,
    "/rest/login/v3/resendotp": Endpoint.RESEND_OTP,
    "/rest/login/v1/getprofile": Endpoint.PROFILE,
    "/rest/login/v1/logout": Endpoint.LOGOUT,
    "/rest/trans/v1/placeorder": Endpoint.PLACE_ORDER,
    "/rest/trans/v2/modifyorder": Endpoint.MODIFY_ORDER,
    "/rest/trans/v1/cancelorder": Endpoint.CANCEL_ORDER,
    "/rest/book/v1/getorderbook": Endpoint.ORDER_BOOK,
    "/rest/book/v2/getorderbook": Endpoint.ORDER_BOOK,
    "/rest/book/v1/getorderdetailbyuniqueorderid": Endpoint.ORDER_DETAIL,
    "/rest/book/v1/gettradebook": Endpoint.TRADE_BOOK,
    "/rest/book/v1/getposition": Endpoint.POSITIONS,
    "/rest/report/v1/getdpholding": Endpoint.HOLDINGS,
    "/rest/report/v1/getreportmarginsummary": Endpoint.MARGIN_SUMMARY,
    "/rest/report/v1/getreportmargindetail": Endpoint.MARGIN_DETAIL,
    "/rest/report/v1/getltpdata": Endpoint.LTP,
}
_BY_PATH = {
    **SDK_PATHS,
    **{path: endpoint for endpoint, path in PATHS.items() if endpoint in HANDLERS},
}


def _state(request: Request) -> SimState:
    state: SimState = request.app.state.sim
    return state


def failure(code: str, message: str, **extra: Any) -> JSONResponse:
    # Motilal answers failures with HTTP 200 and status FAILURE (reference A.4).
    body = {"status": "FAILURE", "message": message, "errorcode": code, "data": None, **extra}
    return JSONResponse(body)


@router.api_route("/rest/{rest:path}", methods=["GET", "POST", "PUT", "DELETE"])
async def motilal_call(request: Request) -> Response:
    state = _state(request)
    endpoint = _BY_PATH.get(request.url.path)
    if endpoint is None:
        return JSONResponse(
            {
                "status": "FAILURE",
                "message": f"no API at {request.url.path}",
                "errorcode": "MO2001",
            },
            status_code=404,
        )
    state.requests[endpoint.value] += 1
    state.callers.record(
        endpoint.value, request.client.host if request.client else None, request.headers
    )
    if state.faults.down:
        return PlainTextResponse("Service Unavailable", status_code=503)
    delay = state.faults.latency()
    if delay:
        await asyncio.sleep(delay)
    fault = state.faults.draw(endpoint.value)
    if fault is not Fault.NONE:
        state.injected[f"{fault.value}:{endpoint.value}"] += 1
    if fault is Fault.TIMEOUT:
        await asyncio.sleep(state.faults.config.timeout_seconds)
        return PlainTextResponse("Gateway Timeout", status_code=504)
    if fault is Fault.ERROR_5XX:
        return PlainTextResponse("Service Unavailable", status_code=503)
    if fault is Fault.RATE_429:
        return PlainTextResponse("Too Many Requests", status_code=429)
    if request.method != "POST":
        return failure("MO2001", f"{request.method} is not allowed: use POST")
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return failure("MO2002", "the body is not valid JSON")
    if not isinstance(body, dict):
        return failure("MO2002", "the body must be a JSON object")
    try:
        answer = HANDLERS[endpoint](state, request.headers, body)
    except Reject as reject:
        extra = {"uniqueorderid": reject.unique_order_id} if reject.unique_order_id else {}
        answer = {
            "status": "FAILURE",
            "message": reject.message,
            "errorcode": reject.code,
            "data": None,
            **extra,
        }
    if fault is Fault.LOST_RESPONSE:
        # The work is done (an order may now exist) but the caller never learns it.
        return PlainTextResponse("Bad Gateway", status_code=502)
    if fault is Fault.BROKER_ERROR:
        # As Motilal: done or not, the answer only says something went wrong inside.
        code = state.faults.config.broker_error_code
        return failure(code, _TECHNICAL.get(code[:3] + "000", "Technical Error"))
    if fault is Fault.GARBLED:
        return PlainTextResponse("<html><body>Request Rejected</body></html>", status_code=200)
    return JSONResponse(answer)


_TECHNICAL = {"MO8000": "Technical Error", "MO5000": "Connectivity or network issue"}


@router.get(PATHS[Endpoint.SCRIP_MASTER_CSV])
async def scrip_master(request: Request, name: str = "") -> Response:
    state = _state(request)
    if state.faults.down:
        return PlainTextResponse("Service Unavailable", status_code=503)
    body = scrip_master_csv(name.upper(), state.engine.instruments.values())
    return PlainTextResponse(body, media_type="text/csv")


@router.get("/getindexdatacsv")
async def index_master(request: Request, name: str = "") -> Response:
    state = _state(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("indexcode", "indexname", "exchangename"))
    for inst in state.engine.instruments.values():
        if inst.exchange == name.upper() and not inst.tradeable:
            writer.writerow((inst.token, inst.name, inst.exchange))
    return PlainTextResponse(out.getvalue(), media_type="text/csv")
