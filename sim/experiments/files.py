"""Result files written so that a folder never holds a half-written one, and a results folder is never clobbered.

Each file is written under a temporary name in the same folder and renamed over its final name (`os.replace` is
atomic on one file system), so an interruption leaves either the old file or the new one. JSON is strict: NaN and
infinities (an undefined metric such as the cost per response with no response) become null.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from pathlib import Path

RESULT_FILES = ("metrics.json", "comparison.json", "sweep.json", "sweep.csv")
"""Files whose presence marks a folder as holding results of an earlier run."""


def atomic_write_text(path, text: str) -> None:
    """Writes `text` to `path` through a temporary file in the same folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes private files; results are ordinary ones
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it; done once, at import
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def json_safe(value):
    """The same data with every non-finite float replaced by None and tuples/numpy scalars made plain."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(path, data) -> None:
    atomic_write_text(path, json.dumps(json_safe(data), indent=1, allow_nan=False) + "\n")


def write_csv(path, columns: list[str], rows) -> None:
    """Writes dict rows (missing keys and undefined numbers empty) through a temporary file."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(csv_row(row))
    atomic_write_text(path, buf.getvalue())


def csv_row(row: dict) -> dict:
    """A row with undefined numbers (None, NaN) as empty cells, which pandas reads back as NaN."""
    return {k: ("" if v is None or (isinstance(v, float) and not math.isfinite(v)) else v) for k, v in row.items()}


class ResultsExist(Exception):
    """The output folder already holds results that this command would replace: refused unless forced."""


def refuse_existing(folder, force: bool) -> None:
    """Raises ResultsExist if `folder` holds results and `force` is not set."""
    if not force and holds_results(folder):
        raise ResultsExist(f"{folder} already holds results; use --force to overwrite them, or another --out")


def holds_results(folder) -> bool:
    """Whether `folder` already holds the results of a run, comparison or sweep."""
    folder = Path(folder)
    return folder.is_dir() and any((folder / name).exists() for name in RESULT_FILES)
