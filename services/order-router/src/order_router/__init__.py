"""The OMS: batches, orders and their state machine, pre-trade risk, kill switch."""
