"""Options and error handling shared by every command."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sim.errors import AccountingError, ScenarioError


class UsageError(Exception):
    """A bad command-line option or output folder: reported on one line, exit status 2."""


def add_scenario_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
        help="override one scenario key, e.g. plans.premium_business.credits_per_month=20 (repeatable)",
    )


def add_run_options(p: argparse.ArgumentParser, default_replications: int = 1, out_suffix: str = "",
                    force_help: str = "overwrite the results of an earlier run in the folder") -> None:
    add_scenario_options(p)
    p.add_argument("--out", type=Path, default=None,
                   help=f"output folder (default reports/<scenario name>{out_suffix}/)")
    p.add_argument("--seed", type=int, default=None, help="root random seed (default: the scenario's seed)")
    p.add_argument("--replications", "-r", type=int, default=default_replications,
                   help=f"independent replications (default {default_replications})")
    p.add_argument("--force", action="store_true", help=force_help)
    p.add_argument("--jobs", "-j", type=int, default=None, help="worker processes (default: number of cores)")
    p.add_argument("--executor", choices=["local", "dask"], default="local", help="where replications run")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address tcp://HOST:PORT (with --executor dask)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def guarded(handler, args) -> int:
    """Runs a command, turning expected failures into one-line messages and exit codes (never a traceback)."""
    try:
        return int(handler(args) or 0)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except AccountingError as exc:
        print(f"accounting check failed (this is a bug in the engine, please report it): {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
