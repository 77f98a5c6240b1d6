"""Reports of runs, comparisons and sweeps: self-contained HTML, Markdown, figures, and the numbers of the data files.

Most tests write small data folders themselves, in the shapes of docs/outputs.md, sim/experiments/compare.py and
sim/experiments/sweep.py, so they exercise the report alone; the end-to-end tests at the bottom run the real
commands on a small world.
"""
from __future__ import annotations

import base64
import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import stats

from sim.cli import main
from sim.report import ReportError, build_report, catalog, report_kind
from sim.report.content import fmt, fmt_interval
from sim.report.figures import FigureWriter, histogram_bins
from sim.report.files import yaml_key_comments

PLANS = ["premium_business", "sales_navigator"]
SCRIPT_NAME = "<script>alert(1)</script>"
FUNNEL_COUNTS = ["inmails_attempted", "inmails_rejected_invalid", "inmails_blocked_no_credit", "inmails_waiting_end",
                 "inmails_bounced_inbox_full", "inmails_delivered", "inmails_opened", "inmails_responded",
                 "inmails_expired_unanswered", "inmails_evicted", "inmails_pending_end"]


# ----- synthetic data folders in the documented shapes -----

def summary(values) -> dict:
    values = [float(v) for v in values]
    mean = float(np.mean(values))
    sd = float(np.std(values, ddof=1))
    half = float(stats.t.ppf(0.975, len(values) - 1)) * sd / math.sqrt(len(values))
    return {"mean": mean, "sd": sd, "ci95": [mean - half, mean + half], "n": len(values), "values": values}


def replication_metrics(rng, price_factor: float = 1.0) -> dict:
    attempted = int(rng.integers(900, 1100))
    rejected, blocked, bounced = (int(x) for x in rng.integers([0, 20, 0], [10, 80, 30]))
    delivered = attempted - rejected - blocked - bounced
    responded, expired, evicted = int(delivered * rng.uniform(0.15, 0.25)), int(delivered * 0.1), int(rng.integers(6))
    opened = int(delivered * rng.uniform(0.8, 0.9))
    revenue = 12000.0 * price_factor + rng.normal(0, 50)
    return {
        "inmails_attempted": attempted, "inmails_rejected_invalid": rejected, "inmails_blocked_no_credit": blocked,
        "inmails_waiting_end": blocked // 2, "inmails_bounced_inbox_full": bounced, "inmails_delivered": delivered,
        "inmails_opened": opened, "inmails_responded": responded, "inmails_expired_unanswered": expired,
        "inmails_evicted": evicted, "inmails_pending_end": delivered - responded - expired - evicted,
        "open_rate": opened / delivered, "response_rate": responded / delivered,
        "credits_granted": float(rng.uniform(2900, 3100)), "credits_spent": float(delivered + bounced),
        "credits_refunded": float(responded), "credits_expired": float(rng.integers(0, 60)),
        "credits_forfeited_cap": float(rng.integers(0, 20)), "credits_balance_end": float(rng.uniform(1900, 2100)),
        "wasted_credit_share": float(rng.uniform(0.01, 0.03)), "revenue": revenue,
        "cost_per_response": revenue / responded, "inbox_full_share": float(rng.uniform(0, 0.01)),
        "mean_time_to_open_days": float(rng.uniform(1, 2)), "mean_time_to_respond_days": float(rng.uniform(3, 4)),
    }


def scenario_dict(name: str, description: str = "A small synthetic world", price: float = 59.99) -> dict:
    return {
        "name": name, "description": description, "seed": 7, "horizon_days": 365, "warmup_days": 60,
        "population": {"senders": 100, "recipients": 1000},
        "plans": {
            "premium_business": {"price_per_month": price, "credits_per_month": 15, "balance_cap": 45,
                                 "credit_lifetime_days": 90, "refresh": "anniversary"},
            "sales_navigator": {"price_per_month": 99.99, "credits_per_month": 50, "balance_cap": 150,
                                "credit_lifetime_days": 90, "refresh": "first_of_month"},
        },
        "plan_mix": {"premium_business": 0.7, "sales_navigator": 0.3},
        "inbox": {"capacity": 20, "when_full": "bounce"},
        "refund": {"policy": "on_response", "window_days": 90},
    }


