"""`run_sim.py compare BASE [VARIANT...] [--variant NAME KEY=VALUE...]`: an A/B test on common random numbers.

Every arm runs the same replication seeds; per metric the command reports the paired difference (variant - base),
its 95% interval, the relative change and whether the interval excludes zero. Writes comparison.json,
comparison.csv, each arm's run files under arms/<name>/, and the report.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.experiments import api
from sim.experiments.compare import check_arm_name
from sim.experiments.replicate import Interrupted, scenario_name
from sim.experiments.tables import comparison_table

from .common import UsageError
from .run import add_experiment_options, build_report_for, check_experiment_options, executor_options, usage_errors

DEFAULT_REPLICATIONS = 10
EXAMPLES = """variants:
  A variant is a scenario file (VARIANT.yaml, named after its `name:`) or the base with some settings changed:
    --variant NAME KEY.PATH=VALUE [KEY.PATH=VALUE ...]
  (repeatable; VALUE is read as YAML). --set changes the base and every variant alike.

examples:
  run_sim.py compare scenarios/linkedin_2026.yaml \\
      --variant more_credits plans.premium_business.credits_per_month=20 -r 20
  run_sim.py compare scenarios/linkedin_2026.yaml \\
      --variant cheaper plans.premium_business.price_per_month=49.99 plans.premium_business.credits_per_month=10 \\
      --variant no_refund refund.policy=none
  run_sim.py compare scenarios/linkedin_2026.yaml scenarios/seed_article.yaml -r 20
"""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "compare", help="A/B comparison of variants against a base, with paired 95%% intervals",
        description="Run a base scenario and its variants on the same replication seeds (common random numbers)\n"
        "and report, per metric, the paired difference variant - base with its 95% interval, the relative change\n"
        "and whether the interval excludes zero. The unpaired (Welch) interval is written beside it.\n"
        "Writes comparison.json, comparison.csv, arms/<name>/ and the report.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("base", type=Path, metavar="BASE", help="base scenario YAML file")
    p.add_argument("variant_files", nargs="*", type=Path, metavar="VARIANT", help="variant scenario YAML files")
    p.add_argument(
        "--variant", dest="variants", nargs="+", action="append", default=[], metavar=("NAME", "KEY.PATH=VALUE"),
        help="a variant made of the base with these settings changed (repeatable)",
    )
    p.add_argument("--base-name", default=None, help="name of the base arm (default: the base scenario's name)")
    p.add_argument("--no-arms", action="store_true", help="do not write each arm's run files under arms/<name>/")
    add_experiment_options(p, default_replications=DEFAULT_REPLICATIONS, out_suffix="-compare")
    p.set_defaults(handler=compare_command)


def parse_variant_option(words: list[str]) -> tuple[str, list[str]]:
    """`[NAME, KEY=VALUE, ...]` -> (NAME, [KEY=VALUE, ...])."""
    name, settings = words[0], words[1:]
    if "=" in name:
        raise UsageError(f"--variant needs a NAME before its settings, got {' '.join(words)!r}")
    if not settings:
        raise UsageError(f"--variant {name}: give at least one KEY.PATH=VALUE setting")
    for setting in settings:
        key, sep, _ = setting.partition("=")
        if not sep or not key:
            raise UsageError(f"--variant {name}: settings must look like KEY.PATH=VALUE, got {setting!r}")
    return name, settings


def _unique(name: str, taken: set[str]) -> str:
    candidate, k = name, 2
    while candidate in taken:
        candidate, k = f"{name}_{k}", k + 1
    return candidate


def variants_from_args(args, base_name: str) -> dict:
    """Variant name -> file path or list of settings, names unique and different from the base's."""
    variants: dict = {}
    for path in args.variant_files:
        scenario = api.load(path, args.overrides)  # named after its own `name:`, as the help says
        name = scenario_name(scenario)
        if name == base_name or name in variants:
            name = _unique(path.stem if path.stem != base_name else name, {base_name, *variants})
        variants[name] = path
    for words in args.variants:
        name, settings = parse_variant_option(words)
        if name == base_name or name in variants:
            raise UsageError(f"--variant {name}: the name is already used by the base or another variant")
        variants[name] = settings
    for name in variants:
        try:
            check_arm_name(name)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if not variants:
        raise UsageError("compare needs at least one variant: VARIANT.yaml files or --variant NAME KEY.PATH=VALUE")
    return variants


def compare_command(args) -> int:
    check_experiment_options(args)
    base = api.load(args.base, args.overrides)
    base_name = args.base_name or scenario_name(base)
    try:
        check_arm_name(base_name)
    except ValueError as exc:
        raise UsageError(f"--base-name: {exc}") from None
    variants = variants_from_args(args, base_name)
    out = args.out or api.default_out(base, "-compare")
    try:
        comparison = usage_errors(
            api.compare, args.base, variants, args.replications, overrides=args.overrides, seed=args.seed,
            base_name=base_name, out=out, force=args.force, arms=not args.no_arms, **executor_options(args),
        )
    except Interrupted as exc:
        if exc.partial is not None:
            exc.partial.write(out, arms=not args.no_arms)
            print(f"interrupted: {len(exc.partial.replication_ids)} replications finished in every arm, written "
                  f"to {out}", file=sys.stderr)
        raise
    if not args.quiet:
        data = comparison.to_dict()
        print(f"{len(comparison.replication_ids)} paired replications, seed {comparison.seed} "
              "(differences are variant - base, on common random numbers)")
        for variant in comparison.variants:
            print(f"\n{variant} - {comparison.base}")
            print(comparison_table(data, variant))
        print(f"\nresults: {out}")
    build_report_for(out, args)
    return 0
