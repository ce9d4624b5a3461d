"""Unit tests of the motilal library: pure functions, no network."""
