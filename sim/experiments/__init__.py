"""Many replications: runs with confidence intervals, A/B comparisons on common random numbers, parameter sweeps.

`run`, `compare` and `sweep` are the notebook user's entry points (see `api.py`); the modules below them are one
concept each: `stats` (means, t intervals, paired differences), `executors` (local processes or Dask),
`replicate`, `compare`, `sweep`, `progress`, and `files` (atomic result files).
"""
from .api import compare, run, sweep
from .compare import Comparison
from .executors import get_executor
from .replicate import Interrupted, RunResult, run_replications
from .stats import paired_difference, summarize, welch_difference
from .sweep import SweepResult

__all__ = [
    "run", "compare", "sweep", "run_replications", "get_executor", "RunResult", "Comparison", "SweepResult",
    "Interrupted", "summarize", "paired_difference", "welch_difference",
]
