"""A/B comparison of scenario variants against a base, on common random numbers.

Every arm runs replications 0..R-1 with the same root seed, so replication r of the base and of a variant draw the
same random numbers in every component the variant did not change (see sim/streams.py). The comparison is then
made replication by replication: the mean of the per-replication differences, with a Student-t interval. Because the
noise shared by the two arms cancels in each difference, this paired interval is much narrower than the unpaired
(Welch) one, which is reported beside it so the gain is visible.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .executors import Executor, using
from .files import write_csv, write_json
from .replicate import Interrupted, ReplicationTask, RunResult, engine_loader, run_task, scenario_name
from .stats import paired_difference, welch_difference

ARM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
CSV_COLUMNS = [
    "variant", "plan", "metric", "n", "base_mean", "variant_mean", "diff", "ci95_low", "ci95_high",
    "relative_change", "excludes_zero", "unpaired_ci95_low", "unpaired_ci95_high", "base_values", "variant_values",
]


def check_arm_name(name: str) -> str:
    if not isinstance(name, str) or not ARM_NAME.match(name):
        raise ValueError(f"arm name {name!r} must be letters, digits, '_', '-' or '.', starting with a letter or digit")
    return name


def _difference_entry(base_values: list, variant_values: list) -> dict:
    paired = paired_difference(base_values, variant_values)
    unpaired = welch_difference(base_values, variant_values)
    return {**paired.to_dict(), "unpaired_ci95": None if unpaired.ci95 is None else list(unpaired.ci95)}


@dataclass
class Comparison:
    """The arms of an A/B comparison (base first) and their paired differences."""

    base: str
    arms: dict[str, RunResult]
    seed: int

    @property
    def variants(self) -> list[str]:
        return [name for name in self.arms if name != self.base]

    @property
    def replication_ids(self) -> list[int]:
        """Replications finished in every arm (all of them unless the comparison was interrupted)."""
        common = set.intersection(*(set(arm.results) for arm in self.arms.values()))
        return sorted(common)

    def _values(self, arm: str, metric: str, plan: str | None = None) -> list:
        results = self.arms[arm].results
        if plan is None:
            return [results[r]["metrics"].get(metric) for r in self.replication_ids]
        return [results[r].get("by_plan", {}).get(plan, {}).get(metric) for r in self.replication_ids]

    def _metric_names(self, arm: str, plan: str | None = None) -> list[str]:
        first = self.arms[arm].results[self.replication_ids[0]]
        return list(first["metrics"] if plan is None else first.get("by_plan", {}).get(plan, {}))

    def _plans(self, variant: str) -> list[str]:
        first = self.replication_ids[0]
        base_plans = self.arms[self.base].results[first].get("by_plan", {})
        return [p for p in self.arms[variant].results[first].get("by_plan", {}) if p in base_plans]

    def difference(self, variant: str, metric: str, plan: str | None = None) -> dict:
        """Paired difference variant - base of one metric, with the unpaired interval beside it."""
        return _difference_entry(self._values(self.base, metric, plan), self._values(variant, metric, plan))

    def to_dict(self) -> dict:
        """comparison.json."""
        if not self.replication_ids:
            return {"kind": "comparison", "base": self.base, "seed": self.seed, "replications": 0}
        return {
            "kind": "comparison",
            "base": self.base,
            "seed": self.seed,
            "replications": len(self.replication_ids),
            "replication_ids": self.replication_ids,
            "arms": {
                name: {
                    "scenario": scenario_name(arm.scenario),
                    "values": {m: self._values(name, m) for m in self._metric_names(name)},
                }
                for name, arm in self.arms.items()
            },
            "variants": {
                variant: {
                    "metrics": {m: self.difference(variant, m) for m in self._metric_names(variant)},
                    "by_plan": {
                        plan: {m: self.difference(variant, m, plan) for m in self._metric_names(variant, plan)}
                        for plan in self._plans(variant)
                    },
                }
                for variant in self.variants
            },
        }

    def rows(self) -> list[dict]:
        """comparison.csv rows: one per variant, plan ("" for all senders) and metric."""
        rows = []
        for variant, entry in self.to_dict().get("variants", {}).items():
            scopes = [("", None, entry["metrics"])] + [(p, p, d) for p, d in entry["by_plan"].items()]
            for plan_label, plan, metrics in scopes:
                for metric, d in metrics.items():
                    ci, unpaired = d["ci95"] or (None, None), d["unpaired_ci95"] or (None, None)
                    rows.append({
                        "variant": variant, "plan": plan_label, "metric": metric, "n": d["n"],
                        "base_mean": d["base_mean"], "variant_mean": d["variant_mean"], "diff": d["diff"],
                        "ci95_low": ci[0], "ci95_high": ci[1], "relative_change": d["relative_change"],
                        "excludes_zero": d["excludes_zero"],
                        "unpaired_ci95_low": unpaired[0], "unpaired_ci95_high": unpaired[1],
                        "base_values": _joined(self._values(self.base, metric, plan)),
                        "variant_values": _joined(self._values(variant, metric, plan)),
                    })
        return rows

    def frame(self):
        """pandas DataFrame of `rows()`."""
        import pandas as pd

        return pd.DataFrame(self.rows(), columns=CSV_COLUMNS)

    def write(self, out_dir, arms: bool = True) -> Path:
        """Writes comparison.json, comparison.csv and, with `arms`, each arm's run files under arms/<name>/."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        if arms:
            for name, arm in self.arms.items():
                arm.write(out / "arms" / name)
        write_json(out / "comparison.json", self.to_dict())
        write_csv(out / "comparison.csv", CSV_COLUMNS, self.rows())
        return out


def _joined(values: list) -> str:
    """Per-replication values in one CSV cell, separated by ';' (empty where undefined)."""
    return ";".join("" if v is None else repr(float(v)) for v in values)


def compare(
    base,
    variants: dict,
    seed: int | None,
    replications: int,
    executor: str | Executor = "local",
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    base_name: str | None = None,
    model: Callable | None = None,
) -> Comparison:
    """Runs `base` and each variant (name -> Scenario) on the same replication seeds and pairs them.

    The seed defaults to the base scenario's; every arm uses it, whatever seed a variant's own file names, since
    common random numbers are the point. On Ctrl-C raises `Interrupted` with the partial `Comparison`.
    """
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    if not variants:
        raise ValueError("a comparison needs at least one variant")
    base_name = check_arm_name(base_name or scenario_name(base))
    for name in variants:
        check_arm_name(name)
    if base_name in variants:
        raise ValueError(f"variant name {base_name!r} is already the base's name; give the variant another name")
    seed = base.seed if seed is None else seed
    scenarios = {base_name: base, **variants}
    comparison = Comparison(base=base_name, arms={n: RunResult(s, seed) for n, s in scenarios.items()}, seed=seed)
    plan = [(name, r) for name in scenarios for r in range(replications)]
    tasks = [ReplicationTask(scenarios[name], seed, r, model) for name, r in plan]
    try:
        with using(executor, jobs, scheduler, len(tasks), prepare=engine_loader(scenarios.values(), model)) as runner:
            for done, (index, data) in enumerate(runner.map_unordered(run_task, tasks), start=1):
                name, r = plan[index]
                comparison.arms[name].results[r] = data
                if progress is not None:
                    progress(done, len(tasks))
    except KeyboardInterrupt as exc:
        if isinstance(exc, Interrupted):
            raise
        for arm in comparison.arms.values():
            arm.interrupted = True
        raise Interrupted(comparison if comparison.replication_ids else None) from None
    return comparison
