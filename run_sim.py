"""Command line of inmail-sim: see `python run_sim.py --help`."""
from sim.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
