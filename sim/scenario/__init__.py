"""Scenarios: the typed schema, the YAML loader and the generated reference."""
from .loader import (
    load_scenario,
    load_scenario_and_sweep,
    load_scenario_text,
    load_sweep_grid,
    resolve_scenario_dict,
)
from .schema import DAYS_PER_MONTH, Scenario

__all__ = [
    "load_scenario",
    "load_scenario_text",
    "load_scenario_and_sweep",
    "load_sweep_grid",
    "resolve_scenario_dict",
    "Scenario",
    "DAYS_PER_MONTH",
]
