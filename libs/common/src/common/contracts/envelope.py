"""The envelope every Kafka message carries, and the base of every event and command.

Messages are immutable and strict: an unknown field is an error, not silently dropped,
so a producer and a consumer that disagree on a contract fail loudly at the boundary.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

from common.ids import new_id


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamp must carry a timezone (UTC inside the platform)")
    return value.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(_aware)]
"""A timezone-aware instant, normalised to UTC."""

Money = Annotated[Decimal, PlainSerializer(lambda v: str(v), return_type=str, when_used="json")]
"""Rupees as Decimal; serialised as a string in JSON so no precision is lost on the wire."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class Contract(BaseModel):
    """Base of every message body part: frozen, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class Message(Contract):
    """Envelope fields, present on every message on every topic.

    `correlation_id` ties every message to the user's request (the batch id for a batch);
    `causation_id` is the event id of the message that caused this one.
    """

    event_id: str = Field(default_factory=new_id)
    type: str
    schema_version: int = 1
    occurred_at: UtcDateTime = Field(default_factory=utc_now)
    correlation_id: str
    causation_id: str | None = None
    actor: str = Field(description="the acting user, or the service for automatic actions")

    def caused(self, **fields: Any) -> dict[str, Any]:
        """Envelope fields for a message caused by this one (same correlation, this cause)."""
        return {
            "correlation_id": self.correlation_id,
            "causation_id": self.event_id,
            "actor": self.actor,
            **fields,
        }


class OrderMessage(Message):
    """A message about one client's order: the order's id and its client's (the key of the
    order topics) come first on every event, command and request that names one order."""

    order_id: str
    client_id: str
