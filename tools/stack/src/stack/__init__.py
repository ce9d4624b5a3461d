"""Runs the whole platform on embedded PostgreSQL, Redis and Kafka, as supervised processes."""
