"""Many independent replications of one scenario, and what they say together.

Replication r of a run seeded with s draws all of its random numbers from streams rooted at (s, r), so replications
are independent of each other and of where they run: any executor, any number of jobs, the same numbers. The
replications are combined in replication order into a `RunResult`: per-replication values, and for every metric a
mean, a standard deviation and a Student-t 95% interval.

With a precision target (`until_ci=0.01`) replications are added in batches until the interval of one metric is
narrower than 1% of its mean on each side, or a cap is reached. Batch sizes depend only on the values seen so far,
never on the number of workers, so the replication count it stops at is reproducible too.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable, Optional

import yaml

from .aggregate import merge_distributions, summarize_replications, timeseries_rows
from .executors import Executor, using
from .files import atomic_write_text, write_csv, write_json
from .stats import summarize

MIN_BATCH = 4  # fewest replications added per round of --until-ci (a round costs at least one wait for the slowest)


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a run; `partial` holds the replications that had finished (or None if none had)."""

    def __init__(self, partial=None):
        super().__init__()
        self.partial = partial


class UnknownMetric(ValueError):
    """`until_metric` names no metric of the replications."""


@dataclass(frozen=True)
class ReplicationTask:
    """One replication to run somewhere: everything it needs travels with it."""

    scenario: Any
    seed: int
    replication: int
    model: Optional[Callable] = None  # (scenario, seed, replication) -> result; None: the InMail engine
    metrics_only: bool = False  # send back only the metrics (sweeps), not time series and distributions


def run_task(task: ReplicationTask) -> dict:
    """Runs one replication in a worker and returns its plain dict (docs/outputs.md, "One replication")."""
    if task.model is None:
        from sim.world.engine import simulate as model
    else:
        model = task.model
    result = model(task.scenario, task.seed, task.replication)
    data = result if isinstance(result, dict) else result.to_dict()
    if task.metrics_only:
        return {"metrics": data["metrics"]}
    return data


def engine_loader(scenarios, model: Callable | None = None) -> Callable[[], None] | None:
    """What a local pool loads before the first task of these scenarios (executors.py): the InMail engine's code, so
    that forked workers share it; nothing for a model of one's own."""
    if model is not None:
        return None
    from sim.world.engine import load_engine

    return partial(load_engine, tuple(scenarios))


def scenario_yaml(scenario) -> str:
    """The fully resolved scenario as YAML that loads back to the same scenario."""
    data = scenario.model_dump(mode="json", by_alias=True) if hasattr(scenario, "model_dump") else dict(scenario)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def scenario_name(scenario) -> str:
    return getattr(scenario, "name", None) or "scenario"


