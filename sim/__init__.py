"""inmail-sim: discrete-event simulation of InMail-style paid-messaging economies.

Notebook users start here::

    import sim
    scenario = sim.load_scenario("scenarios/linkedin_2026.yaml", ["plans.premium_business.credits_per_month=20"])
    result = sim.run(scenario, replications=10)          # many replications, with intervals
    result.metrics_frame()                                # pandas DataFrame
    one = sim.simulate(scenario, seed=1, replication=0)  # a single replication, plain data

`run`, `compare` and `sweep` live in `sim.experiments` and are imported on first use.
"""
from sim.errors import AccountingError, ScenarioError
from sim.scenario import Scenario, load_scenario
from sim.world.engine import simulate

__version__ = "0.1.0"
__all__ = ["load_scenario", "Scenario", "simulate", "run", "compare", "sweep", "ScenarioError", "AccountingError"]


def __getattr__(name):
    if name in ("run", "compare", "sweep"):
        from sim import experiments

        return getattr(experiments, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
