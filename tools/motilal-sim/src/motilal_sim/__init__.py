"""A stand-in for Motilal's Open API: REST, order/trade WebSocket and binary quote feed.

Prices follow a seeded random walk and orders match against them; see `motilal_sim.app`.
"""
