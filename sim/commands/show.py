"""`run_sim.py show SCENARIO [--set KEY.PATH=VALUE]`: prints the fully resolved scenario as YAML.

Inheritance and overrides applied, every default filled in: what a run would use. The output is itself a scenario
file that loads back to the same scenario (its `sweep:` grid, if any, is kept at the end).
"""
from __future__ import annotations

import sys

import yaml

from sim.scenario import load_scenario_and_sweep

from .common import add_scenario_options


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "show", help="print the fully resolved scenario (defaults filled, inheritance applied)",
        description="Print the fully resolved scenario as YAML: extends and --set applied, every default filled in.",
    )
    p.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    add_scenario_options(p)
    p.set_defaults(handler=show)


def resolved_yaml(path, overrides=()) -> str:
    """The resolved scenario as YAML text that loads back to the same scenario."""
    scenario, grid = load_scenario_and_sweep(path, overrides)
    data = scenario.model_dump(mode="json", by_alias=True)
    if grid:
        data["sweep"] = grid
    header = f"# {path} fully resolved" + (f" with --set {' '.join(overrides)}" if overrides else "") + "\n"
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def show(args) -> int:
    sys.stdout.write(resolved_yaml(args.scenario, args.overrides))
    return 0
