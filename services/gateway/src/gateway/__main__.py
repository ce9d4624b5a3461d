"""`python -m gateway` serves the gateway."""

from gateway.app import app, runtime

runtime.run(app)
