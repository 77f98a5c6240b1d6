"""Where the compiled code is cached on disk, keyed by the source of this whole package.

numba caches each compiled function next to its source and checks only that function's own file: a function that
inlines another module's function, or reads its constants (layout.py), would be loaded stale after that module
changed (an upgrade, or an edit), and could read the wrong columns. So the cache lives in a folder named by a hash
of every module of this package and of the numba and numpy versions: any change compiles afresh (about 40 s), and
an unchanged package loads in under a second. The folder is `__pycache__/numba-<hash>` here if writable, else under
NUMBA_CACHE_DIR or the user's cache folder. Importing this module points numba's cache there; every module with
compiled functions imports it first.
"""
from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path

import numba
import numpy
from numba.core import config

HERE = Path(__file__).resolve().parent


def source_digest() -> str:
    h = hashlib.sha256(f"{numba.__version__} {numpy.__version__} {sys.version}".encode())
    for path in sorted(HERE.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def cache_folder() -> Path:
    name = f"numba-{source_digest()}"
    user = os.environ.get("NUMBA_CACHE_DIR")
    candidates = [Path(user) / "inmail-sim" / name] if user else []
    candidates += [HERE / "__pycache__" / name, Path.home() / ".cache" / "inmail-sim" / name,
                   Path(tempfile.gettempdir()) / "inmail-sim" / name]
    for folder in candidates:
        if _writable(folder):
            _prune(folder)
            return folder
    return candidates[-1]


def _prune(folder: Path) -> None:
    """Removes the caches of other versions of the package not used for a day (a run in progress keeps its own)."""
    import shutil
    import time

    for old in folder.parent.glob("numba-*"):
        try:
            if old != folder and time.time() - old.stat().st_mtime > 86400:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass


FOLDER = cache_folder()
config.CACHE_DIR = str(FOLDER)
