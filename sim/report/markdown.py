"""Renders a report document as Markdown, with figures linked as `figures/<name>.png` beside `report.md`.

Text from a scenario (names, descriptions, comments) may hold anything, so `<`, `>` and `&` become entities (a
Markdown viewer would otherwise render them as HTML) and the characters Markdown gives a meaning are escaped.
"""
from __future__ import annotations

import html
import re

from .content import Document, Figure, Note, Paragraph, Table

_MARKUP = re.compile(r"[\\`*|~]|^#|\[(?=[^\]]*\]\s*[(\[:])|\](?=\s*[(\[:])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def escape(text: str) -> str:
    """Text shown as itself: HTML-significant characters as entities, Markdown markup backslash-escaped
    (underscores inside words, as in `premium_business`, and brackets that cannot form a link, as in an interval
    `[1, 2]`, are left alone: they mean nothing to Markdown and stay readable in the raw file)."""
    text = html.escape(str(text), quote=False)
    return _MARKUP.sub(lambda m: "\\" + m.group(0), text).replace("\n", " ")


def render(document: Document) -> str:
    lines = [f"# {escape(document.title)}", ""]
    if document.subtitle:
        lines += [escape(document.subtitle), ""]
    lines += ["Contents:", ""]
    lines += [f"- [{escape(s.title)}](#{anchor})" for s, anchor in zip(document.sections, document.anchors())]
    lines.append("")
    for section in document.sections:
        lines += [f"## {escape(section.title)}", ""]
        for block in section.blocks:
            lines += _block(block) + [""]
    return "\n".join(lines).rstrip() + "\n"


def _block(block) -> list[str]:
    if isinstance(block, Paragraph):
        return [escape(block.text)]
    if isinstance(block, Note):
        return [f"> *{escape(block.text)}*"]
    if isinstance(block, Figure):
        return [f"![{escape(block.alt)}]({block.path})", "", f"*{escape(block.caption)}*"]
    if isinstance(block, Table):
        return _table(block)
    raise TypeError(f"cannot render {type(block).__name__} as Markdown")


def _table(table: Table) -> list[str]:
    lines = [f"**{escape(table.caption)}**", ""] if table.caption else []
    lines.append("| " + " | ".join(escape(c) for c in table.columns) + " |")
    lines.append("|" + "|".join("---:" if numeric else "---" for numeric in table.numeric) + "|")
    for row, highlighted in zip(table.rows, table.highlighted):
        cells = [escape(cell) for cell in row]
        if highlighted:
            cells = [f"**{cell}**" if cell else cell for cell in cells]
        lines.append("| " + " | ".join(cells) + " |")
    if any(table.highlighted) and table.highlight_note:
        lines += ["", f"*Rows in bold: {escape(table.highlight_note)}*"]
    return lines
