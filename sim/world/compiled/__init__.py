"""The compiled engine: the Python engine's rules, per InMail, in numba-compiled loops over flat arrays.

The Python engine (engine.py) is the reference model: readable, one object per ledger and inbox. This package runs
the same rules on the same random numbers for the scenarios `unsupported` accepts and gives the same integers
(floats equal to summation order); tests/test_compiled.py holds it to that on many scenarios. `simulate` picks it
when the scenario's `engine` is `auto` (the default) or `compiled`.

Importing this package does not import numba; `simulate_compiled` does (and compiles on first use, cached on disk).
"""
from .support import unsupported


def simulate_compiled(scenario, root):
    from .driver import simulate_compiled as run

    return run(scenario, root)


def warm_up() -> None:
    """Loads the compiled code (compiling it the first time on a machine, about 40 s; cached on disk after) with a
    tiny run, so that a timing that follows measures the simulation alone."""
    from sim.scenario.schema import Scenario
    from sim.streams import replication_seed

    tiny = Scenario.model_validate({"name": "warm_up", "horizon_days": 40, "population": {"senders": 8,
                                                                                          "recipients": 8}})
    simulate_compiled(tiny, replication_seed(0, 0))


__all__ = ["simulate_compiled", "unsupported", "warm_up"]