def histogram(rng, bins: int, width: float = 1.0, open_end: bool = False) -> dict:
    edges = [i * width for i in range(bins + 1)]
    if open_end:
        edges[-1] = None
    return {"edges": edges, "counts": [int(c) for c in rng.integers(0, 50, bins)]}


def write_run(folder: Path, name: str = "demo", replications: int = 3, seed: int = 0, description: str = "A small "
              "synthetic world", price_factor: float = 1.0) -> dict:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    per_replication = [replication_metrics(rng, price_factor) for _ in range(replications)]
    per_plan = {p: [replication_metrics(rng, price_factor) for _ in range(replications)] for p in PLANS}
    data = {"kind": "run", "scenario": name, "seed": 7, "replications": replications,
            "replication_ids": list(range(replications)),
            "metrics": {k: summary([m[k] for m in per_replication]) for k in per_replication[0]},
            "by_plan": {p: {k: summary([m[k] for m in ms]) for k in ms[0]} for p, ms in per_plan.items()}}
    (folder / "metrics.json").write_text(json.dumps(data))
    text = yaml.safe_dump(scenario_dict(name, description, price=59.99 * price_factor), sort_keys=False)
    (folder / "scenario.yaml").write_text(text.replace("credits_per_month: 15", "credits_per_month: 15  # LinkedIn "
                                                       "Help, 2024"))
    columns = ["replication", "month", "month_start_day", "plan", "subscribers", "credits_granted", "credits_spent",
               "credits_refunded", "credits_expired", "credits_forfeited_cap", "credits_balance_end", "revenue"]
    rows = [[r, m, m * 30.4375, p, 70, 1050, *rng.integers(0, 300, 4), 900, 4199.3]
            for r in range(replications) for m in range(12) for p in PLANS]
    (folder / "timeseries.csv").write_text("\n".join(",".join(str(c) for c in row) for row in [columns, *rows]) + "\n")
    distributions = {
        "balance_end": {p: histogram(rng, 20, 5) for p in PLANS},
        "inbox_occupancy_end": histogram(rng, 25),
        "time_to_open_days": {"edges": [0, 1 / 24, 0.25, 1, 7, 30, None], "counts": [5, 20, 40, 30, 10, 2]},
        "time_to_respond_days": histogram(rng, 30, 1.0, open_end=True),
        "top_recipients": [{"recipient": 1000 + i, "delivered": 100 - i, "bounced": i, "days_full": 1.25 * i}
                           for i in range(15)],
    }
    (folder / "distributions.json").write_text(json.dumps(distributions))
    return data


def difference(base: list, variant: list) -> dict:
    paired = summary([v - b for b, v in zip(base, variant)])
    base_mean = float(np.mean(base))
    low, high = paired["ci95"]
    return {"base_mean": base_mean, "variant_mean": float(np.mean(variant)), "diff": paired["mean"],
            "se": paired["sd"] / math.sqrt(len(base)), "ci95": [low, high],
            "relative_change": paired["mean"] / abs(base_mean) if base_mean else None,
            "excludes_zero": bool(low > 0 or high < 0), "n": len(base), "method": "paired",
            "unpaired_ci95": [low - 1.0, high + 1.0]}


def write_compare(folder: Path, base: str = "baseline", variants=("cheaper",), replications: int = 4,
                  arms: bool = True) -> dict:
    """`cheaper` charges 20% less, so its revenue interval excludes zero; the other metrics are independent noise."""
    rng = np.random.default_rng(1)
    with_arms = arms
    arms = {arm: [replication_metrics(rng, 0.8 if arm == "cheaper" else 1.0) for _ in range(replications)]
            for arm in (base, *variants)}
    plans = {arm: {p: [replication_metrics(rng) for _ in range(replications)] for p in PLANS} for arm in arms}
    data = {
        "kind": "comparison", "base": base, "seed": 3, "replications": replications,
        "replication_ids": list(range(replications)),
        "arms": {a: {"scenario": a, "values": {k: [m[k] for m in ms] for k in ms[0]}} for a, ms in arms.items()},
        "variants": {v: {
            "metrics": {k: difference([m[k] for m in arms[base]], [m[k] for m in arms[v]]) for k in arms[v][0]},
            "by_plan": {p: {k: difference([m[k] for m in plans[base][p]], [m[k] for m in plans[v][p]])
                            for k in plans[v][p][0]} for p in PLANS},
        } for v in variants},
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "comparison.json").write_text(json.dumps(data))
    for index, arm in enumerate(arms if with_arms else []):
        write_run(folder / "arms" / arm, name=arm, replications=replications, seed=10 + index,
                  price_factor=0.8 if arm == "cheaper" else 1.0)
    return data


