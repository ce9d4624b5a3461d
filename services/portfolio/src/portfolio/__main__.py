"""`python -m portfolio` serves the portfolio."""

from portfolio.app import app, runtime

runtime.run(app)
