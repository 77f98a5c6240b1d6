"""Renders a report document as one self-contained HTML file that opens offline in any browser.

Figures are embedded as base64 `data:` URIs, the style sheet is inline, and there is no script, web font or link
outside the page (only `#section` anchors). A Content-Security-Policy forbids anything else, so even a mistake in
escaping could not make the page fetch or run something. Every piece of text goes through `html.escape`.
"""
from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from .content import Document, Figure, Note, Paragraph, Table

CONTENT_SECURITY_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222; max-width: 1180px;
       margin: 2em auto; padding: 0 1.5em; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em;
     margin-top: 2em; }
.subtitle { color: #555; margin-top: 0; } nav ul { columns: 2; padding-left: 1.2em; }
table { border-collapse: collapse; margin: 0.8em 0 1.2em; font-size: 0.9em; }
caption { text-align: left; font-weight: 600; padding: 0.3em 0; }
th, td { border: 1px solid #d5d5d5; padding: 0.25em 0.6em; vertical-align: top; }
th { background: #f3f3f3; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums;
     white-space: nowrap; }
tr.highlight td { background: #fff3c4; font-weight: 600; }
.table-note { font-size: 0.85em; color: #555; margin-top: -0.8em; }
figure { margin: 1em 0 1.6em; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #444; margin-top: 0.3em; }
.note { font-size: 0.88em; color: #555; border-left: 3px solid #ccc; padding-left: 0.8em; }
"""


def render(document: Document, report_dir: Path) -> str:
    """The page; figure files are read from `report_dir` and embedded."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(document.title)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{escape(document.title)}</h1>",
    ]
    if document.subtitle:
        parts.append(f'<p class="subtitle">{escape(document.subtitle)}</p>')
    parts.append("<nav><ul>")
    anchors = document.anchors()
    parts += [f'<li><a href="#{escape(a)}">{escape(s.title)}</a></li>' for s, a in zip(document.sections, anchors)]
    parts.append("</ul></nav>")
    for section, anchor in zip(document.sections, anchors):
        parts.append(f'<section id="{escape(anchor)}">')
        parts.append(f"<h2>{escape(section.title)}</h2>")
        parts += [_block(block, Path(report_dir)) for block in section.blocks]
        parts.append("</section>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _block(block, report_dir: Path) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{escape(block.text)}</p>"
    if isinstance(block, Note):
        return f'<p class="note">{escape(block.text)}</p>'
    if isinstance(block, Figure):
        return _figure(block, report_dir)
    if isinstance(block, Table):
        return _table(block)
    raise TypeError(f"cannot render {type(block).__name__} as HTML")


def _figure(figure: Figure, report_dir: Path) -> str:
    encoded = base64.b64encode((report_dir / figure.path).read_bytes()).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{encoded}" alt="{escape(figure.alt)}">'
        f"<figcaption>{escape(figure.caption)}</figcaption></figure>"
    )


def _table(table: Table) -> str:
    parts = ["<table>"]
    if table.caption:
        parts.append(f"<caption>{escape(table.caption)}</caption>")
    parts.append("<thead><tr>" + "".join(f"<th>{escape(c)}</th>" for c in table.columns) + "</tr></thead>")
    parts.append("<tbody>")
    for row, highlighted in zip(table.rows, table.highlighted):
        cells = "".join(
            f'<td class="num">{escape(cell)}</td>' if numeric else f"<td>{escape(cell)}</td>"
            for cell, numeric in zip(row, table.numeric)
        )
        parts.append(f'<tr class="highlight">{cells}</tr>' if highlighted else f"<tr>{cells}</tr>")
    parts.append("</tbody></table>")
    if any(table.highlighted) and table.highlight_note:
        parts.append(f'<p class="table-note">Highlighted rows: {escape(table.highlight_note)}</p>')
    return "\n".join(parts)
