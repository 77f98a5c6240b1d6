"""`run_sim.py run` as a user runs it (sim/commands/run.py): in a subprocess for the main paths, in process (faster)
for the many ways an option can be wrong."""
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
TINY = {"name": "tiny", "seed": 5, "horizon_days": 60, "population": {"senders": 100, "recipients": 1000}}


def run_sim(*args, cwd=None):
    return subprocess.run([sys.executable, str(ROOT / "run_sim.py"), *map(str, args)], capture_output=True,
                          text=True, cwd=cwd or ROOT, timeout=300)


@pytest.fixture
def tiny_file(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY))
    return path


def assert_one_line_error(returncode, stderr):
    assert returncode == 2, stderr
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert stderr.startswith("error: ")


def test_run_writes_its_files_and_refuses_to_overwrite_them(tiny_file, tmp_path):
    out = tmp_path / "results"
    proc = run_sim("run", tiny_file, "-r", "3", "-j", "2", "--out", out, "--seed", "11", "--no-report")
    assert proc.returncode == 0, proc.stderr
    for name in ("scenario.yaml", "metrics.json", "timeseries.csv", "distributions.json"):
        assert (out / name).is_file(), name
    metrics = json.loads((out / "metrics.json").read_text())
    assert (metrics["kind"], metrics["seed"], metrics["replications"]) == ("run", 11, 3)
    assert len(metrics["metrics"]["response_rate"]["values"]) == 3
    assert "response_rate" in proc.stdout and "95% interval" in proc.stdout
    assert "Traceback" not in proc.stderr

    before = (out / "metrics.json").read_bytes()
    again = run_sim("run", tiny_file, "-r", "2", "--out", out, "--no-report")
    assert_one_line_error(again.returncode, again.stderr)
    assert "--force" in again.stderr
    assert (out / "metrics.json").read_bytes() == before

    forced = run_sim("run", tiny_file, "-r", "2", "--out", out, "--force", "--no-report", "-q")
    assert forced.returncode == 0, forced.stderr
    assert json.loads((out / "metrics.json").read_text())["replications"] == 2
    assert forced.stdout == "" and forced.stderr == ""


def test_bad_set_is_one_line_exit_2_and_no_output_folder(tiny_file, tmp_path):
    proc = run_sim("run", tiny_file, "--set", "population.senders=-5", "--out", tmp_path / "never")
    assert_one_line_error(proc.returncode, proc.stderr)
    assert "population.senders" in proc.stderr
    assert not (tmp_path / "never").exists()


@pytest.mark.parametrize("bad", [
    ["--set", "population.sendrs=5"],
    ["--replications", "0"],
    ["--jobs", "0"],
    ["--scheduler", "tcp://127.0.0.1:8786"],
    ["--until-ci", "0"],
    ["--until-ci", "0.5", "--until-metric", "no_such_metric", "-j", "1", "-q"],
])
def test_bad_options_are_one_line_exit_2_and_no_output_folder(tiny_file, tmp_path, capsys, bad):
    out = tmp_path / "never"
    status = main(["run", str(tiny_file), "--out", str(out), "--no-report", *bad])
    assert_one_line_error(status, capsys.readouterr().err)
    assert not out.exists()


def test_missing_scenario_file(tmp_path, capsys):
    status = main(["run", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "never")])
    assert_one_line_error(status, capsys.readouterr().err)
    assert not (tmp_path / "never").exists()


def test_default_output_folder_is_reports_scenario_name_and_the_report_is_built(tiny_file, tmp_path, monkeypatch,
                                                                                 capsys):
    import sim.report

    built = []
    monkeypatch.setattr(sim.report, "build_report", lambda folder: built.append(Path(folder)) or [])
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(tiny_file), "-q"]) == 0
    assert (tmp_path / "reports" / "tiny" / "metrics.json").is_file()
    assert built == [Path("reports") / "tiny"]


def test_until_ci_reports_how_it_stopped(tiny_file, tmp_path, capsys):
    out = tmp_path / "ci"
    args = ["run", str(tiny_file), "--until-ci", "1e-9", "--max-replications", "4", "-j", "1", "--out", str(out),
            "--no-report"]
    assert main(args) == 0
    assert "NOT reached" in capsys.readouterr().out
    stopping = json.loads((out / "metrics.json").read_text())["until_ci"]
    assert stopping["reached"] is False and stopping["max_replications"] == 4


def test_ctrl_c_stops_the_workers_and_keeps_what_finished(tiny_file, tmp_path):
    out = tmp_path / "stopped"
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run_sim.py"), "run", str(tiny_file), "-r", "500", "-j", "2", "--out", str(out),
         "--no-report"], stderr=subprocess.PIPE, text=True, cwd=ROOT, start_new_session=True,
    )
    try:
        assert "1/500 runs" in proc.stderr.readline()  # the first replication has finished
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C does: the whole process group
        rest = proc.stderr.read()
        assert proc.wait(timeout=60) == 130
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert "Traceback" not in rest and "interrupted" in rest
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["interrupted"] is True and 1 <= metrics["replications"] < 500
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary file left
    if shutil.which("pgrep"):
        assert subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True).stdout == b""  # no worker left
