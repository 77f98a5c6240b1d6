"""Replications combined into a RunResult, its files, and the --until-ci stopping rule (sim/experiments/replicate.py,
aggregate.py, files.py). A small stand-in model with a known mean keeps these fast."""
import json
import math

import numpy as np
import pytest

from sim.experiments.aggregate import merge_distributions
from sim.experiments.files import write_json
from sim.experiments.replicate import Interrupted, UnknownMetric, next_batch_size, run_replications
from sim.scenario import Scenario

SCENARIO = Scenario.model_validate({"name": "stand_in"})
TRUE_MEAN = 0.2


def stand_in_model(scenario, seed, replication):
    """A 'replication': 400 yes/no answers with probability TRUE_MEAN, drawn from the (seed, replication) stream."""
    rng = np.random.default_rng([seed, replication])
    answers = int(rng.binomial(400, TRUE_MEAN))
    return {
        "metrics": {"response_rate": answers / 400, "responses": answers,
                    "cost_per_response": (100 / answers) if replication % 2 else math.nan},
        "by_plan": {"basic": {"responses": answers}},
        "timeseries": [{"month": m, "plan": "basic", "responded": answers // 3} for m in range(3)],
        "distributions": {"balance_end": {"basic": {"edges": list(range(replication + 2)),
                                                     "counts": [1] * (replication + 1)}}},
    }


def test_summary_has_the_documented_shape_and_nan_becomes_null(tmp_path):
    result = run_replications(SCENARIO, 1, 4, jobs=1, model=stand_in_model)
    summary = result.summary()
    assert (summary["kind"], summary["scenario"], summary["seed"], summary["replications"]) == ("run", "stand_in", 1, 4)
    rate = summary["metrics"]["response_rate"]
    assert rate["values"] == result.values("response_rate") and len(rate["values"]) == 4
    assert rate["mean"] == pytest.approx(np.mean(rate["values"]))
    cost = summary["metrics"]["cost_per_response"]
    assert cost["n"] == 2 and cost["values"][0] is None
    assert summary["by_plan"]["basic"]["responses"]["values"] == result.values("responses")

    result.write(tmp_path)
    written = json.loads((tmp_path / "metrics.json").read_text())
    assert written["metrics"]["cost_per_response"]["values"][0] is None
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "distributions.json", "metrics.json", "scenario.yaml", "timeseries.csv"]
    assert (tmp_path / "timeseries.csv").read_text().splitlines()[0] == "replication,month,plan,responded"


def test_one_replication_has_no_interval():
    metric = run_replications(SCENARIO, 1, 1, model=stand_in_model).summary()["metrics"]["response_rate"]
    assert metric["sd"] is None and metric["ci95"] is None and len(metric["values"]) == 1


def test_frames_have_one_row_per_replication():
    result = run_replications(SCENARIO, 1, 3, jobs=1, model=stand_in_model)
    assert list(result.metrics_frame().index) == [0, 1, 2]
    assert math.isnan(result.metrics_frame().loc[0, "cost_per_response"])
    assert len(result.timeseries_frame()) == 9 and result.timeseries_frame().columns[0] == "replication"
    assert result.summary_frame().loc["responses", "n"] == 3


def test_histograms_of_counts_are_summed_over_replications():
    result = run_replications(SCENARIO, 1, 3, jobs=1, model=stand_in_model)
    assert result.distributions()["balance_end"]["basic"] == {"edges": [0, 1, 2, 3], "counts": [3, 2, 1]}
    with pytest.raises(ValueError, match="different bin edges"):
        merge_distributions([{"distributions": {"h": {"edges": [0, 1], "counts": [1]}}},
                             {"distributions": {"h": {"edges": [0, 2], "counts": [1]}}}])


def test_until_ci_adds_replications_until_the_target_is_met():
    result = run_replications(SCENARIO, 3, 2, jobs=1, model=stand_in_model, until_ci=0.05, max_replications=200)
    stop = result.stopping
    assert stop["reached"] and stop["relative_half_width"] <= 0.05
    # each replication has sd ~ sqrt(.2 * .8 / 400) = 0.02, so about (1.96 * 0.02 / (0.05 * 0.2))^2 ~ 16 are needed
    assert 8 <= result.replications <= 64
    shorter = run_replications(SCENARIO, 3, result.replications - 1, jobs=1, model=stand_in_model)
    assert shorter.values("response_rate") == result.values("response_rate")[:-1]


def test_until_ci_stops_at_the_cap():
    result = run_replications(SCENARIO, 3, 2, jobs=1, model=stand_in_model, until_ci=1e-6, max_replications=9)
    assert result.replications == 9 and not result.stopping["reached"]


def test_until_ci_refuses_an_unknown_metric():
    with pytest.raises(UnknownMetric, match="revenu"):
        run_replications(SCENARIO, 3, 2, jobs=1, model=stand_in_model, until_ci=0.1, until_metric="revenu")


def test_next_batch_size_grows_towards_the_target_but_at_most_doubles():
    assert next_batch_size(10, 0.02, 0.01, 200) == 10  # 4x needed, capped at doubling
    assert next_batch_size(10, 0.0105, 0.01, 200) == 4  # a few more: at least the minimum batch
    assert next_batch_size(10, 0.009, 0.01, 200) == 0  # reached
    assert next_batch_size(190, 0.5, 0.01, 200) == 10  # the cap
    assert next_batch_size(200, 0.5, 0.01, 200) == 0


def test_ctrl_c_keeps_the_finished_replications():
    def interrupt_after_two(done, total):
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as caught:
        run_replications(SCENARIO, 1, 5, jobs=1, model=stand_in_model, progress=interrupt_after_two)
    partial = caught.value.partial
    assert partial.replication_ids == [0, 1] and partial.interrupted
    assert partial.summary()["interrupted"] is True


def test_json_files_are_strict_and_replace_atomically(tmp_path):
    target = tmp_path / "x.json"
    write_json(target, {"a": float("nan"), "b": [1.0, float("inf")], "c": np.float64(2.5)})
    assert json.loads(target.read_text()) == {"a": None, "b": [1.0, None], "c": 2.5}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]  # no temporary file left behind


