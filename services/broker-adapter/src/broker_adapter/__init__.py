"""Executes per-client commands against Motilal and reports what happened."""
