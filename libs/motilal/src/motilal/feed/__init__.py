"""Motilal's two WebSocket feeds: the binary quote feed and the JSON order/trade stream."""
