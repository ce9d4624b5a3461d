"""`python -m order_router` serves the order-router."""

from order_router.app import app, runtime

runtime.run(app)
