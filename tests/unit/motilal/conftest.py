"""Unit tests of the motilal library: no services (a test may open a loopback socket)."""
