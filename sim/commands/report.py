"""`run_sim.py report DIR`: rebuilds report.md, report.html and figures/ from the data files in DIR.

Nothing is run: the report reads only what an earlier `run`, `compare` or `sweep` wrote, so it can be redrawn after
the report code changed, or on a machine that never ran the simulation. A folder without data files is an error
(one line, exit status 2).
"""
from __future__ import annotations

from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "report", help="rebuild the report of an earlier run, compare or sweep from its data files",
        description="Rebuild report.md, report.html and figures/ in DIR from the data files an earlier run, compare "
        "or sweep left there (metrics.json, comparison.json or sweep.json). Nothing is simulated.",
    )
    p.add_argument("folder", metavar="DIR", type=Path, help="folder holding the data files")
    p.add_argument("--quiet", "-q", action="store_true", help="do not print the paths written")
    p.set_defaults(handler=report)


def report(args) -> int:
    from sim.report import build_report  # matplotlib is slow to import; other commands should not pay for it

    written = build_report(args.folder)
    if not args.quiet:
        for path in written:
            if path.name.startswith("report."):
                print(path)
    return 0
