"""Contract tests: the motilal client against the real simulator, run as a subprocess.

The fixtures live in motilal_testkit.py so test modules can import its helpers by a name no
other suite uses.
"""

from motilal_testkit import _fresh_sim, client, control, make_client, sim

__all__ = ["_fresh_sim", "client", "control", "make_client", "sim"]
