"""Waiting for a positive signal, the one way the portfolio's tests wait (tests/waiting.py)."""

from waiting import wait_for as until

__all__ = ["until"]
