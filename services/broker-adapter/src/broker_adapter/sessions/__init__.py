"""Broker sessions: each client logged in at Motilal (own login or TOTP), shared by replicas."""
