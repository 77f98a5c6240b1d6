"""Scenarios: the typed schema, the YAML loader and the generated reference."""
from .loader import load_scenario
from .schema import DAYS_PER_MONTH, Scenario

__all__ = ["load_scenario", "Scenario", "DAYS_PER_MONTH"]
