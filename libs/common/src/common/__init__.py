"""Shared contracts and wiring: events, topics, settings, logging, metrics, Kafka/DB/Redis."""
