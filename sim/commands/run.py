"""`run_sim.py run SCENARIO`: R replications of one scenario, metrics with 95% intervals, files and a report.

Writes scenario.yaml, metrics.json, timeseries.csv and distributions.json (docs/outputs.md) into the output folder,
prints the headline metrics with their intervals, then builds the report. The helpers below (executor options,
output folder checks, the report step) are shared by the `compare` and `sweep` commands.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.experiments import api
from sim.experiments.files import ResultsExist
from sim.experiments.replicate import Interrupted, UnknownMetric
from sim.experiments.tables import metrics_table

from .common import UsageError, add_run_options

DEFAULT_REPLICATIONS = 5
"""Replications of `run` when --replications is not given: enough for a first interval, quick on two cores."""

EXAMPLES = """examples:
  run_sim.py run scenarios/seed_article.yaml -r 20
  run_sim.py run scenarios/linkedin_2026.yaml --until-ci 0.01 --until-metric response_rate
  run_sim.py run scenarios/linkedin_2026.yaml -r 50 --executor dask --scheduler tcp://10.0.0.5:8786

--executor dask without --scheduler starts a local Dask cluster on 127.0.0.1 (--jobs workers); the workers of
a remote cluster need inmail-sim installed. Ctrl-C stops the workers and writes the replications that finished.
"""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "run", help="run replications of a scenario: metrics with 95%% intervals, files and a report",
        description="Run independent replications of a scenario and write scenario.yaml, metrics.json,\n"
        "timeseries.csv, distributions.json and the report into the output folder. Replication r uses the\n"
        "random streams of (seed, r), so the numbers are the same whatever the executor and the number of jobs.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("scenario", type=Path, metavar="SCENARIO", help="scenario YAML file")
    add_experiment_options(p)
    p.add_argument(
        "--until-ci", type=float, default=None, metavar="X",
        help="add replications until the 95%% interval of --until-metric is within X of its mean on each side "
        "(relative half-width, e.g. 0.01), or --max-replications is reached",
    )
    p.add_argument("--until-metric", default="response_rate", metavar="NAME",
                   help="metric whose interval --until-ci targets (default response_rate)")
    p.add_argument("--max-replications", type=int, default=200, metavar="N",
                   help="cap on replications with --until-ci (default 200)")
    p.set_defaults(handler=run_command)


def add_experiment_options(p: argparse.ArgumentParser, default_replications: int = DEFAULT_REPLICATIONS,
                           out_suffix: str = "", **options) -> None:
    """--set, --out, --seed, --replications, --force, --jobs, --executor, --scheduler, --quiet, --no-report."""
    add_run_options(p, default_replications=default_replications, out_suffix=out_suffix, **options)
    p.add_argument("--no-report", action="store_true",
                   help="write the data files only (build the report later with `run_sim.py report DIR`)")


def check_experiment_options(args) -> None:
    """Option values that are wrong whatever the scenario: exit 2 before anything runs."""
    if args.replications < 1:
        raise UsageError(f"--replications must be >= 1, got {args.replications}")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs must be >= 1, got {args.jobs}")
    if args.seed is not None and args.seed < 0:
        raise UsageError(f"--seed must be >= 0, got {args.seed}")
    if args.scheduler and args.executor != "dask":
        raise UsageError("--scheduler needs --executor dask")


def executor_options(args) -> dict:
    return {"executor": args.executor, "jobs": args.jobs, "scheduler": args.scheduler, "progress": not args.quiet}


def usage_errors(call, *args, **kwargs):
    """Calls an experiment function, turning a refused folder or an unreachable cluster into a UsageError."""
    try:
        return call(*args, **kwargs)
    except (ResultsExist, ConnectionError) as exc:
        raise UsageError(str(exc)) from None


def copy_sources(out: Path, scenario_path: Path) -> None:
    """Copies the scenario file and the files it extends (root first) to scenario.source.yaml, comments included:
    the resolved scenario.yaml has lost the comments that name the sources of the figures, the report shows them."""
    from sim.experiments.files import atomic_write_text
    from sim.scenario.loader import source_chain

    parts = [f"# ---- {path} ----\n{path.read_text(encoding='utf-8')}" for path in source_chain(scenario_path)]
    if parts:
        atomic_write_text(out / "scenario.source.yaml", "\n".join(parts))


def build_report_for(out: Path, args) -> None:
    """Builds report.md/report.html in `out` if the report package is there; a report failure is a warning."""
    if args.no_report:
        return
    try:
        from sim.report import build_report
    except ImportError:
        build_report = None
    if build_report is None:
        return
    try:
        written = build_report(out)
    except Exception as exc:  # the results are safely written; a report problem must not hide them
        if type(exc).__name__ != "ReportError":
            raise
        print(f"warning: report not built: {exc}", file=sys.stderr)
        return
    if not args.quiet:
        for path in written:
            if Path(path).name.startswith("report."):
                print(f"report: {path}")


def run_command(args) -> int:
    check_experiment_options(args)
    if args.until_ci is not None and not args.until_ci > 0:
        raise UsageError(f"--until-ci must be > 0 (a relative half-width such as 0.01), got {args.until_ci}")
    if args.until_ci is not None and args.max_replications < 2:
        raise UsageError(f"--max-replications must be >= 2 with --until-ci, got {args.max_replications}")
    scenario = api.load(args.scenario, args.overrides)
    out = args.out or api.default_out(scenario)
    try:
        result = usage_errors(
            api.run, scenario, args.replications, seed=args.seed, out=out, force=args.force,
            until_ci=args.until_ci, until_metric=args.until_metric, max_replications=args.max_replications,
            **executor_options(args),
        )
    except Interrupted as exc:
        if exc.partial is not None:
            exc.partial.write(out)
            print(f"interrupted: {exc.partial.replications} finished replications written to {out}", file=sys.stderr)
        raise
    except UnknownMetric as exc:
        raise UsageError(f"--until-metric: {exc}") from None
    summary = result.summary()
    if not args.quiet:
        print(f"{summary['scenario']}: {summary['replications']} replications, seed {summary['seed']}")
        if result.stopping is not None:
            s = result.stopping
            reached = "reached" if s["reached"] else "NOT reached (cap)"
            print(f"--until-ci {s['target']:g} on {s['metric']}: {reached}, relative half-width "
                  f"{s['relative_half_width']:.4g}")
        print(metrics_table(summary["metrics"]))
        print(f"results: {out}")
    copy_sources(out, args.scenario)
    build_report_for(out, args)
    return 0
