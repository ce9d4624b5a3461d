"""HTTP and WebSocket routes: Motilal's API, its feeds, and the /sim control API."""
