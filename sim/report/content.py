"""The neutral document a report is made of, rendered by both `markdown.py` and `html.py` so the two never disagree.

A document is a title and sections; a section holds blocks in order: paragraphs, notes (caveats in small print),
tables whose cells are already formatted text, and figures (PNG files under `figures/`). Every number goes through
`fmt`, the one formatting rule of the reports, so a test can re-format a value from a data file and find it printed.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Union


@dataclass
class Paragraph:
    text: str


@dataclass
class Note:
    """A caveat or an explanation of how a number was made, shown in small print."""

    text: str


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    caption: str = ""
    highlighted: list[bool] = field(default_factory=list)  # per row: drawn in bold / with a background
    highlight_note: str = ""  # what a highlighted row means, printed under the table when one is
    numeric: list[bool] = field(default_factory=list)  # per column: right-aligned

    def __post_init__(self):
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"table {self.caption!r}: row {row} has {len(row)} cells, "
                                 f"expected {len(self.columns)}")
        if not self.highlighted:
            self.highlighted = [False] * len(self.rows)
        if not self.numeric:
            self.numeric = [False] + [True] * (len(self.columns) - 1)


@dataclass
class Figure:
    path: str  # relative to the report folder, e.g. "figures/funnel.png"
    caption: str
    alt: str


Block = Union[Paragraph, Note, Table, Figure]


@dataclass
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Document:
    title: str
    subtitle: str = ""
    sections: list[Section] = field(default_factory=list)

    def figures(self) -> list[Figure]:
        return [block for section in self.sections for block in section.blocks if isinstance(block, Figure)]

    def anchors(self) -> list[str]:
        """One link target per section, as GitHub derives it from a Markdown heading (lower case, punctuation
        dropped, spaces as hyphens, repeats numbered), so the contents links work in report.md and report.html."""
        seen: dict[str, int] = {}
        anchors = []
        for section in self.sections:
            slug = re.sub(r"[^\w\- ]", "", section.title.lower()).replace(" ", "-") or "section"
            anchors.append(f"{slug}-{seen[slug]}" if slug in seen else slug)
            seen[slug] = seen.get(slug, 0) + 1
        return anchors


MISSING = "n/a"


def fmt(value) -> str:
    """The one way a report prints a number: whole numbers in full with thousands separators, others to 4
    significant digits (magnitudes of 1,000 or more are rounded to a whole number); None and NaN print as n/a."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if not isinstance(value, float):
        try:
            value = float(value)
        except (TypeError, ValueError):
            return str(value)
    if math.isnan(value):
        return MISSING
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    magnitude = abs(value)
    if value.is_integer() and magnitude < 1e15:
        return f"{int(value):,}"
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 1e-3:
        return f"{value:.4g}"
    return f"{value:.3e}"


def fmt_interval(interval) -> str:
    """A 95% interval as `[low, high]`, or n/a when it is missing (one replication)."""
    if not interval or len(interval) != 2 or any(v is None for v in interval):
        return MISSING
    return f"[{fmt(interval[0])}, {fmt(interval[1])}]"


def fmt_value(value) -> str:
    """A scenario setting: numbers through `fmt`, a distribution as `lognormal(mean=2, sd=3)`, null as none."""
    if value is None:
        return "none"
    if isinstance(value, (int, float)):
        return fmt(value)
    if isinstance(value, dict) and "dist" in value:
        params = ", ".join(f"{k}={fmt_value(v)}" for k, v in value.items() if k != "dist")
        return f"{value['dist']}({params})"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {fmt_value(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt_value(v) for v in value)
    return str(value)
