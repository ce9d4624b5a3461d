"""Public REST API, WebSocket and dashboard."""
