"""JSON-line logging with the service name and the request's context on every line.

The context (correlation id, client id, order id) lives in contextvars: set it once where
a request or message enters (`bound(...)`), and every log line below carries it.
"""

import contextlib
import logging
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter

CONTEXT_FIELDS = ("correlation_id", "client_id", "order_id")
_context: ContextVar[dict[str, str]] = ContextVar("log_context", default={})  # noqa: B039


def current_context() -> dict[str, str]:
    return dict(_context.get())


def correlation_id() -> str | None:
    return _context.get().get("correlation_id")


@contextlib.contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """Add fields to the log context for the duration of the block (None values are skipped)."""
    merged = {**_context.get(), **{k: str(v) for k, v in fields.items() if v is not None}}
    token = _context.set(merged)
    try:
        yield
    finally:
        _context.reset(token)


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        for name, value in _context.get().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    """Route every logger (ours, uvicorn's, faststream's) to one JSON handler on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "ts", "levelname": "level", "name": "logger"},
            timestamp=False,
        )
    )
    handler.addFilter(_ContextFilter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "faststream", "aiokafka"):
        lib = logging.getLogger(name)
        lib.handlers[:] = []
        lib.propagate = True
    # aiokafka reports every rebalance and retry at INFO/WARNING; keep the noise down.
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # httpx logs every request at INFO: a JSON line per broker call (the adapter logs what
    # each call meant) cost CPU on the order path and buried the lines that matter.
    logging.getLogger("httpx").setLevel(logging.WARNING)