def test_notebook_entry_point_takes_a_scenario_with_overrides(tmp_path):
    from sim.experiments import run

    tiny = Scenario.model_validate({"name": "tiny", "horizon_days": 30, "population": {"senders": 50,
                                                                                       "recipients": 500}})
    result = run(tiny, 2, overrides={"refund.policy": "none", "plans.premium_business.credits_per_month": 3},
                 jobs=1, out=tmp_path / "r")
    assert result.scenario.refund.policy == "none"
    assert result.scenario.plans["premium_business"].credits_per_month == 3
    assert result.metrics_frame()["credits_refunded"].eq(0).all()
    assert (tmp_path / "r" / "metrics.json").is_file()


def test_scenario_yaml_loads_back_to_the_scenario_that_ran(tmp_path):
    from sim.scenario import load_scenario

    scenario = Scenario.model_validate({"name": "round_trip", "targeting": {"kind": "zipf", "exponent": 1.2},
                                        "recipients": {"response_delay_days": {"dist": "exponential", "mean": 2}}})
    run_replications(scenario, 1, 1, model=stand_in_model).write(tmp_path)
    assert load_scenario(tmp_path / "scenario.yaml") == scenario


def test_worker_pools_load_the_engine_only_for_scenarios_that_run_on_the_compiled_engine(monkeypatch):
    import pickle

    import sim.world.compiled as compiled
    from sim.experiments.replicate import engine_loader

    assert engine_loader([SCENARIO], stand_in_model) is None  # a model of one's own loads what it needs itself
    loads = []
    monkeypatch.setattr(compiled, "warm_up", lambda: loads.append(1))
    python_only = SCENARIO.model_copy(update={"engine": "python"})
    evicting = Scenario.model_validate({"name": "evicting", "inbox": {"when_full": "evict_oldest"}})
    for scenarios, expected in (([python_only], 0), ([python_only, evicting], 0), ([python_only, SCENARIO], 1)):
        loads.clear()
        loader = engine_loader(scenarios)
        pickle.loads(pickle.dumps(loader))  # it travels to workers started by forkserver or spawn
        loader()
        assert len(loads) == expected, scenarios
