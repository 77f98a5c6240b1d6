"""A parameter sweep: every combination of the listed values of some settings, each run for R replications.

The grid comes from `--grid KEY.PATH=v1,v2,...` options and from the scenario file's top-level `sweep:` mapping
(`KEY.PATH: [v1, v2, ...]`); a point is the base scenario with one value per key, loaded exactly as
`load_scenario(path, overrides=base_overrides + point_overrides)` would. Every point uses the same seed, so points
are compared on common random numbers too.

Each finished (point, replication) is appended to `sweep.csv` at once and flushed: results stream to disk instead of
piling up in memory, and an interrupted sweep loses at most the runs in flight. Running the same sweep again into
the same folder resumes it: pairs already in sweep.csv are not run again. The folder's `sweep.json` records a
fingerprint of the resolved point scenarios and the seed; a different sweep is refused there unless forced.
"""
from __future__ import annotations

import csv
import hashlib
import itertools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .aggregate import summarize_metrics
from .executors import Executor, using
from .files import ResultsExist, atomic_write_text, csv_row, holds_results, write_csv, write_json
from .replicate import Interrupted, ReplicationTask, engine_loader, run_task, scenario_name, scenario_yaml

SWEEP_FILES = ("sweep.csv", "sweep_summary.csv", "sweep.json", "scenario.yaml")


class SweepConflict(ResultsExist):
    """The output folder holds other results (another sweep, a run, a comparison): refused unless forced."""


@dataclass(frozen=True)
class GridPoint:
    """One combination: its position in the grid and, per swept key, the value as shown and as an override."""

    point_id: int
    labels: dict[str, str]  # key -> value as written in sweep.csv
    overrides: tuple[str, ...]  # KEY.PATH=VALUE, applied after the base overrides


