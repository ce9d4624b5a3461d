"""Identifiers the platform mints. Random, so replicas never coordinate to make them."""

import uuid


def new_id() -> str:
    """A fresh id for a batch, order, event or request (32 lowercase hex digits)."""
    return uuid.uuid4().hex
