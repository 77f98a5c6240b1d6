"""The report of one run: what was simulated, the headline numbers with their 95% intervals, and where the InMails
and the credits went.

Reads `scenario.yaml`, `metrics.json`, `timeseries.csv` and `distributions.json` (docs/outputs.md); only
`metrics.json` is required, a section whose file is missing says so instead of disappearing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import catalog
from .content import Document, Note, Paragraph, Section, Table, fmt, fmt_interval
from .figures import BarPanel, FigureWriter, bar_panels, histogram_panels, line_panels
from .files import ReportError, read_csv, read_json, summary
from .assumptions import assumptions_section
from .scenario_sections import read_scenario, scenario_section

DAYS_PER_MONTH = 365.25 / 12
TOP_RECIPIENTS_SHOWN = 10


@dataclass
class RunData:
    folder: Path
    name: str
    seed: object
    replications: int
    metrics: dict[str, dict]  # name -> summary
    by_plan: dict[str, dict[str, dict]]  # plan -> name -> summary
    scenario: dict | None = None
    comments: dict[str, str] = field(default_factory=dict)
    timeseries: list[dict] | None = None
    distributions: dict | None = None
    caveats: list[str] = field(default_factory=list)  # how the run ended, when not simply as asked

    def mean(self, name: str, plan: str | None = None):
        source = self.metrics if plan is None else self.by_plan.get(plan, {})
        return source.get(name, {}).get("mean")


def read_run(folder: Path) -> RunData:
    folder = Path(folder)
    raw = read_json(folder / "metrics.json")
    if not isinstance(raw.get("metrics"), dict):
        raise ReportError(f"{folder / 'metrics.json'}: expected a 'metrics' object (docs/outputs.md)")
    data = RunData(
        folder=folder,
        name=str(raw.get("scenario", folder.name)),
        seed=raw.get("seed"),
        replications=int(raw.get("replications") or 1),
        metrics={name: summary(entry) for name, entry in raw["metrics"].items()},
        by_plan={plan: {n: summary(e) for n, e in (entries or {}).items()} for plan, entries in
                 (raw.get("by_plan") or {}).items()},
    )
    if raw.get("interrupted"):
        data.caveats.append("The run was interrupted: these numbers cover the replications that had finished.")
    stopping = raw.get("until_ci")
    if isinstance(stopping, dict):
        data.caveats.append(
            f"Replications were added until the 95% interval of {stopping.get('metric')} was within "
            f"{fmt(stopping.get('target'))} of its mean on each side (at most {fmt(stopping.get('max_replications'))} "
            f"replications): it reached {fmt(stopping.get('relative_half_width'))}"
            + ("." if stopping.get("reached") else ", short of the target."))
    data.scenario, data.comments = read_scenario(folder)
    if data.scenario and not raw.get("scenario"):
        data.name = str(data.scenario.get("name") or data.name)
    if (folder / "timeseries.csv").exists():
        data.timeseries = read_csv(folder / "timeseries.csv")
    if (folder / "distributions.json").exists():
        data.distributions = read_json(folder / "distributions.json")
    return data


def run_document(data: RunData, figures: FigureWriter) -> Document:
    return Document(
        title=f"Run report: {data.name}",
        subtitle=f"{data.replications} replication{'s' if data.replications != 1 else ''}, root seed {data.seed}. "
        f"Means over replications with 95% t-intervals; counts are per replication.",
        sections=[
            scenario_section(data.scenario, data.comments),
            *filter(None, [assumptions_section(data.scenario, data.comments)]),
            metrics_section(data),
            funnel_section(data, figures),
            *filter(None, [subscriber_section(data, figures)]),
            credit_section(data, figures),
            balance_section(data, figures),
            inbox_section(data, figures),
            timing_section(data, figures),
            money_section(data, figures),
        ],
    )


def metric_rows(metrics: dict[str, dict]) -> list[list[str]]:
    return [
        [catalog.label(n), n, catalog.unit(n), fmt(s["mean"]), fmt_interval(s["ci95"]), fmt(s["sd"])]
        for n, s in ((n, metrics[n]) for n in catalog.ordered(metrics))
    ]


def metrics_section(data: RunData) -> Section:
    table = Table(["metric", "name", "unit", "mean", "95% interval", "sd"], metric_rows(data.metrics),
                  caption="Every metric of the run", numeric=[False, False, False, True, True, True])
    notes = [Note(caveat) for caveat in data.caveats]
    if data.replications < 2:
        notes.append(Note("One replication: no spread and no interval can be given."))
    return Section("Headline metrics", [table, *notes])


def funnel_section(data: RunData, figures: FigureWriter) -> Section:
    attempted = data.mean("inmails_attempted")

    def share(value):
        return fmt(value / attempted) if attempted and value is not None else fmt(None)

    stages = [n for n in catalog.FUNNEL if n in data.metrics]
    outcomes = [n for n in catalog.OUTCOMES if n in data.metrics]
    stage_rows = [[catalog.label(n), fmt(data.mean(n)), fmt_interval(data.metrics[n]["ci95"]), share(data.mean(n))]
                  for n in stages]
    outcome_rows = [[catalog.label(n), fmt(data.mean(n)), fmt_interval(data.metrics[n]["ci95"]),
                     share(data.mean(n))] for n in outcomes]
    blocks = [
        Table(["stage", "InMails", "95% interval", "share of attempted"], stage_rows, caption="The funnel"),
        Table(["outcome", "InMails", "95% interval", "share of attempted"], outcome_rows,
              caption="Where each attempted InMail ended (these add up to the attempted)"),
    ]
    if "inmails_waiting_end" in data.metrics:
        blocks.append(Note(f"Of the blocked, {fmt(data.mean('inmails_waiting_end'))} per replication were still "
                           f"waiting for a credit at the horizon."))
    if stages:
        panels = [BarPanel("funnel", [catalog.label(n) for n in stages], [data.mean(n) for n in stages],
                           "InMails per replication", [data.metrics[n]["ci95"] for n in stages])]
        if outcomes:
            panels.append(BarPanel("where each InMail ended", [catalog.label(n) for n in outcomes],
                                   [data.mean(n) for n in outcomes], "InMails per replication",
                                   [data.metrics[n]["ci95"] for n in outcomes]))
        blocks.append(bar_panels(figures, "funnel", "InMails attempted after the warm-up and what became of them",
                                 panels, caption="Mean per replication; whiskers are 95% intervals. The InMails "
                                 "are a cohort: each attempted after the warm-up is followed to the horizon."))
    return Section("Message funnel", blocks)


def credit_section(data: RunData, figures: FigureWriter) -> Section:
    names = [n for n in catalog.METRICS if n.startswith("credits_") or n == "wasted_credit_share"]
    plans = list(data.by_plan)
    blocks = []
    if plans:
        present = [n for n in names if any(n in data.by_plan[p] for p in plans)]
        rows = [[p] + [fmt(data.mean(n, p)) for n in present] for p in plans]
        blocks.append(Table(["plan"] + [catalog.label(n) for n in present], rows,
                            caption="Credit flows after the warm-up by plan (mean per replication)"))
    if data.timeseries is None:
        blocks.append(Note("timeseries.csv is missing: no monthly credit flows."))
        return Section("Credit flows", blocks)
    flows = [n for n in catalog.CREDIT_FLOWS if data.timeseries and n in data.timeseries[0]]
    monthly = monthly_means(data.timeseries, flows)
    if monthly:
        panels = {plan: (months, {catalog.label(f).replace("credits ", ""): values[f] for f in flows})
                  for plan, (months, values) in monthly.items()}
        warmup = (data.scenario or {}).get("warmup_days") or 0
        blocks.append(line_panels(
            figures, "credit_flows", "Monthly credit flows by plan", panels,
            xlabel=f"month since the start (months of {fmt(DAYS_PER_MONTH)} days)", ylabel="credits per month",
            caption="Credits granted, spent, refunded, expired and forfeited over the cap in each month, mean over "
            "replications; the shaded months are the warm-up.", shade_until=warmup / DAYS_PER_MONTH or None))
    return Section("Credit flows", blocks)


def subscriber_section(data: RunData, figures: FigureWriter) -> Section | None:
    """Members over time by plan, for scenarios whose population changes (subscriber dynamics)."""
    if not ((data.scenario or {}).get("subscribers") or {}).get("enabled"):
        return None
    names = ["subscribers_start", "new_subscribers", "cancellations", "plan_switches_in", "plan_switches_out",
             "subscribers_end", "mrr", "arpu"]
    plans = list(data.by_plan)
    blocks = [Table(["plan"] + [catalog.label(n) for n in names],
                    [[p] + [fmt(data.mean(n, p)) for n in names] for p in plans],
                    caption="Subscribers after the warm-up by plan (mean per replication)")]
    if data.timeseries and "subscribers" in data.timeseries[0]:
        monthly = monthly_means(data.timeseries, ["subscribers"])
        panels = {"members at the end of the month": (
            next(iter(monthly.values()))[0], {plan: values["subscribers"] for plan, (_, values) in monthly.items()}
        )} if monthly else {}
        if panels:
            blocks.append(line_panels(
                figures, "subscribers", "Subscribers by plan", panels,
                xlabel=f"month since the start (months of {fmt(DAYS_PER_MONTH)} days)", ylabel="members",
                caption="Members of each plan at the end of each month, mean over replications."))
    return Section("Subscribers", blocks)


def monthly_means(rows: list[dict], columns: list[str]) -> dict[str, tuple[list, dict[str, list]]]:
    """plan -> (months, {column: mean over replications of that month})."""
    sums: dict[tuple, list] = {}
    for row in rows:
        key = (str(row.get("plan", "all")), row.get("month"))
        totals = sums.setdefault(key, [0] * (len(columns) + 1))
        for index, column in enumerate(columns):
            totals[index] += row.get(column) or 0
        totals[-1] += 1
    result: dict[str, tuple[list, dict[str, list]]] = {}
    for (plan, month), totals in sorted(sums.items(), key=lambda item: (item[0][0], item[0][1] or 0)):
        months, values = result.setdefault(plan, ([], {c: [] for c in columns}))
        months.append(month)
        for index, column in enumerate(columns):
            values[column].append(totals[index] / totals[-1])
    return result


def _histograms(data: RunData, key: str):
    return (data.distributions or {}).get(key) or None


def balance_section(data: RunData, figures: FigureWriter) -> Section:
    balances = _histograms(data, "balance_end")
    if not balances:
        return Section("Sender balances at the end", [Note("distributions.json holds no end balances.")])
    rows = [[plan, fmt(sum(h["counts"])), fmt(data.mean("credits_balance_end", plan))] for plan, h in balances.items()]
    figure = histogram_panels(
        figures, "balance_end", "Credits held by each sender at the horizon",
        {"all plans": {plan: (h["edges"], h["counts"]) for plan, h in balances.items()}},
        xlabel="credits held at the horizon (credits)", ylabel="senders (summed over replications)",
        caption="Distribution of sender balances at the horizon by plan, counts summed over replications; the last "
        "bin holds every balance above its lower edge.")
    return Section("Sender balances at the end", [
        Table(["plan", "senders counted (all replications)",
               "credits held at the end, plan total (mean per replication)"], rows),
        figure])


def inbox_section(data: RunData, figures: FigureWriter) -> Section:
    blocks = []
    if "inbox_full_share" in data.metrics:
        full = data.metrics["inbox_full_share"]
        blocks.append(Paragraph(f"Share of recipient-days spent at capacity after the warm-up: {fmt(full['mean'])} "
                                f"(95% interval {fmt_interval(full['ci95'])})."))
    occupancy = _histograms(data, "inbox_occupancy_end")
    capacity = ((data.scenario or {}).get("inbox") or {}).get("capacity")
    if occupancy:
        blocks.append(histogram_panels(
            figures, "inbox_occupancy", "Conversations held per recipient at the horizon",
            {"all recipients": {"recipients": (occupancy["edges"], occupancy["counts"])}},
            xlabel="conversations in the inbox (conversations)", ylabel="recipients (summed over replications)",
            caption="Distribution over recipients of the conversations held at the horizon; the dashed line is the "
            "inbox capacity.", marker=(capacity, f"capacity {fmt(capacity)}") if capacity else None))
    top = (data.distributions or {}).get("top_recipients") or []
    if top:
        columns = list(dict.fromkeys(key for row in top for key in row))
        rows = [[str(row.get(c, "")) if c == "recipient" or isinstance(row.get(c), str) else fmt(row.get(c))
                 for c in columns] for row in top[:TOP_RECIPIENTS_SHOWN]]
        blocks.append(Table([c.replace("_", " ") for c in columns], rows,
                            caption=f"The {len(rows)} most loaded recipients", numeric=[True] * len(columns)))
    if not blocks:
        blocks.append(Note("distributions.json holds no inbox occupancy."))
    return Section("Inbox occupancy", blocks)


def timing_section(data: RunData, figures: FigureWriter) -> Section:
    names = [n for n in ("mean_time_to_open_days", "mean_time_to_respond_days") if n in data.metrics]
    blocks: list = [Table(["metric", "mean (days)", "95% interval"],
                          [[catalog.label(n), fmt(data.mean(n)), fmt_interval(data.metrics[n]["ci95"])]
                           for n in names])] if names else []
    panels = {title: {"InMails": (h["edges"], h["counts"])} for title, h in
              (("time to open", _histograms(data, "time_to_open_days")),
               ("time to respond", _histograms(data, "time_to_respond_days"))) if h}
    if panels:
        blocks.append(histogram_panels(
            figures, "timing", "Time from delivery to open and to response", panels,
            xlabel=[f"days from delivery to {t.split()[-1]} (days)" for t in panels],
            ylabel="InMails (summed over replications)",
            caption="Counts summed over replications; the last bin holds every time above its lower edge."))
    return Section("Time to open and time to respond", blocks or [Note("No timing data in this run.")])


def money_section(data: RunData, figures: FigureWriter) -> Section:
    plans = [p for p in data.by_plan if "revenue" in data.by_plan[p] or "cost_per_response" in data.by_plan[p]]
    if not plans:
        return Section("Revenue and cost per response by plan", [Note("metrics.json holds no figures by plan.")])

    def cell(plan, name):
        entry = data.by_plan[plan].get(name, {})
        return [fmt(entry.get("mean")), fmt_interval(entry.get("ci95"))]

    rows = [[p] + cell(p, "revenue") + cell(p, "inmails_responded") + cell(p, "cost_per_response") for p in plans]
    table = Table(["plan", "revenue ($)", "95% interval", "responses", "95% interval", "cost per response ($)",
                   "95% interval"], rows, caption="Money by plan (mean per replication)")
    panels = [BarPanel(title, plans, [data.mean(name, p) for p in plans], xlabel,
                       [data.by_plan[p].get(name, {}).get("ci95") for p in plans])
              for name, title, xlabel in (("revenue", "revenue", "revenue after the warm-up ($)"),
                                          ("cost_per_response", "cost per response", "dollars per response ($)"))]
    figure = bar_panels(figures, "money_by_plan", "Revenue and cost per response by plan", panels,
                        caption="Mean per replication with 95% intervals; cost per response is the plan's revenue "
                        "divided by the responses its InMails received.")
    return Section("Revenue and cost per response by plan", [table, figure])
