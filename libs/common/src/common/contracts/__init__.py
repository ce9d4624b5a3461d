"""Versioned message contracts: every event and command that crosses Kafka."""
