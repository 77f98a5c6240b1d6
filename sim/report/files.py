"""The data files a report is built from, and the only way a report writes to disk.

A report never runs anything: it reads the files a `run`, `compare` or `sweep` left in its folder (their shapes are
in docs/outputs.md) and writes `report.md`, `report.html` and `figures/` beside them. Readers are tolerant of what
they do not need (extra keys, a missing optional file): a report of an older or partial folder says what is missing
rather than failing. Every file is written under a temporary name and renamed, so a folder never holds half a report.
"""
from __future__ import annotations

import csv
import json
import math
import os
import re
import tempfile
from pathlib import Path

import yaml

from sim.commands.common import UsageError


_UMASK = os.umask(0)
os.umask(_UMASK)  # read once: a report's files get the usual permissions, not mkstemp's private 0600


class ReportError(UsageError):
    """A folder that holds no data to report on, or a data file that cannot be read (one line, exit status 2)."""


def write_atomically(path: Path, data: str | bytes) -> Path:
    """Writes `data` to a temporary file beside `path`, then renames it over `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_json(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"{path}: cannot read as JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path}: expected a JSON object at the top level, got {type(data).__name__}")
    return data


def read_csv(path: Path, text_columns=()) -> list[dict]:
    """Rows as dicts in column order; cells that look like numbers become floats (ints where whole), empty cells
    None, except in `text_columns`, kept as written (e.g. swept values, labels that must match the grid)."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            return [{key: value if key in text_columns else _cell(value) for key, value in row.items()
                     if key is not None} for row in csv.DictReader(handle)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ReportError(f"{path}: cannot read as CSV ({exc})") from None


def read_csv_header(path: Path) -> list[str]:
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            return next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ReportError(f"{path}: cannot read as CSV ({exc})") from None


def _cell(text):
    if text is None or text == "":
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    if math.isfinite(number) and number.is_integer() and re.fullmatch(r"[+-]?\d+", text.strip()):
        return int(number)
    return number


def read_yaml(path: Path) -> tuple[dict, dict[str, str]]:
    """The mapping in a YAML file and the comments written beside its keys (key path -> comment)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = yaml.safe_load(text) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ReportError(f"{path}: cannot read as YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path}: expected a mapping at the top level")
    return data, yaml_key_comments(text)


_KEY_LINE = re.compile(r"^(?P<indent>\s*)(?:-\s+)?(?P<key>[A-Za-z0-9_.\-\"']+)\s*:(?P<rest>.*)$")


def yaml_key_comments(text: str) -> dict[str, str]:
    """Best-effort map from dotted key path to its comment: `key: value  # comment`, or comment lines just above it.

    Scenario files carry the sources of their figures as comments; the report shows them beside the values.
    """
    comments: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    pending: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            pending.append(stripped.lstrip("#").strip())
            continue
        if not stripped:
            pending = []
            continue
        match = _KEY_LINE.match(line)
        if not match:
            pending = []
            continue
        indent = len(match["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        key = match["key"].strip("\"'")
        stack.append((indent, key))
        path = ".".join(k for _, k in stack)
        trailing = _trailing_comment(match["rest"])
        found = [c for c in pending + ([trailing] if trailing else []) if c]
        if found:
            comments[path] = " ".join(found)
        pending = []
    return comments


def _trailing_comment(rest: str) -> str:
    # A '#' starts a comment only outside quotes and after whitespace (YAML rule), e.g. not in "a#b".
    quote = None
    for index, char in enumerate(rest):
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#" and (index == 0 or rest[index - 1].isspace()):
            return rest[index + 1:].strip()
    return ""


def summary(entry) -> dict:
    """A metric's summary over replications as {"mean", "sd", "ci95", "values"}; a bare number (one replication,
    or an older file) becomes a summary without spread or interval."""
    if isinstance(entry, dict):
        interval = entry.get("ci95")
        if not (isinstance(interval, (list, tuple)) and len(interval) == 2):
            low, high = entry.get("ci95_low", entry.get("low")), entry.get("ci95_high", entry.get("high"))
            interval = [low, high] if low is not None and high is not None else None
        return {"mean": entry.get("mean"), "sd": entry.get("sd"), "ci95": interval, "values": entry.get("values") or []}
    if isinstance(entry, (int, float)) or entry is None:
        return {"mean": entry, "sd": None, "ci95": None, "values": [] if entry is None else [entry]}
    raise ReportError(f"a metric summary must be a number or an object with a mean, got {entry!r}")
