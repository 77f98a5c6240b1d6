"""The command line: each command lives in `sim/commands/<name>.py` and is a thin layer over the Python API.

Exit status: 0 success, 1 a run failed its own accounting checks (an engine bug), 2 bad input (scenario, option or
file), 130 interrupted.
"""
from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = ["run", "validate", "show", "compare", "sweep", "report", "validate_model"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inmail-sim",
        description="Discrete-event simulation of InMail-style paid-messaging economies.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"sim.commands.{name}")
        except ModuleNotFoundError as exc:  # a command still being written is simply not offered
            if exc.name == f"sim.commands.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from sim.commands.common import guarded

    parser = build_parser()
    args = parser.parse_args(argv)
    return guarded(args.handler, args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
