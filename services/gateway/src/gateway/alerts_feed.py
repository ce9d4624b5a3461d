"""Alerts (alerts.v1) to the dashboard and to a webhook.

Channel `alerts:all` (every alert) and `alerts:{client_id}` (one client's): each alert is
pushed as it arrives; a new subscriber first gets the latest `RECENT` alerts this gateway
has seen, so a page opened after an MTM limit fired still shows it. Like the other live
feeds, every gateway replica reads the topic with its own consumer group from the latest
offset (each replica serves its own sockets).

The webhook (GATEWAY_ALERT_WEBHOOK_URL, optional) is fed by ONE consumer group shared by all
replicas, so each alert is POSTed once. A POST that fails (unreachable, timeout, 5xx, 429)
is retried with exponential backoff (tenacity) up to `alert_webhook_attempts`; then it is
logged as undelivered (never with the URL, which carries a token) and the next one is sent:
a dead webhook must not hold the alerts behind it.
"""

import logging
from collections import deque
from collections.abc import Sequence
from typing import Any

import httpx
from common.contracts.alerts import AlertRaised
from common.contracts.envelope import Message
from common.service import ServiceRuntime
from common.topics import ALERTS
from tenacity import (
    AsyncRetrying,
    RetryError,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from gateway.config import GatewaySettings
from gateway.live import Hub, consume_live

log = logging.getLogger(__name__)

KIND = "alerts"
ALL = "all"
RECENT = 50
WEBHOOK_GROUP = "gateway-alert-webhook"


def payload(alert: AlertRaised) -> dict[str, Any]:
    """The JSON of one alert, for the dashboard and the webhook (with a `text` line that
    Slack and most chat bridges show as is)."""
    body = alert.model_dump(mode="json", exclude={"schema_version"})
    body["text"] = f"[{alert.severity.upper()}] {alert.title}" + (
        f": {alert.detail}" if alert.detail else ""
    )
    return body


class AlertsFeed:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.recent: deque[dict[str, Any]] = deque(maxlen=RECENT)

    async def handle(self, messages: Sequence[Message]) -> None:
        for m in messages:
            if not isinstance(m, AlertRaised):
                continue
            body = payload(m)
            self.recent.append(body)
            message = {"channel": f"{KIND}:{ALL}", "type": "alert", "data": body}
            self.hub.publish(f"{KIND}:{ALL}", m.event_id, message)
            for client_id in {*m.client_ids, *([m.client_id] if m.client_id else [])}:
                channel = f"{KIND}:{client_id}"
                self.hub.publish(channel, m.event_id, {**message, "channel": channel})

    async def snapshot(self, ident: str) -> list[tuple[str, dict[str, Any]]]:
        channel = f"{KIND}:{ident}"
        return [
            (a["event_id"], {"channel": channel, "type": "alert", "data": a})
            for a in self.recent
            if ident == ALL or ident == a.get("client_id") or ident in a.get("client_ids", ())
        ]


class _Retryable(Exception):
    """A webhook answer worth another try (5xx, 429)."""


class WebhookSender:
    def __init__(self, client: httpx.AsyncClient, url: str, attempts: int) -> None:
        self.client = client
        self.url = url
        self.attempts = attempts
        self.undelivered = 0

    async def handle(self, messages: Sequence[Message]) -> None:
        for m in messages:
            if isinstance(m, AlertRaised):
                await self.send(m)

    async def send(self, alert: AlertRaised) -> bool:
        """POST one alert, retrying; False (and logged) when every try failed."""
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self.attempts),
                wait=wait_exponential(multiplier=0.5, max=10),
                retry=retry_if_exception_type((httpx.HTTPError, _Retryable)),
            ):
                with attempt:
                    await self._post(alert)
        except RetryError as failed:
            self.undelivered += 1
            cause = failed.last_attempt.exception()
            log.error("alert %s (%s) not delivered to the webhook after %d tries: %s",
                      alert.event_id, alert.kind, self.attempts, _describe(cause))  # fmt: skip
            return False
        except httpx.HTTPStatusError as refused:  # a 4xx: the receiver will not take it
            self.undelivered += 1
            log.error("webhook refused alert %s: HTTP %s", alert.event_id,
                      refused.response.status_code)  # fmt: skip
            return False
        return True

    async def _post(self, alert: AlertRaised) -> None:
        response = await self.client.post(self.url, json=payload(alert))
        if response.status_code >= 500 or response.status_code == 429:
            raise _Retryable(f"HTTP {response.status_code}")
        response.raise_for_status()


def _describe(error: BaseException | None) -> str:
    # an httpx error's text names the URL, which carries the webhook's token
    return type(error).__name__ if isinstance(error, httpx.HTTPError) else str(error)


def install(runtime: ServiceRuntime, hub: Hub) -> AlertsFeed:
    """Register the `alerts` channel kind, this replica's consumer and the webhook's."""
    feed = AlertsFeed(hub)
    hub.add_kind(
        KIND,
        "alerts as they are raised (rejections, failed sessions, MTM limits, square-off, "
        "drift, kill switch); id = all, or a client_id",
        snapshot=feed.snapshot,
    )
    consume_live(runtime, ALERTS, feed.handle)
    settings = runtime.settings
    assert isinstance(settings, GatewaySettings)
    if settings.alert_webhook_url is not None and settings.alert_webhook_url.get_secret_value():
        client = httpx.AsyncClient(timeout=settings.alert_webhook_timeout_seconds)
        sender = WebhookSender(
            client, settings.alert_webhook_url.get_secret_value(), settings.alert_webhook_attempts
        )
        runtime.on_shutdown(client.aclose)
        # a group of its own shared by replicas (each alert POSTed once), from the latest
        # offset when it is first set up (no backlog of old alerts), committed after
        runtime.consume(ALERTS, sender.handle, group=WEBHOOK_GROUP, from_beginning=False)
    return feed
