"""Turns fills into positions, P&L and margins."""
