"""Identifiers the platform mints. Random, so replicas never coordinate to make them."""

import secrets


def new_id() -> str:
    """A fresh id for a batch, order, event or request (32 lowercase hex digits: 128 random
    bits, as many as a UUID4's 122; os.urandom directly costs a fifth of uuid4().hex, and
    every message carries one)."""
    return secrets.token_hex(16)
