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


__all__ = ["simulate_compiled", "unsupported"]
