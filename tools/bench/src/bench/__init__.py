"""Benchmarks and fault drills of the whole platform."""