@dataclass
class RunResult:
    """The replications of one scenario, kept in replication order, with their summaries, tables and files."""

    scenario: Any
    seed: int
    results: dict[int, dict] = field(default_factory=dict)  # replication -> replication dict
    stopping: Optional[dict] = None  # how --until-ci ended, when it was used
    interrupted: bool = False

    @property
    def replication_ids(self) -> list[int]:
        return sorted(self.results)

    @property
    def replications(self) -> int:
        return len(self.results)

    def ordered(self) -> list[dict]:
        return [self.results[r] for r in self.replication_ids]

    def values(self, metric: str, plan: str | None = None) -> list:
        """Per-replication values of one metric (None where undefined), in replication order."""
        reps = self.ordered()
        if plan is None:
            return [r["metrics"].get(metric) for r in reps]
        return [r.get("by_plan", {}).get(plan, {}).get(metric) for r in reps]

    def summary(self) -> dict:
        """metrics.json: every metric and every plan's metrics with mean, sd, ci95, n and values."""
        data = {
            "kind": "run",
            "scenario": scenario_name(self.scenario),
            "seed": self.seed,
            "replications": self.replications,
            "replication_ids": self.replication_ids,
            **summarize_replications(self.ordered()),
        }
        if self.stopping is not None:
            data["until_ci"] = self.stopping
        if self.interrupted:
            data["interrupted"] = True
        return data

    def metrics_frame(self):
        """pandas DataFrame: one row per replication, one column per metric (NaN where undefined)."""
        import pandas as pd

        frame = pd.DataFrame([r["metrics"] for r in self.ordered()], index=self.replication_ids, dtype=float)
        frame.index.name = "replication"
        return frame

    def by_plan_frame(self):
        """pandas DataFrame: one row per replication and plan, one column per metric."""
        import pandas as pd

        rows = [
            {"replication": r, "plan": plan, **values}
            for r in self.replication_ids
            for plan, values in self.results[r].get("by_plan", {}).items()
        ]
        return pd.DataFrame(rows)

    def summary_frame(self):
        """pandas DataFrame: one row per metric with mean, sd, the 95% interval and n."""
        import pandas as pd

        rows = []
        for name, s in summarize_replications(self.ordered())["metrics"].items():
            low, high = s["ci95"] if s["ci95"] else (None, None)
            rows.append({"metric": name, "mean": s["mean"], "sd": s["sd"], "ci95_low": low, "ci95_high": high,
                         "n": s["n"]})
        return pd.DataFrame(rows).set_index("metric")

    def timeseries_frame(self):
        """pandas DataFrame: the monthly time series of every replication, `replication` first."""
        import pandas as pd

        columns, rows = timeseries_rows((r, self.results[r]) for r in self.replication_ids)
        return pd.DataFrame(rows, columns=columns)

    def distributions(self) -> dict:
        """Histograms with counts summed over replications (distributions.json)."""
        return merge_distributions(self.ordered())

    def write(self, out_dir) -> Path:
        """Writes scenario.yaml, metrics.json, timeseries.csv and distributions.json into `out_dir`."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        header = f"# resolved scenario as run by inmail-sim (seed {self.seed})\n"
        atomic_write_text(out / "scenario.yaml", header + scenario_yaml(self.scenario))
        write_json(out / "metrics.json", self.summary())
        columns, rows = timeseries_rows((r, self.results[r]) for r in self.replication_ids)
        write_csv(out / "timeseries.csv", columns, rows)
        write_json(out / "distributions.json", self.distributions())
        return out


def next_batch_size(n: int, relative_half_width: float | None, target: float, cap: int) -> int:
    """Replications to add after `n` so the interval may reach `target` (0 when done or at the cap).

    The half-width shrinks like 1/sqrt(n), so about n * (current / target)^2 are needed; the step is at least
    MIN_BATCH and at most doubles n, because the current width is itself only an estimate.
    """
    if n >= cap or (relative_half_width is not None and relative_half_width <= target):
        return 0
    if relative_half_width is None or not math.isfinite(relative_half_width):
        wanted = 2 * n
    else:
        wanted = math.ceil(n * (relative_half_width / target) ** 2)
    wanted = min(max(wanted, n + MIN_BATCH), 2 * n, cap)
    return max(wanted - n, 1 if n < cap else 0)


def run_replications(
    scenario,
    seed: int | None,
    replications: int,
    executor: str | Executor = "local",
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    until_ci: float | None = None,
    until_metric: str = "response_rate",
    max_replications: int = 200,
    model: Callable | None = None,
) -> RunResult:
    """Runs replications 0..R-1 of `scenario` (more with `until_ci`) and returns them combined.

    `executor` is "local", "dask" or an open `Executor`; `progress(done, total)` is called after each replication.
    On Ctrl-C raises `Interrupted` whose `partial` holds the replications that finished.
    """
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    if until_ci is not None:
        if not until_ci > 0:
            raise ValueError(f"until_ci must be > 0 (a relative half-width such as 0.01), got {until_ci}")
        if max_replications < 2:
            raise ValueError(f"max_replications must be >= 2 with until_ci, got {max_replications}")
        replications = min(max(replications, 2), max_replications)
    seed = scenario.seed if seed is None else seed
    result = RunResult(scenario=scenario, seed=seed)
    target_n = replications
    try:
        with using(executor, jobs, scheduler, max_replications if until_ci is not None else replications,
                   prepare=engine_loader([scenario], model)) as runner:
            while True:
                start = result.replications
                tasks = [ReplicationTask(scenario, seed, r, model) for r in range(start, target_n)]
                for offset, data in runner.map_unordered(run_task, tasks):
                    result.results[start + offset] = data
                    if progress is not None:
                        progress(result.replications, target_n)
                if until_ci is None:
                    break
                result.stopping = _stopping_state(result, until_metric, until_ci, max_replications)
                step = next_batch_size(
                    result.replications, result.stopping["relative_half_width"], until_ci, max_replications
                )
                if step == 0:
                    break
                target_n = result.replications + step
    except KeyboardInterrupt as exc:
        if isinstance(exc, Interrupted):
            raise
        result.interrupted = True
        raise Interrupted(result if result.results else None) from None
    return result


def _stopping_state(result: RunResult, metric: str, target: float, cap: int) -> dict:
    first = result.results[result.replication_ids[0]]["metrics"]
    if metric not in first:
        raise UnknownMetric(f"unknown metric {metric!r}; known: {', '.join(first)}")
    rhw = summarize(result.values(metric)).relative_half_width
    return {"metric": metric, "target": target, "relative_half_width": rhw,
            "reached": rhw is not None and rhw <= target, "max_replications": cap}