def write_sweep(folder: Path, grid: dict[str, list[str]], replications: int = 3) -> dict:
    rng = np.random.default_rng(2)
    keys = list(grid)
    combos = [dict(zip(keys, values)) for values in np.array(np.meshgrid(*grid.values(), indexing="ij"),
                                                                dtype=object).reshape(len(keys), -1).T]
    points, summary_rows = [], []
    for point_id, settings in enumerate(combos):
        reps = [replication_metrics(rng) for _ in range(replications)]
        metrics = {k: summary([m[k] for m in reps]) for k in reps[0]}
        points.append({"point_id": point_id, "settings": settings, "replications_done": replications,
                       "metrics": metrics})
        summary_rows += [[point_id, *settings.values(), name, s["n"], repr(s["mean"]), repr(s["sd"]),
                          repr(s["ci95"][0]), repr(s["ci95"][1])] for name, s in metrics.items()]
    manifest = {"kind": "sweep", "scenario": "swept", "seed": 5, "replications": replications, "grid": grid,
                "fingerprint": "0" * 64, "status": "complete", "points": points}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sweep.json").write_text(json.dumps(manifest))
    header = ["point_id", *keys, "metric", "n", "mean", "sd", "ci95_low", "ci95_high"]
    (folder / "sweep_summary.csv").write_text(
        "\n".join(",".join(str(c) for c in row) for row in [header, *summary_rows]) + "\n")
    return manifest


# ----- reading the report back -----

VOID = {"meta", "img", "br", "hr", "link", "input", "col", "area", "base", "source", "wbr"}


