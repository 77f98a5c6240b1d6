"""`run_sim.py sweep SCENARIO --grid KEY.PATH=v1,v2,...`: every combination of values, R replications each.

Rows stream to sweep.csv as runs finish; sweep_summary.csv and sweep.json hold each point's means and 95%
intervals. Run the same command again with the same output folder to resume an interrupted sweep.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.experiments import api
from sim.experiments.replicate import Interrupted
from sim.experiments.sweep import parse_grid_option
from sim.experiments.tables import sweep_table

from .common import UsageError
from .run import add_experiment_options, build_report_for, copy_sources, check_experiment_options, executor_options, usage_errors

EXAMPLES = """grid:
  --grid KEY.PATH=v1,v2,... (repeatable) sweeps one setting; several --grid options make the Cartesian product.
  The scenario file may also hold a top-level `sweep:` mapping, e.g.
      sweep:
        plans.premium_business.credits_per_month: [10, 15, 20, 25]
  and --grid adds keys to it (or replaces the values of a key it also names).

resuming:
  Run the same command again with the same --out: the (point, replication) pairs already in sweep.csv are not run
  again. A folder holding a different sweep is refused unless --force, which starts it afresh.

example:
  run_sim.py sweep scenarios/linkedin_2026.yaml --grid plans.premium_business.credits_per_month=10,15,20,25 \\
      --grid refund.policy=on_response,none -r 10
"""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "sweep", help="run every combination of the values of some settings, with 95%% intervals per point",
        description="Run a grid of scenario variants (the Cartesian product of the --grid values and the file's\n"
        "`sweep:` mapping), each for R replications on the same seeds. Writes sweep.csv (one row per point and\n"
        "replication, as each finishes), sweep_summary.csv and sweep.json (per point: means and 95% intervals),\n"
        "and the report.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("scenario", type=Path, metavar="SCENARIO", help="scenario YAML file")
    p.add_argument("--grid", action="append", default=[], metavar="KEY.PATH=v1,v2,...",
                   help="values of one setting to sweep (repeatable: the Cartesian product is run)")
    add_experiment_options(
        p, default_replications=3, out_suffix="-sweep",
        force_help="replace a different sweep (or other results) in the output folder and start afresh",
    )
    p.set_defaults(handler=sweep_command)


def grid_from_args(options: list[str]) -> dict[str, list[str]]:
    grid: dict[str, list[str]] = {}
    for text in options:
        try:
            key, values = parse_grid_option(text)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        if key in grid:
            raise UsageError(f"--grid {key} is given twice; list all its values in one option")
        grid[key] = values
    return grid


def sweep_command(args) -> int:
    check_experiment_options(args)
    grid = grid_from_args(args.grid)
    base, full_grid = api.sweep_grid(args.scenario, grid, args.overrides)
    if not full_grid:
        raise UsageError("nothing to sweep: give --grid KEY.PATH=v1,v2,... or a `sweep:` mapping in the scenario file")
    out = args.out or api.default_out(base, "-sweep")
    try:
        result = usage_errors(
            api.sweep, args.scenario, grid, args.replications, overrides=args.overrides, seed=args.seed, out=out,
            force=args.force, **executor_options(args),
        )
    except Interrupted:
        print(f"interrupted: finished runs are in {out}/sweep.csv; run the same command again to resume",
              file=sys.stderr)
        raise
    if not args.quiet:
        total = len(result.points) * args.replications
        resumed = f" ({total - result.ran} already done)" if result.ran < total else ""
        print(f"{result.summary.get('scenario')}: {len(result.points)} points x {args.replications} replications"
              f"{resumed}, seed {result.summary.get('seed')}")
        print(sweep_table(result.summary))
        print(f"results: {out}")
    copy_sources(out, args.scenario)
    build_report_for(out, args)
    return 0
