"""Short plain-text tables of results with their intervals, as the commands print them (and `print()` in a notebook).

Rates and shares are shown as percentages; every estimate comes with its 95% interval, because a number without
one invites reading noise as a finding.
"""
from __future__ import annotations

HEADLINE = [
    "inmails_attempted", "inmails_delivered", "open_rate", "response_rate", "credits_granted", "credits_spent",
    "credits_refunded", "credits_expired", "credits_forfeited_cap", "wasted_credit_share", "revenue",
    "cost_per_response", "subscribers_end", "mrr", "inbox_full_share",
]
"""Metrics shown by default, in this order (those a result lacks are skipped)."""

SWEEP_HEADLINE = ["response_rate", "revenue", "cost_per_response", "wasted_credit_share"]


def _is_share(name: str) -> bool:
    return name.endswith(("_rate", "_share"))


def fmt(value, name: str = "", signed: bool = False) -> str:
    """A number for a table: percentages for rates and shares, thousands separators for large values."""
    if value is None:
        return "-"
    sign = "+" if signed else ""
    if _is_share(name):
        return f"{100 * value:{sign}.2f}%"
    if abs(value) >= 1000:
        return f"{value:{sign},.0f}"
    if abs(value) >= 10:
        return f"{value:{sign}.1f}"
    return f"{value:{sign}.4g}"


def fmt_interval(ci, name: str = "", signed: bool = False) -> str:
    if not ci or ci[0] is None:
        return "-"
    return f"[{fmt(ci[0], name, signed)}, {fmt(ci[1], name, signed)}]"


def render(headers: list[str], rows: list[list[str]]) -> str:
    """Columns padded to their widest cell; the first column left-aligned, the others right-aligned."""
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows)]

    def line(cells):
        return "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def metrics_table(metrics: dict, names: list[str] | None = None) -> str:
    """Mean and 95% interval of each metric, from the `metrics` part of metrics.json."""
    names = [n for n in (names or HEADLINE) if n in metrics]
    rows = [[n, fmt(metrics[n]["mean"], n), fmt_interval(metrics[n]["ci95"], n)] for n in names]
    return render(["metric", "mean", "95% interval"], rows)


def comparison_table(comparison: dict, variant: str, names: list[str] | None = None) -> str:
    """Base, variant, paired difference with its interval and relative change, and whether the interval excludes 0."""
    entries = comparison["variants"][variant]["metrics"]
    names = [n for n in (names or HEADLINE) if n in entries]
    rows = []
    for n in names:
        d = entries[n]
        relative = "-" if d["relative_change"] is None else f"{100 * d['relative_change']:+.2f}%"
        rows.append([n, fmt(d["base_mean"], n), fmt(d["variant_mean"], n), fmt(d["diff"], n, signed=True),
                     fmt_interval(d["ci95"], n, signed=True), relative, "yes" if d["excludes_zero"] else "no"])
    return render(["metric", comparison["base"], variant, "difference", "95% interval", "relative", "excludes 0"], rows)


def sweep_table(manifest: dict, names: list[str] | None = None) -> str:
    """One row per point: its settings and the mean [95% interval] of a few metrics."""
    points = [p for p in manifest.get("points", []) if p.get("metrics")]
    if not points:
        return "(no finished point)"
    keys = list(points[0]["settings"])
    names = [n for n in (names or SWEEP_HEADLINE) if n in points[0]["metrics"]]
    rows = []
    for p in points:
        cells = [str(p["point_id"])] + [p["settings"][k] for k in keys] + [str(p["replications_done"])]
        for n in names:
            s = p["metrics"][n]
            cells.append(f"{fmt(s['mean'], n)} {fmt_interval(s['ci95'], n)}")
        rows.append(cells)
    return render(["point", *keys, "runs", *names], rows)
