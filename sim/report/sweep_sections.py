"""The report of a parameter sweep: each headline metric against the swept setting with its 95% interval band, and a
heat map when two settings were swept together.

Reads the per-point summaries of `sweep.json` (written by sim/experiments/sweep.py), or `sweep_summary.csv` when the
manifest holds none; a folder holding only the raw `sweep.csv` is summarised the way the sweep itself would. Swept
values whose labels all read as numbers are placed on a numeric axis, others in the order of the grid.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import catalog
from .content import Document, Note, Paragraph, Section, Table, fmt, fmt_interval
from .figures import BandPanel, FigureWriter, band_panels, heatmap_panels
from .files import ReportError, read_csv, read_csv_header, read_json, summary
from .assumptions import assumptions_section
from .scenario_sections import read_scenario, scenario_section

HEATMAP_METRICS = ["response_rate", "revenue", "cost_per_response", "wasted_credit_share", "inbox_full_share",
                   "inmails_responded"]
MAX_SERIES = 8  # lines per panel before a plot stops being readable


@dataclass
class Point:
    point_id: int
    settings: dict[str, str]  # swept key -> value label as in the grid
    replications: int | None
    metrics: dict[str, dict]  # name -> summary


@dataclass
class SweepData:
    folder: Path
    name: str
    seed: object
    replications: object
    status: str
    keys: list[str]
    grid: dict[str, list[str]]
    points: list[Point]
    scenario: dict | None = None
    comments: dict[str, str] = field(default_factory=dict)


def read_sweep(folder: Path) -> SweepData:
    folder = Path(folder)
    manifest = read_json(folder / "sweep.json") if (folder / "sweep.json").is_file() else {}
    points = _points_from_manifest(manifest)
    if not points and (folder / "sweep_summary.csv").is_file():
        points = _points_from_summary(folder / "sweep_summary.csv")
    if not points and (folder / "sweep.csv").is_file():
        points = _points_from_rows(folder / "sweep.csv")
    if not points:
        raise ReportError(f"{folder}: the sweep has no finished point to report on")
    keys = list(manifest.get("grid") or points[0].settings)
    grid = {k: [str(v) for v in (manifest.get("grid") or {}).get(k, [])] or
            list(dict.fromkeys(p.settings[k] for p in points)) for k in keys}
    data = SweepData(folder=folder, name=str(manifest.get("scenario", folder.name)), seed=manifest.get("seed"),
                     replications=manifest.get("replications"), status=str(manifest.get("status", "unknown")),
                     keys=keys, grid=grid, points=sorted(points, key=lambda p: p.point_id))
    data.scenario, data.comments = read_scenario(folder)
    return data


def _points_from_manifest(manifest: dict) -> list[Point]:
    return [Point(int(p["point_id"]), {k: str(v) for k, v in (p.get("settings") or {}).items()},
                  p.get("replications_done"), {n: summary(s) for n, s in (p.get("metrics") or {}).items()})
            for p in manifest.get("points") or [] if p.get("metrics")]


def _swept_columns(path: Path, before: str) -> list[str]:
    """The swept keys: in sweep.csv and sweep_summary.csv they are the columns between point_id and `before`."""
    header = read_csv_header(path)
    if "point_id" not in header or before not in header:
        raise ReportError(f"{path}: expected columns point_id, the swept settings, then {before}")
    return header[header.index("point_id") + 1:header.index(before)]


def _points_from_summary(path: Path) -> list[Point]:
    keys = _swept_columns(path, "metric")
    points: dict[int, Point] = {}
    for row in read_csv(path, text_columns=keys):
        point = points.setdefault(int(row["point_id"]), Point(int(row["point_id"]), {k: row[k] for k in keys},
                                                              row.get("n"), {}))
        point.metrics[str(row["metric"])] = summary({**row, "values": []})
    return list(points.values())


def _points_from_rows(path: Path) -> list[Point]:
    from sim.experiments.aggregate import summarize_metrics  # the sweep's own summary, so the numbers agree

    keys = _swept_columns(path, "replication")
    grouped: dict[int, list[dict]] = {}
    for row in read_csv(path, text_columns=keys):
        grouped.setdefault(int(row["point_id"]), []).append(row)
    points = []
    for point_id, members in grouped.items():
        members.sort(key=lambda r: r["replication"])
        names = [k for k in members[0] if k not in ("point_id", "replication", *keys)]
        stats = summarize_metrics([{n: r[n] for n in names} for r in members])
        points.append(Point(point_id, {k: members[0][k] for k in keys}, len(members),
                            {n: summary(s) for n, s in stats.items()}))
    return points


def numeric_axis(labels: list[str]) -> list[float] | None:
    """The labels as numbers when every one is a number, else None (the axis is then categorical)."""
    try:
        return [float(label) for label in labels]
    except ValueError:
        return None


def axis_name(key: str) -> str:
    """A swept key as an axis label: its last part (scenario keys carry their unit, e.g. `window_days`)."""
    return f"{key.rsplit('.', 1)[-1]} (unit as in the key)"


def sweep_document(data: SweepData, figures: FigureWriter) -> Document:
    sections = [grid_section(data)]
    if data.scenario:
        sections.append(scenario_section(data.scenario, data.comments, title="Base scenario"))
        assumptions = assumptions_section(data.scenario, data.comments)
        if assumptions is not None:
            sections.append(assumptions)
    sections.append(bands_section(data, figures))
    if len(data.keys) == 2:
        sections.append(heatmap_section(data, figures))
    sections.append(tables_section(data))
    return Document(
        title=f"Sweep report: {data.name} over {', '.join(data.keys)}",
        subtitle=f"{len(data.points)} points, {data.replications} replications each, root seed {data.seed}, "
        f"status {data.status}. Every point ran on the same random numbers.",
        sections=sections,
    )


def grid_section(data: SweepData) -> Section:
    rows = [[key, ", ".join(values)] for key, values in data.grid.items()]
    blocks: list = [Table(["swept setting", "values"], rows, caption="The grid", numeric=[False, False])]
    if data.status not in ("complete", "unknown"):
        blocks.append(Note(f"The sweep is {data.status}: points report the replications that had finished."))
    done = [p.replications for p in data.points if p.replications is not None]
    if done and min(done) != max(done):
        blocks.append(Paragraph(f"Replications finished per point range from {min(done)} to {max(done)}."))
    return Section("Grid", blocks)


def _metrics(data: SweepData, wanted: list[str]) -> list[str]:
    return [n for n in wanted if any(n in p.metrics for p in data.points)]


def _series_of(data: SweepData, metric: str, x_key: str, x_labels: list[str]):
    """{label of the other settings: (mean, low, high) along x}, one line per combination of the other keys."""
    others = [k for k in data.keys if k != x_key]
    lines: dict[str, dict[str, Point]] = {}
    for point in data.points:
        label = ", ".join(f"{k}={point.settings.get(k)}" for k in others) or metric
        lines.setdefault(label, {})[point.settings.get(x_key)] = point
    series = {}
    for label, by_x in lines.items():
        entries = [by_x[x].metrics.get(metric, {}) if x in by_x else {} for x in x_labels]
        intervals = [e.get("ci95") or [None, None] for e in entries]
        series[label] = ([e.get("mean") for e in entries], [i[0] for i in intervals], [i[1] for i in intervals])
    return series


def bands_section(data: SweepData, figures: FigureWriter) -> Section:
    x_key = data.keys[0]
    x_labels = data.grid[x_key]
    x = numeric_axis(x_labels)
    order = sorted(range(len(x_labels)), key=lambda i: x[i]) if x else list(range(len(x_labels)))
    x_labels = [x_labels[i] for i in order]
    positions = [x[i] for i in order] if x else list(range(len(x_labels)))
    names = _metrics(data, catalog.HEADLINE)
    panels = [BandPanel(catalog.label(n), catalog.unit(n) or "as in the data file",
                        _series_of(data, n, x_key, x_labels)) for n in names]
    blocks = []
    if len(panels) and len(panels[0].series) > MAX_SERIES:
        return Section(f"Headline metrics against {x_key}", [Note(
            f"{len(panels[0].series)} combinations of the other swept settings are too many lines to draw; see the "
            f"tables below and sweep_summary.csv.")])
    if panels:
        blocks.append(band_panels(
            figures, "sweep_bands", f"Headline metrics against {x_key}", positions, panels,
            xlabel=axis_name(x_key) + ("" if x else f": {', '.join(x_labels)}"),
            caption="Mean over replications at each point with its 95% interval as a band"
            + (", one line per value of the other swept setting." if len(data.keys) > 1 else ".")))
    return Section(f"Headline metrics against {x_key}", blocks or [Note("No headline metric in the sweep files.")])


def heatmap_section(data: SweepData, figures: FigureWriter) -> Section:
    x_key, y_key = data.keys
    x_labels, y_labels = data.grid[x_key], data.grid[y_key]
    panels = {}
    for name in _metrics(data, HEATMAP_METRICS):
        matrix = np.full((len(y_labels), len(x_labels)), np.nan)
        for point in data.points:
            mean = point.metrics.get(name, {}).get("mean")
            if mean is not None and point.settings.get(x_key) in x_labels and point.settings.get(y_key) in y_labels:
                matrix[y_labels.index(point.settings[y_key]), x_labels.index(point.settings[x_key])] = mean
        panels[catalog.label(name)] = (matrix, f"{catalog.unit(name) or 'value'} (mean)")
    if not panels:
        return Section("Heat maps", [Note("No metric to map.")])
    figure = heatmap_panels(figures, "sweep_heatmaps", f"Metrics over {x_key} and {y_key}", x_labels, y_labels,
                            panels, xlabel=axis_name(x_key), ylabel=axis_name(y_key),
                            caption="Mean over replications at each combination of the two swept settings; blank "
                            "cells have no finished replication.")
    return Section("Heat maps", [figure])


def tables_section(data: SweepData) -> Section:
    blocks = []
    for name in _metrics(data, catalog.HEADLINE):
        rows = [[str(p.point_id)] + [p.settings.get(k, "") for k in data.keys]
                + [fmt(p.metrics.get(name, {}).get("mean")), fmt_interval(p.metrics.get(name, {}).get("ci95")),
                   fmt(p.metrics.get(name, {}).get("sd")), fmt(p.replications)] for p in data.points]
        blocks.append(Table(["point"] + data.keys + ["mean", "95% interval", "sd", "replications"], rows,
                            caption=f"{catalog.label(name)} ({catalog.unit(name) or 'as in the data file'}) — {name}",
                            numeric=[True] * (len(data.keys) + 5)))
    blocks.append(Note("Every metric at every point is in sweep_summary.csv."))
    return Section("Tables by metric", blocks)
