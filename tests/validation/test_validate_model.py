"""`run_sim.py validate-model`: writes validation.md, exit 0 when every verdict passes, 1 when one fails, 2 on bad
options. The suite itself is replaced by tiny cases here (the real one runs in test_cases.py)."""
import dataclasses

import pytest

import sim.validation.cases as cases_module
from sim.cli import build_parser, main
from sim.validation import statistics as stat
from sim.validation.credit_cases import zero_demand_case
from sim.validation.credit_chain import CreditRules


def _schedule_case():
    return zero_demand_case(CreditRules(5, 8, None))


def _use(monkeypatch, *cases):
    monkeypatch.setattr(cases_module, "all_cases", lambda: list(cases))


def test_the_command_is_registered():
    args = build_parser().parse_args(["validate-model", "--fast", "--quiet"])
    assert args.fast and args.quiet and args.out.name == "docs"


def test_passing_suite_writes_the_report_and_exits_0(monkeypatch, tmp_path, capsys):
    _use(monkeypatch, _schedule_case())
    assert main(["validate-model", "--out", str(tmp_path / "v"), "--jobs", "1"]) == 0
    text = (tmp_path / "v" / "validation.md").read_text()
    assert "pass (exact)" in text and "Credit schedule without demand" in text
    out, err = capsys.readouterr()
    assert "1 of 1 checks within 4 standard errors" in out and "credit_schedule" in err
    assert not list((tmp_path / "v").glob(".*tmp"))  # written through a temporary file, nothing left behind


def test_a_failing_verdict_exits_1_and_still_reports(monkeypatch, tmp_path, capsys):
    case = _schedule_case()
    wrong = dataclasses.replace(case.measures[0], theory=1.0)
    _use(monkeypatch, dataclasses.replace(case, measures=(wrong,)))
    assert main(["validate-model", "--out", str(tmp_path), "--quiet", "--jobs", "1"]) == 1
    assert "FAIL" in (tmp_path / "validation.md").read_text()
    assert "FAILED: Credit schedule" in capsys.readouterr().err


def test_a_case_outside_its_theory_exits_1_with_one_line(monkeypatch, tmp_path, capsys):
    case = _schedule_case()
    broken = dataclasses.replace(
        case.measures[0], statistic=stat.requiring_zero(("credits_granted",), case.measures[0].statistic))
    _use(monkeypatch, dataclasses.replace(case, measures=(broken,)))
    assert main(["validate-model", "--out", str(tmp_path), "--quiet", "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert "validation case broken" in err and "credits_granted=" in err and "Traceback" not in err
    assert not (tmp_path / "validation.md").exists()


@pytest.mark.parametrize("argv, message", [
    (["--jobs", "0"], "--jobs must be >= 1"),
    (["--out", "FILE"], "cannot create the folder"),
])
def test_bad_options_exit_2(monkeypatch, tmp_path, capsys, argv, message):
    _use(monkeypatch, _schedule_case())
    (tmp_path / "FILE").write_text("not a folder")
    argv = [str(tmp_path / a) if a == "FILE" else a for a in argv]
    assert main(["validate-model", *argv]) == 2
    assert message in capsys.readouterr().err
