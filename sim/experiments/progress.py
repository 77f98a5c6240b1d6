"""How far a long run has got: a progress bar on a terminal, a plain line now and then in a log, nothing if quiet.

A progress reporter is simply a callable `progress(done, total)` called after every finished replication (the total
can grow, as with `--until-ci`); anything with that signature works, including a notebook user's own function.
"""
from __future__ import annotations

import sys
import time


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class Progress:
    """Shows `done/total` runs with elapsed and remaining time on `stream` (standard error by default).

    `mode` is "bar" (tqdm, the default on a terminal), "lines" (the default otherwise: at most one line every
    `line_interval` seconds, and one at the end) or "quiet".
    """

    def __init__(self, label: str = "runs", mode: str | None = None, stream=None, line_interval: float = 5.0):
        stream = stream if stream is not None else sys.stderr
        if mode is None:
            mode = "bar" if getattr(stream, "isatty", lambda: False)() else "lines"
        if mode not in ("bar", "lines", "quiet"):
            raise ValueError(f"progress mode must be bar, lines or quiet, got {mode!r}")
        if line_interval < 0:
            raise ValueError(f"line_interval must be >= 0, got {line_interval}")
        self.label, self.mode, self.stream, self.line_interval = label, mode, stream, line_interval
        self._start = time.monotonic()
        self._last_line = -float("inf")
        self._first: tuple[float, int] | None = None  # (when, done) at the first finished run
        self._bar = None

    @classmethod
    def for_command(cls, label: str, quiet: bool) -> "Progress":
        return cls(label, mode="quiet" if quiet else None)

    def __call__(self, done: int, total: int) -> None:
        if self.mode == "bar":
            self._show_bar(done, total)
        elif self.mode == "lines":
            now = time.monotonic()
            if self._first is None and done > 0:
                self._first = (now, done)
            if done >= total or now - self._last_line >= self.line_interval:
                self._last_line = now
                print(self._line(done, total, now), file=self.stream, flush=True)

    def _show_bar(self, done, total):
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=self.label, unit="run", file=self.stream, dynamic_ncols=True)
        if self._bar.total != total:
            self._bar.total = total
        self._bar.update(done - self._bar.n)

    def _line(self, done: int, total: int, now: float) -> str:
        text = f"{self.label}: {done}/{total} runs, {_duration(now - self._start)} elapsed"
        # The time left is estimated at the pace since the first run finished: the first run also carries the
        # start-up (worker processes, loading or compiling the engine: seconds, or a minute on a first run).
        if self._first is not None and self._first[1] < done < total:
            since, first_done = self._first
            text += f", about {_duration((now - since) / (done - first_done) * (total - done))} left"
        return text

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
