"""The day reports' internal API (the gateway calls it): read a day, write a closed one."""

from datetime import date
from typing import Annotated

from common.contracts.envelope import Contract
from common.trading_days import trading_date
from fastapi import APIRouter, HTTPException, Query

from portfolio.reports.day_report import DayReport
from portfolio.reports.days import DayReports

DateQuery = Annotated[
    date | None, Query(alias="date", description="IST trading date YYYY-MM-DD; default today")
]


class CloseOut(Contract):
    trading_date: date
    written: bool
    """False: the record existed already (written once, never again)."""


def build_router(reports: DayReports) -> APIRouter:
    router = APIRouter(prefix="/internal/reports", tags=["internal"])

    def checked(day: date | None) -> date:
        today = trading_date(reports.now())
        if day is None:
            return today
        if day > today:
            raise HTTPException(
                422, f"date {day} is after today's trading date {today}: no report yet"
            )
        return day

    @router.get("/day", summary="One trading day per client: the stored record, or live")
    async def day_report(
        day: DateQuery = None,
        recompute: Annotated[
            bool, Query(description="compute from the fills now even when a record is stored")
        ] = False,
    ) -> DayReport:
        try:
            return await reports.read(checked(day), recompute=recompute)
        except LookupError as error:  # no charge schedule in force that day
            raise HTTPException(422, f"date: {error}") from None

    @router.post("/day/close", summary="Write a closed day's record now (once; idempotent)")
    async def close_day(day: DateQuery = None) -> CloseOut:
        wanted = checked(day)
        if not reports.clock.is_closed(wanted, reports.now()):
            due = reports.clock.closes_at(wanted)
            raise HTTPException(409, f"date {wanted} is not closed yet (its report is due {due})")
        try:
            written = await reports.close(wanted)
        except LookupError as error:
            raise HTTPException(422, f"date: {error}") from None
        return CloseOut(trading_date=wanted, written=written)

    return router
