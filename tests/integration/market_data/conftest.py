"""Private simulator for feed tests.

Feed tests take the simulator down and move prices, so they run their own simulator (not
the session's shared one) and their own market-data processes, each on its own Redis
database so their quotes and watch sets cannot mix with other tests'.
"""

from collections.abc import Iterator

import pytest
from motilal_sim.testing import RunningSimulator, run_simulator


@pytest.fixture(scope="package")
def private_sim() -> Iterator[RunningSimulator]:
    # The walk is paused: prices move only when a test sets them.
    with run_simulator(seed=11, env={"MOTILAL_SIM_TICK_INTERVAL": "0"}) as sim:
        yield sim
