"""Building the day reports from the portfolio's settings (app.py calls this)."""

from collections.abc import Callable
from datetime import timedelta

import asyncpg
from common.enums import Exchange
from fastapi import APIRouter

from portfolio.config import PortfolioSettings
from portfolio.live import LiveBook
from portfolio.reports import api
from portfolio.reports.charges import load_schedule
from portfolio.reports.closing import CloseClock
from portfolio.reports.days import DayReports


def day_reports(
    settings: PortfolioSettings, pool: Callable[[], asyncpg.Pool], book: LiveBook
) -> DayReports:
    """Reads the schedule and calendar now: a bad file stops the service at start, named."""
    try:
        exchanges = [Exchange(x.strip()) for x in settings.day_report_exchanges.split(",") if x]
    except ValueError as error:
        raise ValueError(f"PORTFOLIO_DAY_REPORT_EXCHANGES: {error}") from None
    clock = CloseClock(
        settings.trading_calendar(),
        exchanges,
        timedelta(minutes=settings.day_report_delay_minutes),
    )
    schedule = load_schedule(settings.charges_file)
    return DayReports(pool, book, schedule, clock, settings.day_report_poll_seconds)


def router(reports: DayReports) -> APIRouter:
    return api.build_router(reports)