def _label(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def parse_grid_option(text: str) -> tuple[str, list[str]]:
    """`KEY.PATH=v1,v2,...` -> (key, [v1, v2, ...]); values are read as YAML when the point is loaded."""
    key, sep, values = text.partition("=")
    key = key.strip()
    items = [v.strip() for v in values.split(",")]
    if not sep or not key or not values.strip() or any(not v for v in items):
        raise ValueError(f"--grid must look like KEY.PATH=v1,v2,... (values separated by commas), got {text!r}")
    if len(set(items)) != len(items):
        raise ValueError(f"--grid {key} lists a value twice: {values}")
    return key, items


def grid_points(grid: dict[str, list]) -> list[GridPoint]:
    """The Cartesian product of the grid, the first key varying slowest.

    String values are override text as typed on the command line; other values (from YAML) are written as JSON,
    which is YAML, so the loader reads them back with their type.
    """
    if not grid:
        raise ValueError("a sweep needs a grid: --grid KEY.PATH=v1,v2,... or a `sweep:` mapping in the scenario file")
    keys = list(grid)
    points = []
    for point_id, combo in enumerate(itertools.product(*(grid[k] for k in keys))):
        labels = {k: _label(v) for k, v in zip(keys, combo)}
        overrides = tuple(f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in zip(keys, combo))
        points.append(GridPoint(point_id, labels, overrides))
    return points


def fingerprint(scenarios: list, seed: int) -> str:
    """Identifies a sweep by what it runs: every point's resolved scenario and the seed (not the replications)."""
    payload = json.dumps(
        {"seed": seed, "points": [s.model_dump(mode="json", by_alias=True) for s in scenarios]}, sort_keys=True
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _read_rows(path: Path) -> tuple[list[str], list[dict]]:
    """Header and rows of an existing sweep.csv; a last line cut short by a crash is dropped from the file."""
    if not path.exists():
        return [], []
    text = path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        text = text[: text.rfind("\n") + 1]
        with open(path, "w", encoding="utf-8", newline="") as fh:  # in place: the file is a log, not a result
            fh.write(text)
    reader = csv.DictReader(text.splitlines())
    return list(reader.fieldnames or []), list(reader)


def _check_folder(out: Path, identity: str, force: bool) -> None:
    """Refuses a folder holding another sweep or other results; with `force`, clears the old sweep files."""
    manifest = out / "sweep.json"
    if manifest.exists():
        try:
            old = json.loads(manifest.read_text(encoding="utf-8")).get("fingerprint")
        except (OSError, ValueError):
            old = None
        if old == identity:
            return
        reason = f"{out} holds a different sweep (another scenario, grid or seed)"
    elif holds_results(out):
        reason = f"{out} holds other results"
    else:
        return
    if not force:
        raise SweepConflict(f"{reason}; use another --out, or --force to replace it")
    for name in SWEEP_FILES:
        (out / name).unlink(missing_ok=True)


@dataclass
class SweepResult:
    """A finished (or interrupted) sweep: its folder, points and per-point summaries."""

    out_dir: Path
    points: list[GridPoint]
    summary: dict
    ran: int  # (point, replication) pairs run by this call (the others were already in sweep.csv)

    def frame(self):
        """pandas DataFrame of sweep.csv: one row per point and replication."""
        import pandas as pd

        keys = list(self.points[0].labels)
        frame = pd.read_csv(self.out_dir / "sweep.csv", dtype={k: str for k in keys})
        return frame.sort_values(["point_id", "replication"]).reset_index(drop=True)

    def summary_frame(self):
        """pandas DataFrame of sweep_summary.csv: one row per point and metric."""
        import pandas as pd

        return pd.read_csv(self.out_dir / "sweep_summary.csv", dtype={k: str for k in self.points[0].labels})


def summarize_sweep(out: Path, points: list[GridPoint], meta: dict, status: str) -> dict:
    """Reads sweep.csv back and writes sweep_summary.csv and sweep.json (per point: every metric's interval)."""
    columns, rows = _read_rows(out / "sweep.csv")
    keys = list(points[0].labels)
    metrics = [c for c in columns if c not in ("point_id", "replication", *keys)]
    by_point: dict[int, dict[int, dict]] = {}
    for row in rows:
        if int(row["replication"]) < meta["replications"]:
            by_point.setdefault(int(row["point_id"]), {}).setdefault(int(row["replication"]), row)
    summary_rows, point_entries = [], []
    for point in points:
        done = by_point.get(point.point_id, {})
        ordered = [{m: float(done[r][m]) if done[r][m] != "" else None for m in metrics} for r in sorted(done)]
        stats = summarize_metrics(ordered) if ordered else {}
        point_entries.append({"point_id": point.point_id, "settings": point.labels,
                              "replications_done": len(done), "metrics": stats})
        for name, s in stats.items():
            low, high = s["ci95"] or (None, None)
            summary_rows.append({"point_id": point.point_id, **point.labels, "metric": name, "n": s["n"],
                                 "mean": s["mean"], "sd": s["sd"], "ci95_low": low, "ci95_high": high})
    write_csv(out / "sweep_summary.csv", ["point_id", *keys, "metric", "n", "mean", "sd", "ci95_low", "ci95_high"],
              summary_rows)
    manifest = {**meta, "status": status, "points": point_entries}
    write_json(out / "sweep.json", manifest)
    return manifest


def run_sweep(
    scenarios: list,
    points: list[GridPoint],
    out_dir,
    seed: int | None,
    replications: int,
    executor: str | Executor = "local",
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    force: bool = False,
    model: Callable | None = None,
    base_scenario=None,
) -> SweepResult:
    """Runs the missing (point, replication) pairs of a sweep, streaming rows to `out_dir`/sweep.csv.

    `scenarios[i]` is the loaded scenario of `points[i]`; `base_scenario`, if given, is written to scenario.yaml
    (the points differ from it only in the swept keys). On Ctrl-C the summary of what finished is written and
    `Interrupted` is raised.
    """
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    if len(scenarios) != len(points) or not points:
        raise ValueError("a sweep needs one scenario per grid point, and at least one point")
    out = Path(out_dir)
    seed = scenarios[0].seed if seed is None else seed
    identity = fingerprint(scenarios, seed)
    _check_folder(out, identity, force)
    keys = list(points[0].labels)
    meta = {"kind": "sweep", "scenario": scenario_name(scenarios[0]), "seed": seed, "replications": replications,
            "grid": {k: list(dict.fromkeys(p.labels[k] for p in points)) for k in keys}, "fingerprint": identity}
    out.mkdir(parents=True, exist_ok=True)
    if base_scenario is not None:
        atomic_write_text(out / "scenario.yaml", f"# base scenario of the sweep (seed {seed})\n"
                          + scenario_yaml(base_scenario))
    columns, rows = _read_rows(out / "sweep.csv")
    finished = {(int(r["point_id"]), int(r["replication"])) for r in rows}
    write_json(out / "sweep.json", {**meta, "status": "running"})
    todo = [(p, r) for p in range(len(points)) for r in range(replications) if (p, r) not in finished]
    total, already = len(points) * replications, sum(1 for p, r in finished if r < replications)
    done = already
    tasks = [ReplicationTask(scenarios[p], seed, r, model, metrics_only=True) for p, r in todo]
    handle = writer = None
    interrupted = False
    try:
        left = [scenarios[p] for p in sorted({p for p, _ in todo})]  # a resumed sweep loads only what it runs
        with using(executor, jobs, scheduler, len(tasks) or 1, prepare=engine_loader(left, model)) as runner:
            for index, data in runner.map_unordered(run_task, tasks):
                p, r = todo[index]
                if writer is None:
                    columns = columns or ["point_id", *keys, "replication", *data["metrics"]]
                    fresh = not (out / "sweep.csv").exists()
                    handle = open(out / "sweep.csv", "a", encoding="utf-8", newline="")
                    writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
                    if fresh:
                        writer.writeheader()
                writer.writerow(csv_row({"point_id": p, **points[p].labels, "replication": r, **data["metrics"]}))
                handle.flush()
                done += 1
                if progress is not None:
                    progress(done, total)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if handle is not None:
            os.fsync(handle.fileno())
            handle.close()
    status = "interrupted" if interrupted else "complete"
    if (out / "sweep.csv").exists():
        summary = summarize_sweep(out, points, meta, status)
    else:  # interrupted before the first run finished
        summary = {**meta, "status": status, "points": []}
        write_json(out / "sweep.json", summary)
    result = SweepResult(out, points, summary, ran=done - already)
    if interrupted:
        raise Interrupted(result) from None
    return result
