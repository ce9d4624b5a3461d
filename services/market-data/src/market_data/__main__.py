"""`python -m market_data` serves the market-data."""

from market_data.app import app, runtime

runtime.run(app)
