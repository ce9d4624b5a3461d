"""Execution: the durable command inbox, the idempotency log, and the broker calls."""
