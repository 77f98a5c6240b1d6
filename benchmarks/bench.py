"""The speed benchmark: how long a replication of the generated workload takes, and how much memory, as it grows.

    python benchmarks/bench.py --senders 10000,100000 [--recipients-per-sender 10] [--days 365]
                               [--naive-max 10000] [--python-max 10000] [--repeat 1] [--out benchmarks/results.json]
                               [--sweep-jobs [--sweep-senders 50000] [--sweep-replications 3] [--sweep-repeat 3]]

Each size runs in a fresh Python process, so the peak memory reported is that size's own (the child reports its
`ru_maxrss`). "engine" is what `simulate` runs (the compiled engine for this workload); its compiled code is loaded
(or compiled, the first time on a machine) by a tiny run before the timing starts, and that time is reported on its
own. The Python engine (the reference model, `engine: python`) runs side by side at the sizes up to `--python-max`,
and the straightforward SimPy model (`naive_simpy.py`) at the sizes up to `--naive-max`, so the speed ratios are
measured in the same run, on the same machine load. `--sweep-jobs` also times a small `run_sim.py sweep` with one
and with two worker processes, alternately, a few times. This is a measuring instrument, not a test: nothing here
asserts a time.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: make `sim` and `benchmarks` importable without installing
    sys.path.insert(0, str(REPO))

from benchmarks.workload import BENCH_SEED, benchmark_scenario, benchmark_scenario_dict  # noqa: E402

MODELS = ("engine", "python", "naive")


# --- one measurement, in a child process -------------------------------------------------------------------------
def measure(model: str, senders: int, recipients_per_sender: float, days: float, seed: int) -> dict:
    """Runs one replication of `model` in this process and returns its figures (the child's side)."""
    import resource

    jit_seconds = None
    if model == "engine":
        from sim.world.compiled import warm_up

        jit_started = time.perf_counter()
        warm_up()
        jit_seconds = time.perf_counter() - jit_started
    built = time.perf_counter()
    scenario = benchmark_scenario(senders, recipients_per_sender, days, seed)
    if model in ("engine", "python"):
        from sim.world.engine import simulate

        if model == "python":
            scenario = scenario.model_copy(update={"engine": "python"})

        def run():
            result = simulate(scenario, seed, 0)
            return dict(result.metrics), int(result.stats["events"]), result.stats["engine"]
    else:
        from benchmarks.naive_simpy import simulate_naive

        def run():
            result = simulate_naive(scenario, seed, 0)
            return result["metrics"], int(result["stats"]["events"]), "naive"

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu_started = time.perf_counter(), time.process_time()
    metrics, events, engine = run()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    attempted = int(metrics["inmails_attempted"])
    return {
        "model": model,
        "engine": engine,
        "jit_load_seconds": jit_seconds,  # before the timing: loading (or, the first time, compiling) compiled code
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "setup_seconds": started - built,
        "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # Linux reports KiB
        "memory_before_run_mb": rss_before / 1024,
        "inmails_attempted": attempted,
        "events": events,
        # rates per CPU second: on an idle machine the same as per wall second, and unaffected by other load
        "inmails_per_second": attempted / cpu if cpu > 0 else None,
        "inmails_per_wall_second": attempted / wall if wall > 0 else None,
        "events_per_second": events / cpu if cpu > 0 else None,
        "microseconds_per_inmail": 1e6 * cpu / attempted if attempted else None,
        "headline": {name: metrics[name] for name in HEADLINE if name in metrics},
    }


HEADLINE = (
    "inmails_attempted", "inmails_delivered", "inmails_opened", "inmails_responded", "inmails_bounced_inbox_full",
    "credits_granted", "credits_spent", "credits_refunded", "credits_expired", "credits_forfeited_cap",
)


def run_child(model: str, senders: int, args) -> dict:
    """Measures one replication in a fresh interpreter; a failure comes back as {"error": ...}, never raises."""
    command = [
        sys.executable, str(Path(__file__).resolve()), "--child", model, "--senders", str(senders),
        "--recipients-per-sender", str(args.recipients_per_sender), "--days", str(args.days), "--seed", str(args.seed),
    ]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or [f"exit status {done.returncode}"]
        return {"model": model, "error": lines[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def best_of(runs: list[dict]) -> dict:
    """The fastest of repeated runs (least disturbed by other load), with every wall time kept."""
    good = [r for r in runs if "error" not in r]
    if not good:
        return runs[-1]
    best = dict(min(good, key=lambda r: r["cpu_seconds"]))
    best["wall_seconds_all"] = [r["wall_seconds"] for r in good]
    best["cpu_seconds_all"] = [r["cpu_seconds"] for r in good]
    best["peak_memory_mb"] = max(r["peak_memory_mb"] for r in good)
    return best


# --- the sweep timing ----------------------------------------------------------------------------------------------
SWEEP_GRID = "plans.bench.credits_per_month=4,5,6,7"


def time_sweep(args) -> dict:
    """Times `run_sim.py sweep` on a small grid with --jobs 1 and --jobs 2, alternately `--sweep-repeat` times (this
    machine's speed drifts by 10-30% from minute to minute, so one pair of timings can say 1.7x or 2.1x); the
    speed-up is that of the fastest of each. Also times the same sweep of 100 senders with --jobs 1: what a sweep
    costs whatever its size (start-up, imports, loading the compiled code, the summary). Tolerant of a missing sweep
    command."""
    import statistics

    import yaml

    probe = subprocess.run([sys.executable, "run_sim.py", "sweep", "--help"], capture_output=True, text=True, cwd=REPO)
    if probe.returncode != 0:
        return {"error": "run_sim.py has no working sweep command yet"}
    # the report is drawn once, after the runs, by one process: leave it out so the timing is of the runs
    no_report = ["--no-report"] if "--no-report" in probe.stdout else []
    replications = args.sweep_replications
    figures: dict = {"senders": args.sweep_senders, "grid": SWEEP_GRID, "replications": replications,
                     "repeat": args.sweep_repeat, "report": not no_report, "timings": []}
    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp:
        def sweep(senders: int, jobs: int, label: str) -> dict:
            scenario_file = Path(tmp) / f"bench{senders}.yaml"
            if not scenario_file.exists():
                scenario_file.write_text(yaml.safe_dump(
                    benchmark_scenario_dict(senders, args.recipients_per_sender, args.days, args.seed),
                    sort_keys=False,
                ))
            command = [
                sys.executable, "run_sim.py", "sweep", str(scenario_file), "--grid", SWEEP_GRID, "--replications",
                str(replications), "--jobs", str(jobs), "--out", str(Path(tmp) / label), "--quiet", *no_report,
            ]
            cpu_before, busy_before = children_cpu_seconds(), machine_busy_seconds()
            started = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
            wall = time.perf_counter() - started
            if done.returncode != 0:
                lines = (done.stderr or done.stdout).strip().splitlines() or [f"exit status {done.returncode}"]
                return {"error": f"--jobs {jobs}: {lines[-1]}"}
            cpu = children_cpu_seconds() - cpu_before
            timing = {"jobs": jobs, "seconds": wall, "cpu_seconds": cpu}
            if busy_before is not None:  # what other processes took meanwhile, in cores on average
                timing["other_cores"] = max(0.0, machine_busy_seconds() - busy_before - cpu) / wall
            return timing

        figures["load_average_before"] = os.getloadavg()[0]
        startup = sweep(100, 1, "startup")
        if "error" in startup:
            return {**figures, **startup}
        figures["startup_seconds"] = startup["seconds"]
        for attempt in range(args.sweep_repeat):
            for jobs in (1, 2):
                timing = sweep(args.sweep_senders, jobs, f"jobs{jobs}_{attempt}")
                if "error" in timing:
                    return {**figures, **timing}
                figures["timings"].append(timing)
    for jobs in (1, 2):
        runs = [t for t in figures["timings"] if t["jobs"] == jobs]
        fastest = min(runs, key=lambda t: t["seconds"])
        figures[f"jobs{jobs}_seconds"] = fastest["seconds"]
        figures[f"jobs{jobs}_cpu_seconds"] = fastest["cpu_seconds"]  # all workers together
        figures[f"jobs{jobs}_median_seconds"] = statistics.median(t["seconds"] for t in runs)
    figures["speedup"] = figures["jobs1_seconds"] / figures["jobs2_seconds"]
    figures["median_speedup"] = figures["jobs1_median_seconds"] / figures["jobs2_median_seconds"]
    others = [t["other_cores"] for t in figures["timings"] if "other_cores" in t]
    if others:
        figures["most_other_cores"] = max(others)
    fixed = figures["startup_seconds"]
    if figures["jobs2_seconds"] > fixed and figures["jobs1_seconds"] > fixed:  # the runs alone, start-up left out
        figures["runs_speedup"] = (figures["jobs1_seconds"] - fixed) / (figures["jobs2_seconds"] - fixed)
    return figures


def machine_busy_seconds() -> float | None:
    """CPU seconds every process on the machine has used since boot (/proc/stat; None where there is none)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except (OSError, IndexError):
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --- machine, printing, writing ------------------------------------------------------------------------------------
def machine_info() -> dict:
    import numpy
    import simpy

    info = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "numpy": numpy.__version__,
        "simpy": simpy.__version__,
    }
    for path, key, field in (("/proc/cpuinfo", "cpu", "model name"), ("/proc/meminfo", "memory", "MemTotal")):
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(field):
                    info[key] = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
    return info


def git_commit() -> str | None:
    done = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=REPO)
    return done.stdout.strip() if done.returncode == 0 else None


def fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_size(row: dict, smallest_cost: float | None) -> None:
    print(f"\n{row['senders']:,} senders, {row['recipients']:,} recipients, {row['days']:g} days")
    print(f"  {'model':7s} {'wall s':>8s} {'CPU s':>8s} {'peak MB':>8s} {'InMails':>11s} {'InMails/s':>11s} "
          f"{'events/s':>11s} {'us/InMail':>10s}")
    for model in MODELS:
        figures = row.get(model)
        if figures is None:
            continue
        if "error" in figures:
            print(f"  {model:7s} failed: {figures['error']}")
            continue
        print(f"  {model:7s} {figures['wall_seconds']:8.2f} {figures['cpu_seconds']:8.2f} "
              f"{figures['peak_memory_mb']:8.0f} {figures['inmails_attempted']:11,d} "
              f"{fmt(figures['inmails_per_second'], '11,.0f')} {fmt(figures['events_per_second'], '11,.0f')} "
              f"{fmt(figures['microseconds_per_inmail'], '10.2f')}")
        if figures["wall_seconds"] > 1.2 * figures["cpu_seconds"]:
            print(f"  {'':7s} (machine busy: wall time was {figures['wall_seconds'] / figures['cpu_seconds']:.1f}x "
                  "CPU time; rates are per CPU second)")
    jit = row.get("engine", {}).get("jit_load_seconds")
    if jit is not None:
        print(f"  engine: {row['engine'].get('engine')}; its compiled code loaded in {jit:.1f} s before the timing "
              "(40-100 s the first time on a machine, when it compiles)")
    if row.get("speed_ratio"):
        print(f"  engine / naive InMails per CPU second: {row['speed_ratio']:.1f}x")
    if row.get("python_ratio"):
        print(f"  engine / Python engine InMails per CPU second: {row['python_ratio']:.1f}x")
    cost = row.get("engine", {}).get("microseconds_per_inmail")
    if cost and smallest_cost:
        print(f"  engine cost per InMail vs the smallest size: {cost / smallest_cost:.2f}x")


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)


# --- command line --------------------------------------------------------------------------------------------------
def size_list(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers, e.g. 10000,100000; got {text!r}")
    if not sizes or any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"expected sizes >= 1, got {text!r}")
    return sizes


def positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}")
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
        return value
    return parse


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--senders", type=size_list, default=[10000], help="comma-separated sizes, e.g. 10000,100000")
    p.add_argument("--recipients-per-sender", type=positive(float), default=10)
    p.add_argument("--days", type=positive(float), default=365)
    p.add_argument("--seed", type=int, default=BENCH_SEED)
    p.add_argument("--naive-max", type=int, default=10000,
                   help="run the naive SimPy model at sizes up to this many senders (it takes minutes beyond 10,000)")
    p.add_argument("--python-max", type=int, default=10000,
                   help="run the Python engine (the reference model) at sizes up to this many senders")
    p.add_argument("--repeat", type=positive(int), default=1, help="runs per size and model; the fastest is reported")
    p.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results.json")
    p.add_argument("--sweep-jobs", action="store_true", help="also time a small sweep with --jobs 1 and --jobs 2")
    p.add_argument("--sweep-senders", type=positive(int), default=50000,
                   help="senders in the timed sweep's scenario (runs of a few seconds: start-up is not the measure)")
    p.add_argument("--sweep-replications", type=positive(int), default=3,
                   help="replications per grid point of the timed sweep (3: the sweep command's default)")
    p.add_argument("--sweep-repeat", type=positive(int), default=3,
                   help="timings of the sweep with each --jobs, alternately; the fastest of each is compared")
    p.add_argument("--child", choices=MODELS, help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.senders[0], args.recipients_per_sender, args.days, args.seed)))
        return 0

    run_identity = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "load_average_at_start": list(os.getloadavg()),  # > number of cores: wall times are inflated
    }
    rows, smallest_cost = [], None
    for senders in sorted(set(args.senders)):
        row = {"senders": senders, "recipients": max(1, round(senders * args.recipients_per_sender)), "days": args.days}
        limits = {"engine": senders, "python": args.python_max, "naive": args.naive_max}
        for model in MODELS:
            if senders <= limits[model]:
                row[model] = best_of([run_child(model, senders, args) for _ in range(args.repeat)])
        engine = row["engine"]
        for other, key in (("naive", "speed_ratio"), ("python", "python_ratio")):
            figures = row.get(other)
            if figures and "error" not in figures and "error" not in engine:
                row[key] = engine["inmails_per_second"] / figures["inmails_per_second"]
        cost = engine.get("microseconds_per_inmail")
        if cost and smallest_cost is None:
            smallest_cost = cost
        if cost and smallest_cost:
            row["engine_cost_vs_smallest"] = cost / smallest_cost
        print_size(row, smallest_cost)
        rows.append(row)

    results = {
        **run_identity,
        "machine": machine_info(),
        "settings": {"recipients_per_sender": args.recipients_per_sender, "days": args.days, "seed": args.seed,
                     "repeat": args.repeat, "naive_max": args.naive_max, "python_max": args.python_max},
        "sizes": rows,
    }
    if args.sweep_jobs:
        results["sweep_jobs"] = sweep = time_sweep(args)
        if "error" in sweep:
            print(f"\nsweep timing skipped: {sweep['error']}")
        else:
            print(f"\nsweep of {sweep['senders']:,} senders, {sweep['grid']}, {sweep['replications']} replications, "
                  f"fastest of {sweep['repeat']}: --jobs 1 {sweep['jobs1_seconds']:.1f} s "
                  f"({sweep['jobs1_cpu_seconds']:.1f} CPU s), --jobs 2 {sweep['jobs2_seconds']:.1f} s "
                  f"({sweep['jobs2_cpu_seconds']:.1f} CPU s), speed-up {sweep['speedup']:.2f}x")
            print(f"  every timing (s): " + ", ".join(f"jobs {t['jobs']} {t['seconds']:.1f}" for t in sweep["timings"])
                  + f"; medians' speed-up {sweep['median_speedup']:.2f}x")
            runs = f", the runs alone {sweep['runs_speedup']:.2f}x" if "runs_speedup" in sweep else ""
            print(f"  start-up of a sweep (the same grid on 100 senders, --jobs 1): {sweep['startup_seconds']:.1f} s"
                  + runs)
            if sweep.get("most_other_cores", 0.0) > 0.1:
                print(f"  (other processes used up to {sweep['most_other_cores']:.2f} cores during a timing: the "
                      "second worker may not have had a core of its own)")
    try:
        write_json(args.out, results)
    except OSError as exc:
        print(f"error: --out {args.out}: cannot write: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"\nwrote {args.out}")
    failed = any("error" in row.get(m, {}) for row in rows for m in MODELS)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
