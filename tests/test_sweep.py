"""Parameter sweeps: the grid, rows streamed to sweep.csv, summaries, and resuming (sim/experiments/sweep.py)."""
import csv
import json

import pytest
import yaml

from sim.cli import main
from sim.experiments.api import sweep
from sim.experiments.replicate import Interrupted
from sim.experiments.sweep import SweepConflict, grid_points, parse_grid_option

TINY = {"name": "tiny", "seed": 5, "horizon_days": 60, "population": {"senders": 100, "recipients": 1000}}
GRID = {"plans.premium_business.credits_per_month": ["10", "20"], "refund.policy": ["on_response", "none"]}


@pytest.fixture
def tiny_file(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY))
    return path


def read_rows(folder, name="sweep.csv"):
    with open(folder / name, newline="") as fh:
        return list(csv.DictReader(fh))


def pairs(rows):
    return sorted((int(r["point_id"]), int(r["replication"])) for r in rows)


def test_grid_is_the_cartesian_product_first_key_slowest():
    points = grid_points({"a.b": ["1", "2", "3"], "c": [True, None]})
    assert len(points) == 6
    assert [p.labels for p in points[:3]] == [{"a.b": "1", "c": "true"}, {"a.b": "1", "c": "null"},
                                              {"a.b": "2", "c": "true"}]
    assert points[1].overrides == ("a.b=1", "c=null")
    assert [p.point_id for p in points] == list(range(6))


def test_grid_option_syntax():
    assert parse_grid_option("plans.x.credits_per_month=10, 15,20") == ("plans.x.credits_per_month", ["10", "15", "20"])
    for bad in ("plans.x.credits_per_month", "=1,2", "k=", "k=1,,2", "k=1,1"):
        with pytest.raises(ValueError, match="--grid"):
            parse_grid_option(bad)


def test_rows_stream_to_disk_as_each_run_finishes(tiny_file, tmp_path):
    out = tmp_path / "sweep"
    seen = []

    def check_file(done, total):
        seen.append((done, total, len(read_rows(out))))

    result = sweep(tiny_file, GRID, replications=2, out=out, jobs=1, progress=check_file)
    assert seen == [(k, 8, k) for k in range(1, 9)]  # the k-th row was on disk when the k-th run was reported
    assert pairs(read_rows(out)) == [(p, r) for p in range(4) for r in range(2)]
    assert result.ran == 8
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["status"] == "complete" and manifest["grid"] == GRID
    point = manifest["points"][3]
    assert point["settings"] == {"plans.premium_business.credits_per_month": "20", "refund.policy": "none"}
    assert point["replications_done"] == 2 and point["metrics"]["response_rate"]["ci95"] is not None
    summary = read_rows(out, "sweep_summary.csv")
    assert {r["point_id"] for r in summary} == {"0", "1", "2", "3"}
    assert {"metric", "mean", "ci95_low", "ci95_high", "n"} <= set(summary[0])


def test_an_interrupted_sweep_resumes_where_it_stopped(tiny_file, tmp_path):
    def interrupt_after(k):
        def progress(done, total):
            if done == k:
                raise KeyboardInterrupt
        return progress

    out = tmp_path / "resumed"
    with pytest.raises(Interrupted):
        sweep(tiny_file, GRID, replications=2, out=out, jobs=1, progress=interrupt_after(3))
    assert len(read_rows(out)) == 3
    assert json.loads((out / "sweep.json").read_text())["status"] == "interrupted"

    calls = []
    result = sweep(tiny_file, GRID, replications=2, out=out, jobs=2, progress=lambda d, t: calls.append(d))
    assert result.ran == 5 and calls == [4, 5, 6, 7, 8]  # only the 5 missing pairs ran
    rows = read_rows(out)
    assert pairs(rows) == [(p, r) for p in range(4) for r in range(2)]  # complete, nothing twice

    straight = tmp_path / "straight"
    sweep(tiny_file, GRID, replications=2, out=straight, jobs=1)
    key = lambda r: (int(r["point_id"]), int(r["replication"]))  # noqa: E731
    assert sorted(rows, key=key) == sorted(read_rows(straight), key=key)  # same numbers as an uninterrupted sweep


def test_more_replications_later_runs_only_the_new_ones(tiny_file, tmp_path):
    out = tmp_path / "grow"
    sweep(tiny_file, {"refund.policy": ["none"]}, replications=1, out=out, jobs=1)
    assert sweep(tiny_file, {"refund.policy": ["none"]}, replications=3, out=out, jobs=1).ran == 2


def test_a_half_written_last_line_is_dropped_and_rerun(tiny_file, tmp_path):
    out = tmp_path / "cut"
    sweep(tiny_file, {"refund.policy": ["none"]}, replications=2, out=out, jobs=1)
    text = (out / "sweep.csv").read_text()
    (out / "sweep.csv").write_text(text[:-10])  # a crash in the middle of the last row
    assert sweep(tiny_file, {"refund.policy": ["none"]}, replications=2, out=out, jobs=1).ran == 1
    assert pairs(read_rows(out)) == [(0, 0), (0, 1)]


def test_a_different_sweep_in_the_folder_is_refused_unless_forced(tiny_file, tmp_path):
    out = tmp_path / "s"
    sweep(tiny_file, {"refund.policy": ["none"]}, replications=1, out=out, jobs=1)
    with pytest.raises(SweepConflict, match="different sweep"):
        sweep(tiny_file, {"refund.policy": ["on_response"]}, replications=1, out=out, jobs=1)
    with pytest.raises(SweepConflict):
        sweep(tiny_file, {"refund.policy": ["none"]}, replications=1, out=out, seed=6, jobs=1)
    result = sweep(tiny_file, {"refund.policy": ["on_response"]}, replications=1, out=out, jobs=1, force=True)
    assert result.ran == 1 and read_rows(out)[0]["refund.policy"] == "on_response"


def test_grid_from_the_scenario_file_and_the_command_line(tmp_path, capsys):
    path = tmp_path / "with_sweep.yaml"
    path.write_text(yaml.safe_dump({**TINY, "sweep": {"plans.premium_business.credits_per_month": [10, 20]}}))
    out = tmp_path / "cli"
    argv = ["sweep", str(path), "--grid", "refund.policy=on_response,none", "-r", "1", "-j", "1", "--out", str(out),
            "--no-report", "-q"]
    assert main(argv) == 0
    rows = read_rows(out)
    assert list(rows[0])[:4] == ["point_id", "plans.premium_business.credits_per_month", "refund.policy", "replication"]
    assert sorted((r["plans.premium_business.credits_per_month"], r["refund.policy"]) for r in rows) == [
        ("10", "none"), ("10", "on_response"), ("20", "none"), ("20", "on_response")]
    assert main(argv[:1] + [str(path), "--grid", "refund.policy", "--out", str(tmp_path / "bad")]) == 2
    assert main(argv[:1] + [str(path), "--grid", "refund.policy=sometimes", "--out", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "refund.policy" in err[1]
    assert not (tmp_path / "bad").exists()


def test_a_bad_grid_value_is_blamed_on_the_grid_not_on_set(tiny_file, tmp_path, capsys):
    argv = ["sweep", str(tiny_file), "--grid", "plans.premium_busines.credits_per_month=1,2", "--set", "seed=3",
            "--out", str(tmp_path / "bad"), "-q"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: sweep grid: plans.premium_busines: at sweep point plans.premium_busines.credits_per_month=1: "
                   "no member can ever be on this plan: it is not in plan_mix and subscriber dynamics are off "
                   "(did you mean 'premium_business'?)"]
    assert not (tmp_path / "bad").exists()
