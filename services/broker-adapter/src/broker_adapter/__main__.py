"""`python -m broker_adapter` serves the broker-adapter."""

from broker_adapter.app import app, runtime

runtime.run(app)
