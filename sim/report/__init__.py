"""Reports for product decisions: `report.md` with PNG figures beside it, and `report.html`, one self-contained file.

A report is built only from the data files a `run`, `compare` or `sweep` left in its folder (docs/outputs.md), so it
can be rebuilt at any time without running anything: `build_report(folder)`. The kind of folder is told by its data
files. The content is assembled once as a neutral document (`content.py`) and rendered twice, as Markdown and as
HTML, so the two never disagree.
"""
from __future__ import annotations

from pathlib import Path

from . import html, markdown
from .content import Document
from .figures import FigureWriter
from .files import ReportError, write_atomically

__all__ = ["build_report", "report_kind", "ReportError"]

KIND_FILES = {
    "compare": ("comparison.json",),
    "sweep": ("sweep.json", "sweep_summary.csv", "sweep.csv"),
    "run": ("metrics.json",),
}
"""Data files that mark each kind of folder, looked for in this order (a compare or sweep folder may also hold the
files of its runs)."""


def report_kind(folder: Path) -> str:
    """'run', 'compare' or 'sweep', from the data files in `folder`; ReportError if it holds none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReportError(f"{folder}: no such folder")
    for kind, names in KIND_FILES.items():
        if any((folder / name).is_file() for name in names):
            return kind
    expected = ", ".join(name for names in KIND_FILES.values() for name in names)
    raise ReportError(f"{folder}: no data files to report on (expected one of {expected})")


def build_report(out_dir) -> list[Path]:
    """Writes report.md, report.html and figures/ in `out_dir` from its data files; returns the paths written."""
    folder = Path(out_dir)
    kind = report_kind(folder)
    figures = FigureWriter(folder)
    try:
        document = _document(kind, folder, figures)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        # A data file of the right name but the wrong shape: one line, not a traceback (docs/outputs.md has the shapes)
        raise ReportError(f"{folder}: a data file does not have the documented shape "
                          f"({type(exc).__name__}: {exc})") from exc
    written = list(figures.written)
    written.append(write_atomically(folder / "report.md", markdown.render(document)))
    written.append(write_atomically(folder / "report.html", html.render(document, folder)))
    _remove_stale_figures(folder, figures.written)
    return written


def _document(kind: str, folder: Path, figures: FigureWriter) -> Document:
    if kind == "run":
        from .run_sections import read_run, run_document

        return run_document(read_run(folder), figures)
    if kind == "compare":
        from .compare_sections import compare_document, read_compare

        return compare_document(read_compare(folder), figures)
    from .sweep_sections import read_sweep, sweep_document

    return sweep_document(read_sweep(folder), figures)


def _remove_stale_figures(folder: Path, kept: list[Path]) -> None:
    # figures/ belongs to the report: a figure an earlier build drew and this one did not would mislead.
    keep = {path.resolve() for path in kept}
    for path in (folder / "figures").glob("*.png"):
        if path.resolve() not in keep:
            path.unlink(missing_ok=True)
