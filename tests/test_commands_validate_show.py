"""`run_sim.py validate` and `run_sim.py show`, run as a user would: exit codes, messages, no traceback."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml

from sim.scenario import load_scenario, load_sweep_grid

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "scenarios"


def run_sim(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, str(ROOT / "run_sim.py"), *args], cwd=cwd, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert "Traceback" not in result.stderr
    return result


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def test_validate_reports_ok_files_and_every_problem_of_bad_ones(tmp_path):
    good = write(tmp_path, "good.yaml", "horizon_days: 100\n")
    bad = write(tmp_path, "bad.yaml", """\
        horizon_days: 100
        warmup_days: 100
        plans:
          premium_business:
            credits_per_month: -3
    """)
    result = run_sim("validate", str(good), str(bad), str(tmp_path / "missing.yaml"))
    assert result.returncode == 2
    assert result.stdout == f"ok: {good}\n"
    assert result.stderr.splitlines() == [
        f"error: {bad}:2:1: warmup_days: must be shorter than horizon_days (100), got 100",
        f"error: {bad}:5:5: plans.premium_business.credits_per_month: must be an integer >= 0, got -3",
        f"error: {tmp_path / 'missing.yaml'}: file does not exist",
    ]


def test_validate_passes_the_whole_library_and_checks_overrides():
    files = sorted(str(p.relative_to(ROOT)) for p in LIBRARY.glob("*.yaml"))
    result = run_sim("validate", *files)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [f"ok: {f}" for f in files]
    result = run_sim("validate", files[0], "--set", "horizon_days=-1", "--set", "inbx.capacity=3")
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["error: --set: horizon_days: must be a number > 0, got -1",
                                          "error: --set: inbx: unknown key (did you mean 'inbox'?)"]


def test_show_prints_a_resolved_scenario_that_loads_back_to_the_same(tmp_path):
    write(tmp_path, "base.yaml", "horizon_days: 200\nplans:\n  premium_business: {credits_per_month: 15}\n")
    child = write(tmp_path, "child.yaml", """\
        extends: base.yaml
        inbox: {capacity: 30}
        sweep: {inbox.when_full: [bounce, evict_oldest]}
    """)
    result = run_sim("show", str(child), "--set", "plans.premium_business.credits_per_month=20")
    assert (result.returncode, result.stderr) == (0, "")
    shown = yaml.safe_load(result.stdout)
    assert "extends" not in shown
    assert shown["horizon_days"] == 200 and shown["inbox"]["capacity"] == 30
    assert shown["plans"]["premium_business"]["credits_per_month"] == 20
    assert shown["recipients"]["response_delay_days"]["dist"] == "lognormal"  # defaults are filled in
    again = write(tmp_path, "again.yaml", result.stdout)
    expected = load_scenario(child, ["plans.premium_business.credits_per_month=20"])
    assert load_scenario(again) == expected
    assert load_sweep_grid(again) == {"inbox.when_full": ["bounce", "evict_oldest"]}


def test_show_round_trips_every_library_scenario(tmp_path):
    from sim.commands.show import resolved_yaml

    for path in sorted(LIBRARY.glob("*.yaml")):
        copy = write(tmp_path, path.name, resolved_yaml(path))
        assert load_scenario(copy) == load_scenario(path), path.name


def test_show_of_a_bad_scenario_prints_nothing_and_exits_2(tmp_path):
    bad = write(tmp_path, "bad.yaml", "name: !!python/object/apply:os.system ['true']\n")
    result = run_sim("show", str(bad))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"error: {bad}:1:7: name: the tag !!python/object/apply:os.system is not allowed")
