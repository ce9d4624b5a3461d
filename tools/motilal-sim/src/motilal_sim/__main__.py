"""`python -m motilal_sim --host 127.0.0.1 --port 8100 [--accounts F] [--tokens F] [--seed N]`.

Every option also reads MOTILAL_SIM_<NAME> from the environment; the command line wins.
"""

import argparse
import logging
from collections.abc import Callable
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from motilal_sim.app import create_app
from motilal_sim.config import SimSettings


def main(
    argv: list[str] | None = None,
    *,
    app_factory: Callable[[SimSettings], FastAPI] = create_app,
    prog: str = "motilal_sim",
    description: str | None = __doc__,
    log_level: str = "info",
) -> None:
    """Serve the simulator; `app_factory` lets a tool serve it with routes of its own."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--accounts", type=Path)
    parser.add_argument("--tokens", type=Path)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--tick-interval", type=float, dest="tick_interval")
    parser.add_argument("--log-level", default=log_level)
    args = vars(parser.parse_args(argv))
    log_level = args.pop("log_level")
    settings = SimSettings(**{k: v for k, v in args.items() if v is not None})
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    uvicorn.run(
        app_factory(settings),
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        access_log=False,
        ws_ping_interval=None,
    )


if __name__ == "__main__":
    main()
