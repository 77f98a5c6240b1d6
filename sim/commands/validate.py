"""`run_sim.py validate SCENARIO... [--set KEY.PATH=VALUE]`: checks scenario files without running them.

Prints `ok: FILE` for each valid file (its `sweep:` grid included) and every problem of each invalid one, one line
each with file, line, column and key path; exits with status 2 if any file is invalid.
"""
from __future__ import annotations

import sys

from sim.errors import ScenarioError
from sim.scenario import load_scenario_and_sweep

from .common import add_scenario_options


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "validate", help="check scenario files and report every problem",
        description="Check scenario files: every problem is reported with file:line:column: key.path: message.",
    )
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario YAML files")
    add_scenario_options(p)
    p.set_defaults(handler=validate)


def validate(args) -> int:
    status = 0
    for path in args.scenarios:
        try:
            load_scenario_and_sweep(path, args.overrides)
        except ScenarioError as exc:
            status = 2
            for problem in exc.problems:
                print(f"error: {problem}", file=sys.stderr)
        else:
            print(f"ok: {path}")
    return status
