"""Progress output: a bar on a terminal, plain lines in a log, nothing when quiet (sim/experiments/progress.py)."""
import io

import pytest

from sim.experiments.progress import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_plain_lines_when_not_a_terminal_throttled_but_always_the_last():
    stream = io.StringIO()
    progress = Progress("run x", stream=stream, line_interval=3600)
    for done in range(1, 6):
        progress(done, 5)
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("run x: 1/5 runs, ") and "left" not in lines[0]  # no pace known yet
    assert lines[-1].startswith("run x: 5/5 runs, ") and "left" not in lines[-1]
    assert len(lines) == 2


def test_time_left_is_at_the_pace_since_the_first_run_not_counting_the_start_up(monkeypatch):
    import sim.experiments.progress as progress_module

    clock = [1000.0]
    monkeypatch.setattr(progress_module.time, "monotonic", lambda: clock[0])
    stream = io.StringIO()
    progress = Progress("run x", stream=stream, line_interval=0)
    clock[0] += 60  # start-up: the engine compiles, the first run finishes a minute in
    progress(1, 10)
    for done in (2, 3):
        clock[0] += 2  # then a run every 2 s
        progress(done, 10)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "run x: 1/10 runs, 1m00s elapsed"
    assert lines[1] == "run x: 2/10 runs, 1m02s elapsed, about 16s left"
    assert lines[2] == "run x: 3/10 runs, 1m04s elapsed, about 14s left"


def test_a_bar_on_a_terminal_follows_a_growing_total():
    stream = Terminal()
    with Progress("run x", stream=stream) as progress:
        assert progress.mode == "bar"
        progress(1, 4)
        progress(4, 4)
        progress(6, 8)  # --until-ci added replications
        assert (progress._bar.n, progress._bar.total) == (6, 8)
    assert "6/8" in stream.getvalue()


def test_quiet_writes_nothing():
    stream = Terminal()
    progress = Progress.for_command("run x", quiet=True)
    progress.stream = stream
    progress(1, 2)
    progress.close()
    assert stream.getvalue() == ""


def test_bad_mode_is_refused():
    with pytest.raises(ValueError, match="progress mode"):
        Progress(mode="loud")
