"""`run_sim.py validate-model [--out DIR] [--fast] [--quiet]`: the engine against theory, as a report.

Runs the validation suite (sim/validation/cases.py: Erlang B, Little's law, open and response laws, refund
policies, the credit Markov chain, the deterministic credit schedule), prints one line per case, and writes
DIR/validation.md (default docs/validation.md): a table mechanism | theory | simulated (mean, 95% interval) |
replications | verdict, then a paragraph per case. Exit status 1 if any simulated mean lies more than 4 standard
errors from its theory (or a case left the setting its theory assumes), 2 on a bad option.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.experiments.files import atomic_write_text

from .common import UsageError, default_jobs

DEFAULT_DIR = Path("docs")
REPORT_NAME = "validation.md"


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "validate-model", help="check the engine against closed-form theory and write validation.md",
        description="Run every validation case (small scenarios whose expected result is known exactly) over many "
        "seeded replications and write validation.md: mechanism, theory, simulated mean with its 95% interval, "
        "replications and verdict (within 4 standard errors or not). Exit status 1 if any verdict fails.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  run_sim.py validate-model\n  run_sim.py validate-model --fast --out /tmp/check\n",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_DIR, metavar="DIR",
                   help=f"folder for {REPORT_NAME} (default {DEFAULT_DIR}/)")
    p.add_argument("--fast", action="store_true", help="leave out the slow cases (about a minute instead of five)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    p.add_argument("--jobs", "-j", type=int, default=None, help="worker processes (default: number of cores)")
    p.set_defaults(handler=validate_model)


def validate_model(args) -> int:
    # imported here so that `run_sim.py --help` does not pay for scipy and the case definitions
    from sim.validation.cases import all_cases, select
    from sim.validation.check import run_cases
    from sim.validation.report import render_report, verdict_text
    from sim.validation.statistics import AssumptionBroken

    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs must be >= 1, got {args.jobs}")
    try:  # find out now, not after minutes of simulation, that the report cannot be written
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {args.out}: cannot create the folder ({exc.strerror or exc})") from None
    cases = select(all_cases(), fast_only=args.fast)

    def progress(case, verdicts) -> None:
        if not args.quiet:
            marks = "; ".join(verdict_text(v) for v in verdicts)
            print(f"{case.key}: {marks}", file=sys.stderr, flush=True)

    try:
        verdicts = run_cases(cases, jobs=args.jobs or default_jobs(), on_case=progress)
    except AssumptionBroken as exc:
        print(f"validation case broken (its scenario left the setting of its theory): {exc}", file=sys.stderr)
        return 1
    path = args.out / REPORT_NAME
    atomic_write_text(path, render_report(cases, verdicts, fast_only=args.fast))
    failed = [v for v in verdicts if not v.passed]
    print(f"{len(verdicts) - len(failed)} of {len(verdicts)} checks within 4 standard errors; wrote {path}")
    for v in failed:
        print(f"FAILED: {v.measure.mechanism}: theory {v.theory:.6g}, simulated {v.mean:.6g} (z = {v.z:+.2f})",
              file=sys.stderr)
    return 1 if failed else 0
