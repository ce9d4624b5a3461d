"""The shared, pooled httpx client: one per process, used by every account's MotilalClient."""

import httpx

from motilal.config import MotilalSettings


def make_http_client(settings: MotilalSettings) -> httpx.AsyncClient:
    timeout = httpx.Timeout(
        settings.read_timeout, connect=settings.connect_timeout, pool=settings.connect_timeout
    )
    limits = httpx.Limits(
        max_connections=settings.max_connections,
        max_keepalive_connections=settings.max_connections,
    )
    return httpx.AsyncClient(base_url=settings.hosts.rest, timeout=timeout, limits=limits)
