"""From the plain dicts of single replications (see docs/outputs.md) to the tables and files of a run.

Replications are always combined in replication order, whatever order they finished in, so the files of a run are
the same byte for byte whichever executor ran it and with how many jobs.
"""
from __future__ import annotations

import math
from typing import Iterable, Mapping

from .stats import summarize


def _ordered_union(key_lists: Iterable[Iterable[str]]) -> list[str]:
    seen: dict[str, None] = {}
    for keys in key_lists:
        for key in keys:
            seen.setdefault(key, None)
    return list(seen)


def _number(value):
    """A metric value as it goes into a `values` list: a float, or None when undefined."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def metric_summary(values: list) -> dict:
    """`{"mean", "sd", "ci95", "n", "values"}` for one metric (the metrics.json entry)."""
    values = [_number(v) for v in values]
    return {**summarize(values).to_dict(), "values": values}


def summarize_metrics(per_replication: list[Mapping[str, float]]) -> dict[str, dict]:
    """One `metric_summary` per metric name, over replications given in order (a missing value is undefined)."""
    names = _ordered_union(m.keys() for m in per_replication)
    return {name: metric_summary([m.get(name) for m in per_replication]) for name in names}


def summarize_replications(replications: list[dict]) -> dict:
    """The `metrics` and `by_plan` parts of metrics.json from replication dicts in replication order."""
    by_plan_names = _ordered_union(r.get("by_plan", {}).keys() for r in replications)
    return {
        "metrics": summarize_metrics([r["metrics"] for r in replications]),
        "by_plan": {
            plan: summarize_metrics([r.get("by_plan", {}).get(plan, {}) for r in replications])
            for plan in by_plan_names
        },
    }


def _merge_histograms(histograms: list[dict], where: str) -> dict:
    """Sums counts bin by bin. Histograms of counts (one bin per integer) grow with the largest value seen, so
    edges may differ in length: a histogram whose edges begin the longest one's is padded with empty bins."""
    edges = max((h["edges"] for h in histograms), key=len)
    counts = [0] * (len(edges) - 1)
    for h in histograms:
        if list(h["edges"]) != list(edges[: len(h["edges"])]):
            raise ValueError(f"cannot sum histograms of {where}: replications used different bin edges")
        for i, c in enumerate(h["counts"]):
            counts[i] += c
    return {"edges": list(edges), "counts": counts}


def _merge_top_recipients(lists: list[list[dict]]) -> list[dict]:
    totals: dict = {}
    for rows in lists:
        for row in rows:
            entry = totals.setdefault(row["recipient"], {"recipient": row["recipient"]})
            for key, value in row.items():
                if key != "recipient":
                    entry[key] = entry.get(key, 0) + value
    keep = max((len(rows) for rows in lists), default=0)
    ranked = sorted(totals.values(), key=lambda e: (-e.get("delivered", 0), str(e["recipient"])))
    return ranked[:keep]


def _merge(values: list, where: str):
    first = values[0]
    if isinstance(first, dict) and "edges" in first and "counts" in first:
        return _merge_histograms(values, where)
    if isinstance(first, dict):
        keys = _ordered_union(v.keys() for v in values)
        return {k: _merge([v[k] for v in values if k in v], f"{where}.{k}") for k in keys}
    if isinstance(first, list) and where.endswith("top_recipients"):
        return _merge_top_recipients(values)
    if isinstance(first, (int, float)):
        return sum(values)
    return first


def merge_distributions(replications: list[dict]) -> dict:
    """The distributions of every replication with histogram counts summed (distributions.json).

    `top_recipients` sums each recipient's counts over replications and keeps the busiest.
    """
    dists = [r.get("distributions") or {} for r in replications]
    dists = [d for d in dists if d]
    return _merge(dists, "distributions") if dists else {}


def timeseries_rows(replications: Iterable[tuple[int, dict]]) -> tuple[list[str], list[dict]]:
    """Columns and rows of timeseries.csv: every replication's rows with a `replication` column first."""
    rows = [{"replication": r, **row} for r, rep in replications for row in rep.get("timeseries", [])]
    return _ordered_union(row.keys() for row in rows) or ["replication"], rows
