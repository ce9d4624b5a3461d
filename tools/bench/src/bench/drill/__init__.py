"""Fault drills: `python -m bench.drill`."""
