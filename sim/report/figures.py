"""The charts of a report, drawn with matplotlib (Agg: no display needed) and saved as PNG under `figures/`.

The functions here know plot shapes, not InMails: horizontal bars with error bars, grouped bars, monthly lines,
histograms with an open-ended last bin, lines with interval bands, heat maps. The report builders decide what to
draw. Every figure must have a title and every plot both axis labels with units; `FigureWriter.save` refuses one
that does not, so a chart without units cannot reach a report.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot: reports are drawn without a display, e.g. on a CI runner

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from matplotlib import patheffects  # noqa: E402

from .content import Figure, fmt  # noqa: E402
from .files import write_atomically  # noqa: E402

DPI = 100
PANEL_WIDTH = 5.0
PANEL_HEIGHT = 3.4
COLORS = plt.get_cmap("tab10").colors
LINEAR_REACH = 10.0  # interval charts stay linear within this distance of zero...
SYMLOG_BEYOND = 20  # ...and switch to a symmetric log scale when a point lies this many times further out
MAX_ANNOTATED_CELLS = 64  # heat map cells get their value printed up to this many


class FigureWriter:
    """Saves figures into `<report dir>/figures/` and remembers which it wrote."""

    def __init__(self, report_dir: Path):
        self.report_dir = Path(report_dir)
        self.written: list[Path] = []

    def save(self, fig, name: str, caption: str, alt: str) -> Figure:
        _check_labelled(fig, name)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
        plt.close(fig)
        path = write_atomically(self.report_dir / "figures" / f"{name}.png", buffer.getvalue())
        self.written.append(path)
        return Figure(path=f"figures/{name}.png", caption=caption, alt=alt)


def _check_labelled(fig, name: str) -> None:
    has_title = bool(fig._suptitle and fig._suptitle.get_text())  # noqa: SLF001 - matplotlib has no public getter
    for ax in _plot_axes(fig):
        has_title = has_title or bool(ax.get_title())
        if not ax.get_xlabel() or not ax.get_ylabel():
            plt.close(fig)
            raise ValueError(f"figure {name}: every plot needs both axis labels with units")
    if not has_title:
        plt.close(fig)
        raise ValueError(f"figure {name}: a figure needs a title")


def _plot_axes(fig):
    return [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]


def _grid(count: int, columns: int = 2, width: float = PANEL_WIDTH, height: float = PANEL_HEIGHT,
          fixed: bool = False):
    """A grid of `count` panels. Constrained layout makes room for long labels but costs a second pass over every
    panel; `fixed` grids of many alike panels with short labels use fixed spacing instead (reports stay fast)."""
    columns = max(1, min(columns, count))
    rows = math.ceil(count / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(width * columns, height * rows + 0.6), squeeze=False,
                             layout=None if fixed else "constrained")
    if fixed:
        top = 1 - 0.95 / (height * rows + 0.6)  # room for the figure title above the first row's titles
        bottom = 0.9 / (height * rows + 0.6)
        fig.subplots_adjust(left=0.07, right=0.97, top=top, bottom=bottom, hspace=0.55, wspace=0.35)
    flat = list(axes.flat)
    for extra in flat[count:]:
        extra.set_visible(False)
    return fig, flat[:count]


@dataclass
class BarPanel:
    """Horizontal bars, one per category, optionally with 95% interval whiskers (low, high)."""

    title: str
    categories: list[str]
    values: list[float]
    xlabel: str
    intervals: list[tuple[float, float] | None] = field(default_factory=list)


def bar_panels(writer: FigureWriter, name: str, title: str, panels: list[BarPanel], caption: str) -> Figure:
    fig, axes = _grid(len(panels), columns=len(panels), height=max(2.4, 0.45 * max(len(p.categories) for p in panels)))
    for ax, panel in zip(axes, panels):
        positions = np.arange(len(panel.categories))
        values = np.array([_num(v) for v in panel.values])
        ax.barh(positions, np.nan_to_num(values), color=COLORS[0])
        whiskers = _whiskers(values, panel.intervals)
        if whiskers is not None:
            ax.errorbar(values, positions, xerr=whiskers, fmt="none", ecolor="black", capsize=3, lw=1)
        ax.set_yticks(positions, panel.categories)
        ax.invert_yaxis()
        ax.set_title(panel.title)
        ax.set_xlabel(panel.xlabel)
        ax.set_ylabel(" ")  # categories name themselves; the tick labels are the axis label
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(title)
    return writer.save(fig, name, caption, alt=title)


def grouped_bars(writer: FigureWriter, name: str, title: str, categories: list[str], series: dict[str, list[float]],
                 xlabel: str, ylabel: str, caption: str) -> Figure:
    fig, (ax,) = _grid(1, width=min(10.0, max(6.0, 1.2 * len(categories))), height=4.0)
    width = 0.8 / max(1, len(series))
    positions = np.arange(len(categories))
    for index, (label, values) in enumerate(series.items()):
        ax.bar(positions + (index - (len(series) - 1) / 2) * width, np.nan_to_num([_num(v) for v in values]), width,
               label=label, color=COLORS[index % len(COLORS)])
    ax.set_xticks(positions, categories, rotation=20 if len(categories) > 4 else 0, ha="right" if len(categories) > 4
                  else "center")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    return writer.save(fig, name, caption, alt=title)


def line_panels(writer: FigureWriter, name: str, title: str, panels: dict[str, tuple[list, dict[str, list]]],
                xlabel: str, ylabel: str, caption: str, shade_until: float | None = None,
                shade_label: str = "warm-up") -> Figure:
    """One panel per key of `panels`: (x, {series: y}); the x range before `shade_until` is shaded."""
    fig, axes = _grid(len(panels))
    for ax, (panel_title, (x, series)) in zip(axes, panels.items()):
        for index, (label, y) in enumerate(series.items()):
            ax.plot(x, [_num(v) for v in y], marker=".", label=label, color=COLORS[index % len(COLORS)])
        if shade_until:
            ax.axvspan(min(x) if len(x) else 0, shade_until, color="grey", alpha=0.15, label=shade_label)
        ax.set_title(panel_title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize="small")
    fig.suptitle(title)
    return writer.save(fig, name, caption, alt=title)


def histogram_panels(writer: FigureWriter, name: str, title: str,
                     panels: dict[str, dict[str, tuple[list, list]]], xlabel: str | list[str], ylabel: str,
                     caption: str, marker: tuple[float, str] | None = None) -> Figure:
    """One panel per key of `panels`, holding {series: (edges, counts)} drawn as outlined steps (bars if alone).

    The last bin of each histogram is open-ended (docs/outputs.md; its upper edge may be null): it is drawn as wide
    as the bin before it. Bins of very unequal widths (0-1 hour, ..., 90-180 days) are drawn side by side, one slot
    each, with their edges as tick labels, so that the short ones stay visible. `marker` draws a labelled vertical
    line, e.g. the inbox capacity (on an axis of equal bins only).
    """
    fig, axes = _grid(len(panels))
    xlabels = xlabel if isinstance(xlabel, list) else [xlabel] * len(panels)
    for ax, (panel_title, series), panel_xlabel in zip(axes, panels.items(), xlabels):
        categorical = False
        for index, (label, (edges, counts)) in enumerate(series.items()):
            bins = histogram_bins(edges, counts)
            categorical = categorical or not bins.equal
            left, widths = (bins.slots, [1.0] * len(counts)) if not bins.equal else (bins.left, bins.widths)
            color = COLORS[index % len(COLORS)]
            if len(series) == 1:
                ax.bar(left, counts, widths, align="edge", color=color, edgecolor="white", lw=0.5, label=label)
            elif len(left):
                ax.stairs(counts, list(left) + [left[-1] + widths[-1]], color=color, lw=1.5, label=label)
            if not bins.equal:
                ax.set_xticks(range(len(bins.edge_labels)), bins.edge_labels, rotation=60, fontsize="x-small")
        if marker is not None and not categorical:
            ax.axvline(marker[0], color="red", ls="--", lw=1, label=marker[1])
        ax.set_title(panel_title)
        ax.set_xlabel(panel_xlabel + (", bins of unequal width" if categorical else ""))
        ax.set_ylabel(ylabel)
        ax.grid(axis="y", alpha=0.3)
        if len(series) > 1 or (marker is not None and not categorical):
            ax.legend(fontsize="small")
    fig.suptitle(title)
    return writer.save(fig, name, caption, alt=title)


@dataclass
class Bins:
    left: list[float]
    widths: list[float]
    equal: bool  # widths equal (within a factor 1.5): drawn on a numeric axis
    edge_labels: list[str]  # every edge as text, the open end as "∞"

    @property
    def slots(self) -> list[float]:
        return [float(i) for i in range(len(self.left))]


def histogram_bins(edges, counts) -> Bins:
    """Left edges and widths of the bins, the open-ended last one as wide as the one before it.

    Tolerates `edges` given as left edges only (as many as counts) and a null or infinite last edge.
    """
    counts = list(counts)
    edges = [math.inf if e is None else float(e) for e in edges]
    if len(edges) == len(counts):
        edges = edges + [math.inf]
    if len(edges) != len(counts) + 1:
        raise ValueError(f"a histogram needs one edge more than counts, got {len(edges)} edges and {len(counts)} "
                         f"counts")
    if not counts:
        return Bins([], [], True, [])
    widths = [b - a for a, b in zip(edges, edges[1:])]
    finite = [w for w in widths if math.isfinite(w)] or [1.0]
    if not math.isfinite(widths[-1]):
        widths[-1] = finite[-1]
    equal = max(finite) <= 1.5 * min(finite)
    labels = [fmt(e) if math.isfinite(e) else "∞" for e in edges]
    return Bins(edges[:-1], widths, equal, labels)


def interval_chart(writer: FigureWriter, name: str, title: str, labels: list[str],
                   series: dict[str, tuple[list, list, list]], xlabel: str, caption: str) -> Figure:
    """Horizontal points with 95% whiskers, one row per label and one colour per series, with a line at zero."""
    fig, (ax,) = _grid(1, width=7.5, height=max(2.5, 0.42 * len(labels) * max(1, len(series)) ** 0.5))
    positions = np.arange(len(labels))
    step = 0.7 / max(1, len(series))
    for index, (label, (values, lows, highs)) in enumerate(series.items()):
        values = np.array([_num(v) for v in values])
        offsets = positions + (index - (len(series) - 1) / 2) * step
        whiskers = _whiskers(values, list(zip(lows, highs)))
        ax.errorbar(values, offsets, xerr=whiskers, fmt="o", capsize=3, ms=4, label=label,
                    color=COLORS[index % len(COLORS)])
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()
    shown = [_num(v) for values, lows, highs in series.values() for v in [*values, *lows, *highs] if v is not None]
    shown = [v for v in shown if math.isfinite(v)] or [0.0]
    if max(abs(v) for v in shown) > SYMLOG_BEYOND * LINEAR_REACH:
        # One metric changing by 400x would flatten every other point onto the zero line: compress the far range.
        ax.set_xscale("symlog", linthresh=LINEAR_REACH)
        ax.set_xlim(2 * min(min(shown), -LINEAR_REACH), 2 * max(max(shown), LINEAR_REACH))
        xlabel += f", logarithmic beyond ±{fmt(LINEAR_REACH)}"
    ax.set_xlabel(xlabel)
    ax.set_ylabel("metric")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    if len(series) > 1:
        ax.legend(fontsize="small")
    return writer.save(fig, name, caption, alt=title)


@dataclass
class BandPanel:
    """A metric against a parameter: one line per series {label: (mean, low, high)} over the same x values."""

    title: str
    ylabel: str
    series: dict[str, tuple[list, list, list]]


def band_panels(writer: FigureWriter, name: str, title: str, x: list[float], panels: list[BandPanel], xlabel: str,
                caption: str) -> Figure:
    fig, axes = _grid(len(panels), columns=3, width=4.2, height=3.0, fixed=True)
    for ax, panel in zip(axes, panels):
        for index, (label, (mean, low, high)) in enumerate(panel.series.items()):
            color = COLORS[index % len(COLORS)]
            ax.plot(x, [_num(v) for v in mean], marker="o", ms=3, color=color, label=label)
            low, high = [_num(v) for v in low], [_num(v) for v in high]
            if not all(math.isnan(v) for v in low + high):
                ax.fill_between(x, low, high, color=color, alpha=0.2, lw=0)
        ax.set_title(panel.title, fontsize="medium")
        ax.set_xlabel(xlabel, fontsize="small")
        ax.set_ylabel(panel.ylabel, fontsize="small")
        ax.ticklabel_format(axis="y", useOffset=False)
        ax.grid(alpha=0.3)
    if len(panels[0].series) > 1:
        fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncols=min(4, len(panels[0].series)),
                   fontsize="small", frameon=False)
    fig.suptitle(title)
    return writer.save(fig, name, caption, alt=title)


def heatmap_panels(writer: FigureWriter, name: str, title: str, x: list, y: list,
                   panels: dict[str, tuple[np.ndarray, str]], xlabel: str, ylabel: str, caption: str) -> Figure:
    """One heat map per key of `panels`: (matrix of shape len(y) x len(x), colour-bar label with unit)."""
    fig, axes = _grid(len(panels), columns=2, width=5.6, height=4.0, fixed=True)
    for ax, (panel_title, (matrix, bar_label)) in zip(axes, panels.items()):
        matrix = np.asarray(matrix, dtype=float)
        image = ax.imshow(matrix, origin="lower", aspect="auto", cmap="viridis")
        if matrix.size <= MAX_ANNOTATED_CELLS:
            for (row, column), value in np.ndenumerate(matrix):
                if np.isfinite(value):
                    ax.text(column, row, fmt(value), ha="center", va="center", fontsize="x-small", color="white",
                            path_effects=[patheffects.withStroke(linewidth=1.5, foreground="black")])
        ax.set_xticks(range(len(x)), [str(v) for v in x], rotation=45 if len(x) > 6 else 0)
        ax.set_yticks(range(len(y)), [str(v) for v in y])
        ax.set_title(panel_title, fontsize="medium")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        fig.colorbar(image, ax=ax, label=bar_label)
    fig.suptitle(title)
    return writer.save(fig, name, caption, alt=title)


def _whiskers(values: np.ndarray, intervals) -> np.ndarray | None:
    if not intervals or all(i is None or None in i for i in intervals):
        return None
    low = [v - _num(i[0]) if i is not None and i[0] is not None else 0.0 for v, i in zip(values, intervals)]
    high = [_num(i[1]) - v if i is not None and i[1] is not None else 0.0 for v, i in zip(values, intervals)]
    return np.nan_to_num(np.clip(np.array([low, high], dtype=float), 0, None))


def _num(value) -> float:
    return float("nan") if value is None else float(value)
