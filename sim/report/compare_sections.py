"""The report of an A/B comparison: what each variant changed, and every metric of each variant beside the base with
the paired difference and its 95% interval.

Reads `comparison.json` (written by sim/experiments/compare.py); where the folder also holds each arm's run files
under `arms/<name>/`, their scenarios tell what changed. Both arms of a pair ran on the same random numbers, so the
paired interval is the one to judge by; the unpaired (Welch) interval is printed beside it to show what the common
random numbers bought.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import catalog
from .assumptions import assumptions_section
from .content import Document, Note, Paragraph, Section, Table, fmt, fmt_interval, fmt_value
from .figures import FigureWriter, grouped_bars, interval_chart
from .files import ReportError, read_json, read_yaml

BY_PLAN_METRICS = ["revenue", "inmails_responded", "cost_per_response", "credits_expired", "credits_forfeited_cap",
                   "wasted_credit_share"]
EXCLUDES_ZERO = "the paired 95% interval of the difference excludes zero."


@dataclass
class CompareData:
    folder: Path
    base: str
    seed: object
    replications: int
    arms: list[str]  # base first
    differences: dict[str, dict[str, dict]]  # variant -> metric -> difference entry
    by_plan: dict[str, dict[str, dict[str, dict]]]  # variant -> plan -> metric -> difference entry
    scenarios: dict[str, dict] = field(default_factory=dict)  # arm -> resolved scenario, where arms/ holds it


def read_compare(folder: Path) -> CompareData:
    folder = Path(folder)
    raw = read_json(folder / "comparison.json")
    variants = raw.get("variants")
    if not isinstance(variants, dict):
        if raw.get("replications") == 0:
            raise ReportError(f"{folder / 'comparison.json'}: the comparison holds no finished replication")
        raise ReportError(f"{folder / 'comparison.json'}: expected a 'variants' object (sim/experiments/compare.py)")
    base = str(raw.get("base", "base"))
    arms = [base] + [name for name in (raw.get("arms") or {}) if name != base]
    arms += [name for name in variants if name not in arms]
    data = CompareData(
        folder=folder, base=base, seed=raw.get("seed"), replications=int(raw.get("replications") or 0), arms=arms,
        differences={v: dict(entry.get("metrics") or {}) for v, entry in variants.items()},
        by_plan={v: dict(entry.get("by_plan") or {}) for v, entry in variants.items()},
    )
    for arm in arms:
        path = folder / "arms" / arm / "scenario.yaml"
        if path.is_file():
            data.scenarios[arm] = read_yaml(path)[0]
    return data


def compare_document(data: CompareData, figures: FigureWriter) -> Document:
    variants = list(data.differences)
    sections = [arms_section(data)]
    for arm in data.arms:  # the assumptions of every arm that uses any (they may differ between arms)
        assumptions = assumptions_section(data.scenarios.get(arm), title=f"Assumptions: {arm}")
        if assumptions is not None:
            sections.append(assumptions)
    sections += [variant_section(data, variant) for variant in variants]
    sections.append(relative_section(data, figures))
    sections.append(funnel_section(data, figures))
    return Document(
        title=f"Comparison report: {', '.join(variants)} against {data.base}",
        subtitle=f"{data.replications} paired replications, root seed {data.seed}; every arm ran on the same random "
        f"numbers. Differences are variant minus base.",
        sections=sections,
    )


def flatten(tree, prefix: str = "") -> dict[str, object]:
    if isinstance(tree, dict) and not ("dist" in tree and prefix):
        flat = {}
        for key, value in tree.items():
            flat.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: tree}


def arms_section(data: CompareData) -> Section:
    blocks: list = [Paragraph(f"Base: {data.base}. Variants: {', '.join(data.differences)}.")]
    base = data.scenarios.get(data.base)
    if base is None:
        blocks.append(Note("The arms' scenario files (arms/<name>/scenario.yaml) are not in this folder: the settings "
                           "each variant changed cannot be listed."))
        return Section("Arms", blocks)
    base_flat = flatten({k: v for k, v in base.items() if k not in ("name", "description")})
    for variant in data.differences:
        scenario = data.scenarios.get(variant)
        if scenario is None:
            continue
        flat = flatten({k: v for k, v in scenario.items() if k not in ("name", "description")})
        changed = [key for key in dict.fromkeys([*base_flat, *flat]) if base_flat.get(key) != flat.get(key)]
        rows = [[key, fmt_value(base_flat.get(key)), fmt_value(flat.get(key))] for key in changed]
        if scenario.get("description"):
            blocks.append(Paragraph(f"{variant}: {scenario['description']}"))
        blocks.append(Table(["setting", data.base, variant], rows, caption=f"What {variant} changes",
                            numeric=[False, True, True]) if rows else Note(f"{variant} changes no setting."))
    if base.get("description"):
        blocks.insert(1, Paragraph(f"{data.base}: {base['description']}"))
    return Section("Arms", blocks)


def _relative_interval(entry: dict):
    base = entry.get("base_mean")
    if not base or not entry.get("ci95") or None in entry["ci95"]:
        return None
    return [entry["ci95"][0] / abs(base), entry["ci95"][1] / abs(base)]


def variant_section(data: CompareData, variant: str) -> Section:
    entries = data.differences[variant]
    names = catalog.ordered(entries)
    rows = [[catalog.label(n), n, catalog.unit(n), fmt(entries[n].get("base_mean")),
             fmt(entries[n].get("variant_mean")), fmt(entries[n].get("diff")), fmt_interval(entries[n].get("ci95")),
             fmt(entries[n].get("relative_change")), fmt_interval(entries[n].get("unpaired_ci95"))] for n in names]
    table = Table(
        ["metric", "name", "unit", data.base, variant, "difference", "95% interval (paired)", "relative change",
         "95% interval (unpaired)"],
        rows, caption=f"Every metric, {variant} against {data.base} (means per replication)",
        highlighted=[bool(entries[n].get("excludes_zero")) for n in names], highlight_note=EXCLUDES_ZERO,
        numeric=[False, False, False] + [True] * 6)
    blocks: list = [table]
    plan_rows, plan_marks = [], []
    for plan, metrics in data.by_plan.get(variant, {}).items():
        for name in [n for n in BY_PLAN_METRICS if n in metrics]:
            entry = metrics[name]
            plan_rows.append([plan, catalog.label(name), fmt(entry.get("base_mean")), fmt(entry.get("variant_mean")),
                              fmt(entry.get("diff")), fmt_interval(entry.get("ci95"))])
            plan_marks.append(bool(entry.get("excludes_zero")))
    if plan_rows:
        blocks.append(Table(["plan", "metric", data.base, variant, "difference", "95% interval (paired)"], plan_rows,
                            caption=f"Money and credits by plan, {variant} against {data.base}",
                            highlighted=plan_marks, highlight_note=EXCLUDES_ZERO,
                            numeric=[False, False, True, True, True, True]))
    return Section(f"{variant} against {data.base}", blocks)


def relative_section(data: CompareData, figures: FigureWriter) -> Section:
    series, shown = {}, []
    candidates = [n for n in catalog.HEADLINE if any(n in d for d in data.differences.values())]
    for name in candidates:
        if any(data.differences[v].get(name, {}).get("relative_change") is not None for v in data.differences):
            shown.append(name)
    for variant, entries in data.differences.items():
        values, lows, highs = [], [], []
        for name in shown:
            entry = entries.get(name, {})
            interval = _relative_interval(entry) or [None, None]
            values.append(_percent(entry.get("relative_change")))
            lows.append(_percent(interval[0]))
            highs.append(_percent(interval[1]))
        series[variant] = (values, lows, highs)
    if not shown:
        return Section("Relative differences", [Note("No metric has a relative change (base means are zero).")])
    figure = interval_chart(figures, "relative_differences", f"Change against {data.base}, relative to the base mean",
                            [catalog.label(n) for n in shown], series, xlabel="change relative to the base mean (%)",
                            caption="Paired difference divided by the base mean, in percent, with its 95% interval "
                            "scaled the same way; an interval clear of the zero line is a change the replications "
                            "can tell apart from noise.")
    return Section("Relative differences", [figure])


def _percent(value):
    return None if value is None else 100.0 * value


def funnel_section(data: CompareData, figures: FigureWriter) -> Section:
    first = next(iter(data.differences.values()))
    blocks = []
    for names, name, title, xlabel in (
        (catalog.FUNNEL, "funnels", "The funnel of each arm", "stage of the funnel"),
        (catalog.OUTCOMES, "outcomes", "Where the attempted InMails ended, by arm", "outcome"),
    ):
        names = [n for n in names if n in first]
        if not names:
            continue
        series = {data.base: [first[n].get("base_mean") for n in names]}
        series.update({v: [entries.get(n, {}).get("variant_mean") for n in names]
                       for v, entries in data.differences.items()})
        blocks.append(grouped_bars(figures, name, title, [catalog.label(n) for n in names], series,
                                   xlabel=xlabel, ylabel="InMails per replication (mean)",
                                   caption="Mean per replication in each arm."))
    return Section("Funnels side by side", blocks or [Note("comparison.json holds no funnel counts.")])
