"""A/B comparisons on common random numbers (sim/experiments/compare.py, sim/commands/compare.py)."""
import csv
import json

import pytest
import yaml

from sim.cli import main
from sim.experiments.api import compare as compare_api
from sim.experiments.compare import compare
from sim.experiments.replicate import Interrupted
from sim.scenario import Scenario

TINY = {"name": "base", "seed": 3, "horizon_days": 90, "population": {"senders": 200, "recipients": 2000}}


def with_credits(scenario: Scenario, credits: int) -> Scenario:
    plans = {"premium_business": scenario.plans["premium_business"].model_copy(update={"credits_per_month": credits})}
    return scenario.model_copy(update={"plans": plans})


@pytest.fixture
def tiny_file(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY))
    return path


def test_paired_interval_is_narrower_than_unpaired_on_a_pricing_change():
    base = Scenario.model_validate(TINY)
    comparison = compare(base, {"credits_20": with_credits(base, 20)}, None, 10, jobs=2)
    for metric in ("credits_granted", "credits_expired", "credits_balance_end", "wasted_credit_share"):
        d = comparison.difference("credits_20", metric)
        assert d["n"] == 10
        paired_width = d["ci95"][1] - d["ci95"][0]
        unpaired_width = d["unpaired_ci95"][1] - d["unpaired_ci95"][0]
        assert paired_width < unpaired_width, metric
    granted = comparison.difference("credits_20", "credits_granted")
    assert granted["excludes_zero"] and granted["diff"] > 0
    # the change touches credits only: with common random numbers demand is identical replication by replication
    attempted = comparison.difference("credits_20", "inmails_attempted")
    assert attempted["diff"] == 0 and attempted["ci95"] == [0.0, 0.0] and attempted["unpaired_ci95"][1] > 0


def test_identical_arms_differ_by_exactly_zero():
    base = Scenario.model_validate(TINY)
    data = compare(base, {"same": base}, None, 3, jobs=1).to_dict()
    for metric, d in data["variants"]["same"]["metrics"].items():
        if d["diff"] is not None:
            assert d["diff"] == 0 and not d["excludes_zero"], metric


def test_files_hold_every_arm_and_the_per_replication_values(tmp_path):
    base = Scenario.model_validate(TINY)
    comparison = compare(base, {"credits_20": with_credits(base, 20)}, 8, 2, jobs=1)
    comparison.write(tmp_path)
    data = json.loads((tmp_path / "comparison.json").read_text())
    assert (data["kind"], data["base"], data["seed"], data["replications"]) == ("comparison", "base", 8, 2)
    for arm in ("base", "credits_20"):
        run = json.loads((tmp_path / "arms" / arm / "metrics.json").read_text())
        assert data["arms"][arm]["values"]["credits_granted"] == run["metrics"]["credits_granted"]["values"]
    with open(tmp_path / "comparison.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    granted = next(r for r in rows if r["metric"] == "credits_granted" and r["plan"] == "")
    entry = data["variants"]["credits_20"]["metrics"]["credits_granted"]
    assert float(granted["diff"]) == entry["diff"] and granted["excludes_zero"] == str(entry["excludes_zero"])
    assert [float(v) for v in granted["variant_values"].split(";")] == data["arms"]["credits_20"]["values"][
        "credits_granted"]
    assert any(r["plan"] == "premium_business" for r in rows)


def test_arm_names_must_be_distinct_and_folder_safe():
    base = Scenario.model_validate(TINY)
    with pytest.raises(ValueError, match="already the base's name"):
        compare(base, {"base": base}, None, 1)
    with pytest.raises(ValueError, match="arm name"):
        compare(base, {"../x": base}, None, 1)
    with pytest.raises(ValueError, match="at least one variant"):
        compare(base, {}, None, 1)


def test_variants_can_be_overrides_of_the_base_file(tiny_file):
    comparison = compare_api(tiny_file, {"credits_20": {"plans.premium_business.credits_per_month": 20}},
                             replications=2, jobs=1)
    assert comparison.arms["credits_20"].scenario.plans["premium_business"].credits_per_month == 20
    assert comparison.arms["base"].scenario.plans["premium_business"].credits_per_month == 15


def test_ctrl_c_keeps_the_replications_finished_in_every_arm():
    base = Scenario.model_validate(TINY)

    def interrupt(done, total):
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as caught:
        compare(base, {"credits_20": with_credits(base, 20)}, None, 2, jobs=1, progress=interrupt)
    assert caught.value.partial.replication_ids == [0]  # base 0, 1 and variant 0 had finished


def test_command_line_variant_and_its_errors(tiny_file, tmp_path, capsys):
    out = tmp_path / "ab"
    argv = ["compare", str(tiny_file), "--variant", "more", "plans.premium_business.credits_per_month=20",
            "-r", "2", "-j", "1", "--out", str(out), "--no-report"]
    assert main(argv) == 0
    assert "more - base" in capsys.readouterr().out
    assert json.loads((out / "comparison.json").read_text())["variants"]["more"]["metrics"]
    assert main(argv) == 2  # refuses to overwrite
    assert "--force" in capsys.readouterr().err
    for bad in (["--variant", "more", "credits"], ["--variant", "base", "seed=4"], []):
        assert main(["compare", str(tiny_file), *bad, "--out", str(tmp_path / "bad"), "--no-report"]) == 2
        assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not (tmp_path / "bad").exists()
