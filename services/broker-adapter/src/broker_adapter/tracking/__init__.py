"""Tracking: following placed orders to their end (order/trade stream, recovery reads)."""