class Page(HTMLParser):
    """The parts of report.html the tests look at; fails on badly nested elements."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.tables: list[dict] = []
        self.ids: set[str] = set()
        self.text: list[str] = []
        self._open: list[str] = []
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None
        self.feed(text)
        self.close()
        assert not self._open, f"unclosed elements: {self._open}"

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag not in VOID:
            self._open.append(tag)
        if tag == "table":
            self.tables.append({"caption": "", "rows": [], "highlighted": []})
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
            self.tables[-1]["highlighted"].append("highlight" in attrs.get("class", ""))
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "caption":
            self._caption = []

    def handle_endtag(self, tag):
        assert self._open and self._open[-1] == tag, f"</{tag}> closes <{self._open[-1] if self._open else None}>"
        self._open.pop()
        if tag in ("td", "th"):
            self.tables[-1]["rows"][-1].append("".join(self._cell))
            self._cell = None
        elif tag == "caption":
            self.tables[-1]["caption"] = "".join(self._caption)
            self._caption = None

    def handle_data(self, data):
        self.text.append(data)
        for sink in (self._cell, self._caption):
            if sink is not None:
                sink.append(data)

    def table(self, caption_start: str) -> dict:
        found = [t for t in self.tables if t["caption"].startswith(caption_start)]
        assert len(found) == 1, f"{len(found)} tables captioned {caption_start!r}"
        table = found[0]
        return {"header": table["rows"][0], "rows": table["rows"][1:], "highlighted": table["highlighted"][1:]}


def page_of(folder: Path) -> Page:
    return Page((folder / "report.html").read_text(encoding="utf-8"))


def assert_self_contained(folder: Path) -> None:
    html = (folder / "report.html").read_text(encoding="utf-8")
    page = Page(html)
    forbidden = {"script", "link", "iframe", "object", "embed", "base", "form", "frame", "audio", "video"}
    assert not forbidden & {tag for tag, _ in page.tags}
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), f"<{tag} {name}>"
            if name in ("src", "href", "srcset", "action", "poster", "data"):
                assert value.startswith("data:image/png;base64,") if name == "src" else value.startswith("#"), \
                    f"<{tag} {name}={value[:40]!r}>"
                if value.startswith("#"):
                    assert value[1:] in page.ids, f"anchor {value} leads nowhere"
    assert not re.search(r"https?://|url\(|@import", html)
    images = [attrs["src"] for tag, attrs in page.tags if tag == "img"]
    embedded = sorted(base64.b64decode(src.split(",", 1)[1]) for src in images)
    on_disk = sorted(path.read_bytes() for path in (folder / "figures").glob("*.png"))
    assert on_disk and embedded == on_disk
    assert all(attrs.get("alt") for tag, attrs in page.tags if tag == "img")
    markdown = (folder / "report.md").read_text(encoding="utf-8")
    for path in (folder / "figures").glob("*.png"):
        assert f"](figures/{path.name})" in markdown


# ----- tests -----

def test_fmt_prints_whole_numbers_in_full_and_others_to_four_significant_digits():
    assert fmt(1234567) == "1,234,567"
    assert fmt(2.0) == "2"
    assert fmt(0.123456) == "0.1235"
    assert fmt(-3.14159) == "-3.142"
    assert fmt(12345.6) == "12,346"
    assert fmt(0.00012346) == "1.235e-04"
    assert fmt(None) == fmt(float("nan")) == "n/a"
    assert fmt_interval([1, 2.5]) == "[1, 2.5]"
    assert fmt_interval(None) == fmt_interval([None, None]) == "n/a"
    values = np.random.default_rng(0).lognormal(0, 4, 2000) * np.random.default_rng(1).choice([-1, 1], 2000)
    for value in values:
        printed = float(fmt(float(value)).replace(",", ""))
        tolerance = 0.5 if abs(value) >= 1000 else 5e-4 * abs(value)
        assert abs(printed - value) <= tolerance * (1 + 1e-9), (value, fmt(float(value)))


DESCRIPTION = "<img src=x onerror=alert(2)> **not bold** | not a cell & more"


@pytest.fixture(scope="module")
def run_report(tmp_path_factory):
    """One run report shared by the tests that only read it (a report takes a few seconds to draw)."""
    folder = tmp_path_factory.mktemp("run")
    data = write_run(folder, name=SCRIPT_NAME, description=DESCRIPTION)
    (folder / "scenario.source.yaml").write_text("population:\n  # survey of 2024\n  senders: 100\n")
    return folder, data, build_report(folder)


@pytest.fixture(scope="module")
def compare_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare")
    return folder, write_compare(folder, variants=("cheaper", "same")), build_report(folder)


SWEEP_GRIDS = {
    "one": {"plans.premium_business.credits_per_month": ["5", "10", "20"]},
    "two": {"plans.premium_business.credits_per_month": ["5", "10", "20"], "refund.policy": ["on_response", "none"]},
}


@pytest.fixture(scope="module", params=list(SWEEP_GRIDS))
def sweep_report(tmp_path_factory, request):
    folder = tmp_path_factory.mktemp(f"sweep_{request.param}")
    grid = SWEEP_GRIDS[request.param]
    return folder, grid, write_sweep(folder, grid), build_report(folder)


def test_report_kind_is_told_by_the_data_files(tmp_path):
    write_run(tmp_path / "run")
    write_compare(tmp_path / "compare", arms=False)
    write_sweep(tmp_path / "sweep", {"inbox.capacity": ["10", "50"]})
    assert [report_kind(tmp_path / k) for k in ("run", "compare", "sweep")] == ["run", "compare", "sweep"]
    with pytest.raises(ReportError, match="no data files"):
        report_kind(tmp_path)


def test_run_report_writes_markdown_html_and_every_figure(run_report):
    folder, _, written = run_report
    names = {path.name for path in written}
    assert {"report.md", "report.html", "funnel.png", "credit_flows.png", "balance_end.png", "inbox_occupancy.png",
            "timing.png", "money_by_plan.png"} <= names
    assert all(path.exists() for path in written)
    assert not [p for p in folder.rglob(".*")], "a temporary file was left behind"
    assert_self_contained(folder)


def test_run_report_numbers_equal_the_data_files(run_report):
    folder, data, _ = run_report
    page = page_of(folder)
    markdown = (folder / "report.md").read_text()
    table = page.table("Every metric of the run")
    assert {row[1] for row in table["rows"]} == set(data["metrics"])
    for row in table["rows"]:
        entry = data["metrics"][row[1]]
        expected = [fmt(entry["mean"]), fmt_interval(entry["ci95"]), fmt(entry["sd"])]
        assert row[3:] == expected
        assert "| " + " | ".join(expected) + " |" in markdown
    attempted = data["metrics"]["inmails_attempted"]["mean"]
    for row in page.table("Where each attempted InMail ended")["rows"] + page.table("The funnel")["rows"]:
        name = next(n for n in FUNNEL_COUNTS if row[0] == catalog.label(n))
        entry = data["metrics"][name]
        assert row[1:] == [fmt(entry["mean"]), fmt_interval(entry["ci95"]), fmt(entry["mean"] / attempted)]
    money = page.table("Money by plan")
    assert [row[0] for row in money["rows"]] == PLANS
    for row in money["rows"]:
        plan = data["by_plan"][row[0]]
        assert row[1:] == [fmt(plan[m][k]) if k == "mean" else fmt_interval(plan[m][k])
                           for m in ("revenue", "inmails_responded", "cost_per_response") for k in ("mean", "ci95")]
    top = json.loads((folder / "distributions.json").read_text())["top_recipients"]
    recipients = page.table("The 10 most loaded recipients")
    assert recipients["rows"] == [[str(r["recipient"]), fmt(r["delivered"]), fmt(r["bounced"]), fmt(r["days_full"])]
                                  for r in top[:10]]


def test_scenario_text_is_escaped_in_html_and_markdown(run_report):
    folder = run_report[0]
    page = page_of(folder)
    assert "script" not in {tag for tag, _ in page.tags}
    assert not [attrs for tag, attrs in page.tags if tag == "img" and attrs.get("src") == "x"]
    text = "".join(page.text)
    assert f"Run report: {SCRIPT_NAME}" in text and DESCRIPTION in text
    markdown = (folder / "report.md").read_text()
    assert "<script" not in markdown and "<img" not in markdown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markdown
    assert r"\*\*not bold\*\* \| not a cell &amp; more" in markdown


def test_scenario_table_shows_settings_and_the_sources_written_as_comments(run_report):
    page = page_of(run_report[0])
    plans = page.table("Plans and their mix")
    premium = next(row for row in plans["rows"] if row[0] == "premium_business")
    assert premium[1:6] == ["0.7", "59.99", "15", "45", "90"]
    assert "credits_per_month: LinkedIn Help, 2024" in premium[-1]
    rules = {row[1]: row[2:] for row in page.table("Rules and behaviour")["rows"]}
    assert rules["population.senders"] == ["100", "survey of 2024"]
    assert rules["inbox.capacity"][0] == "20" and rules["refund.policy"][0] == "on_response"


def test_yaml_key_comments_follow_nesting_and_ignore_hashes_in_quotes():
    text = "a:\n  # above b\n  b: 1  # beside b\n  c: 'x # not a comment'\nd: 2 # top\n"
    assert yaml_key_comments(text) == {"a.b": "above b beside b", "d": "top"}


def test_compare_report_highlights_exactly_the_differences_whose_interval_excludes_zero(compare_report):
    folder, data, _ = compare_report
    assert_self_contained(folder)
    assert {"relative_differences.png", "funnels.png", "outcomes.png"} <= {p.name for p in
                                                                         (folder / "figures").iterdir()}
    page = page_of(folder)
    for variant in ("cheaper", "same"):
        entries = data["variants"][variant]["metrics"]
        table = page.table(f"Every metric, {variant} against baseline")
        assert {row[1] for row in table["rows"]} == set(entries)
        for row, highlighted in zip(table["rows"], table["highlighted"]):
            e = entries[row[1]]
            assert row[3:] == [fmt(e["base_mean"]), fmt(e["variant_mean"]), fmt(e["diff"]), fmt_interval(e["ci95"]),
                               fmt(e["relative_change"]), fmt_interval(e["unpaired_ci95"])]
            assert highlighted == e["excludes_zero"], row[1]
    assert data["variants"]["cheaper"]["metrics"]["revenue"]["excludes_zero"]
    changed = page.table("What cheaper changes")["rows"]
    assert changed == [["plans.premium_business.price_per_month", "59.99", fmt(59.99 * 0.8)]]
    markdown = (folder / "report.md").read_text()
    revenue = data["variants"]["cheaper"]["metrics"]["revenue"]
    assert f"**{fmt(revenue['diff'])}** | **{fmt_interval(revenue['ci95'])}**" in markdown


def test_compare_report_without_arm_folders_says_what_it_cannot_show(tmp_path):
    write_compare(tmp_path, arms=False)
    build_report(tmp_path)
    assert "cannot be listed" in (tmp_path / "report.md").read_text()
    assert_self_contained(tmp_path)


def test_sweep_report_draws_bands_and_a_heat_map_for_two_settings(sweep_report):
    folder, grid, manifest, _ = sweep_report
    assert_self_contained(folder)
    figures = {p.name for p in (folder / "figures").iterdir()}
    assert "sweep_bands.png" in figures
    assert ("sweep_heatmaps.png" in figures) == (len(grid) == 2)
    table = page_of(folder).table("response rate (responded / delivered) (share)")
    assert table["header"] == ["point", *grid, "mean", "95% interval", "sd", "replications"]
    assert table["rows"] == [[str(p["point_id"]), *p["settings"].values(), fmt(p["metrics"]["response_rate"]["mean"]),
                              fmt_interval(p["metrics"]["response_rate"]["ci95"]),
                              fmt(p["metrics"]["response_rate"]["sd"]), "3"] for p in manifest["points"]]


@pytest.mark.parametrize("sweep_report", ["one"], indirect=True)
def test_sweep_report_from_the_summary_csv_alone_prints_the_same_tables(sweep_report, tmp_path):
    folder = sweep_report[0]
    (tmp_path / "sweep_summary.csv").write_bytes((folder / "sweep_summary.csv").read_bytes())
    build_report(tmp_path)
    from_manifest = [t for t in page_of(folder).tables if " — " in t["caption"]]
    from_summary = [t for t in page_of(tmp_path).tables if " — " in t["caption"]]
    assert from_manifest and from_summary == from_manifest


def test_rebuilding_removes_figures_of_an_earlier_build(tmp_path):
    write_compare(tmp_path, arms=False)
    build_report(tmp_path)
    stale = tmp_path / "figures" / "sweep_bands.png"
    stale.write_bytes((tmp_path / "figures" / "funnels.png").read_bytes())
    build_report(tmp_path)
    assert not stale.exists()
    assert_self_contained(tmp_path)


def test_a_figure_without_axis_labels_or_title_is_refused(tmp_path):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    ax.set_title("a title")
    with pytest.raises(ValueError, match="axis labels"):
        FigureWriter(tmp_path).save(fig, "bad", "caption", "alt")
    fig, ax = plt.subplots()
    ax.set_xlabel("x (days)")
    ax.set_ylabel("y (credits)")
    with pytest.raises(ValueError, match="title"):
        FigureWriter(tmp_path).save(fig, "bad", "caption", "alt")
    assert not (tmp_path / "figures").exists()


def test_histogram_bins_close_the_open_end_and_detect_unequal_widths():
    bins = histogram_bins([0, 1, 2, None], [4, 5, 6])
    assert bins.left == [0, 1, 2] and bins.widths == [1, 1, 1] and bins.equal
    assert bins.edge_labels == ["0", "1", "2", "∞"]
    assert not histogram_bins([0, 1 / 24, 1, 30, None], [1, 2, 3, 4]).equal
    with pytest.raises(ValueError, match="one edge more"):
        histogram_bins([0, 1], [1, 2, 3])


def test_report_command_rebuilds_and_refuses_a_folder_without_data(tmp_path, capsys):
    write_compare(tmp_path / "compare", arms=False)
    assert main(["report", str(tmp_path / "compare"), "-q"]) == 0
    assert (tmp_path / "compare" / "report.html").exists()
    (tmp_path / "empty").mkdir()
    assert main(["report", str(tmp_path / "empty")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("error:") and "no data files" in error
    assert list((tmp_path / "empty").iterdir()) == []


@pytest.mark.parametrize("content", ['{"metrics": 5}', "{not json", '{"metrics": {"x": 1}, "by_plan": {"p": 3}}'])
def test_malformed_data_file_is_one_line_and_exit_2(tmp_path, capsys, content):
    (tmp_path / "metrics.json").write_text(content)
    assert main(["report", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("error:") and str(tmp_path) in error
    assert not (tmp_path / "report.html").exists()


def test_run_report_says_when_a_run_was_interrupted_or_stopped_at_a_precision(tmp_path):
    from sim.report.run_sections import metrics_section, read_run

    data = write_run(tmp_path, replications=2)
    data.update(interrupted=True, until_ci={"metric": "response_rate", "target": 0.01, "relative_half_width": 0.02,
                                            "reached": False, "max_replications": 200})
    (tmp_path / "metrics.json").write_text(json.dumps(data))
    notes = " ".join(block.text for block in metrics_section(read_run(tmp_path)).blocks if hasattr(block, "text"))
    assert "interrupted" in notes and "response_rate" in notes and "short of the target" in notes


# ----- end to end: the real commands on a small world -----

SMALL_WORLD = {
    "name": SCRIPT_NAME, "description": "End-to-end <b>check</b> of the report",
    "horizon_days": 60, "warmup_days": 10,
    "population": {"senders": 100, "recipients": 1000},
    "plans": {"premium_business": {"price_per_month": 59.99, "credits_per_month": 15, "balance_cap": 45},
              "sales_navigator": {"price_per_month": 99.99, "credits_per_month": 50, "balance_cap": 150,
                                  "refresh": "first_of_month"}},
    "plan_mix": {"premium_business": 0.6, "sales_navigator": 0.4},
    "inbox": {"capacity": 5},
}


def small_world_file(folder: Path, **changes) -> Path:
    path = folder / "small.yaml"
    path.write_text(yaml.safe_dump({**SMALL_WORLD, **changes}, sort_keys=False))
    return path


def test_end_to_end_run_report_from_a_real_small_run(tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(small_world_file(tmp_path)), "--out", str(out), "-r", "2", "-j", "1", "-q"]) == 0
    assert_self_contained(out)
    data = json.loads((out / "metrics.json").read_text())
    rows = page_of(out).table("Every metric of the run")["rows"]
    assert {row[1] for row in rows} == set(data["metrics"])
    for row in rows:
        entry = data["metrics"][row[1]]
        assert row[3:] == [fmt(entry["mean"]), fmt_interval(entry["ci95"]), fmt(entry["sd"])]
    assert SCRIPT_NAME in "".join(page_of(out).text)


def test_end_to_end_compare_and_sweep_reports(tmp_path):
    base = small_world_file(tmp_path, name="small")
    compare_out, sweep_out = tmp_path / "compare", tmp_path / "sweep"
    assert main(["compare", str(base), "--variant", "cheaper", "plans.premium_business.price_per_month=49.99",
                 "--out", str(compare_out), "-r", "2", "-j", "1", "-q"]) == 0
    assert main(["sweep", str(base), "--grid", "inbox.capacity=3,10", "--grid", "refund.policy=on_response,none",
                 "--out", str(sweep_out), "-r", "2", "-j", "1", "-q"]) == 0
    for out in (compare_out, sweep_out):
        assert_self_contained(out)
    revenue = json.loads((compare_out / "comparison.json").read_text())["variants"]["cheaper"]["metrics"]["revenue"]
    row = next(r for r in page_of(compare_out).table("Every metric, cheaper")["rows"] if r[1] == "revenue")
    assert row[5:7] == [fmt(revenue["diff"]), fmt_interval(revenue["ci95"])]
    assert (sweep_out / "figures" / "sweep_heatmaps.png").exists()

