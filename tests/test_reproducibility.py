"""Same seed, same numbers: whatever the executor and the number of jobs (sim/experiments/replicate.py)."""
import json

import pytest

from sim.experiments.executors import get_executor
from sim.experiments.replicate import run_replications
from sim.scenario import Scenario

RESULT_FILES = ("scenario.yaml", "metrics.json", "timeseries.csv", "distributions.json")


def tiny_scenario(**changes) -> Scenario:
    """200 senders on two plans, 2,000 recipients, 90 days: a replication takes a few hundredths of a second."""
    data = {
        "name": "tiny", "seed": 99, "horizon_days": 90,
        "population": {"senders": 200, "recipients": 2000},
        "plans": {"premium_business": {"credits_per_month": 15, "balance_cap": 45, "price_per_month": 59.99},
                  "sales_navigator": {"credits_per_month": 50, "balance_cap": 150, "inmails_per_month": 8}},
        "plan_mix": {"premium_business": 0.7, "sales_navigator": 0.3},
    }
    data.update(changes)
    return Scenario.model_validate(data)


def written_files(result, folder):
    result.write(folder)
    return {name: (folder / name).read_bytes() for name in RESULT_FILES}


def test_same_seed_gives_the_same_numbers_and_another_seed_does_not():
    scenario = tiny_scenario()
    first = run_replications(scenario, 5, 3, jobs=1)
    second = run_replications(scenario, 5, 3, jobs=1)
    other = run_replications(scenario, 6, 3, jobs=1)
    assert json.dumps(first.summary()) == json.dumps(second.summary())
    assert first.values("inmails_attempted") != other.values("inmails_attempted")
    # replications are independent draws, not copies of each other
    assert len(set(first.values("inmails_attempted"))) == 3


def test_one_job_two_jobs_and_a_dask_cluster_write_identical_files(tmp_path):
    scenario = tiny_scenario()
    serial = written_files(run_replications(scenario, 5, 4, jobs=1), tmp_path / "serial")
    pooled = written_files(run_replications(scenario, 5, 4, jobs=2), tmp_path / "pooled")
    with get_executor("dask", jobs=2) as cluster:
        distributed = written_files(run_replications(scenario, 5, 4, executor=cluster), tmp_path / "dask")
    assert pooled == serial
    assert distributed == serial


def test_a_replication_does_not_depend_on_the_others():
    scenario = tiny_scenario()
    alone = run_replications(scenario, 5, 2, jobs=1).results[1]
    assert run_replications(scenario, 5, 4, jobs=2).results[1]["metrics"] == alone["metrics"]


def test_until_ci_stops_at_the_same_count_whatever_the_jobs():
    scenario = tiny_scenario()
    kwargs = dict(until_ci=0.01, until_metric="response_rate", max_replications=8)
    serial = run_replications(scenario, 5, 2, jobs=1, **kwargs)
    pooled = run_replications(scenario, 5, 2, jobs=2, **kwargs)
    assert serial.replications == pooled.replications
    assert json.dumps(serial.summary()) == json.dumps(pooled.summary())


@pytest.mark.parametrize("jobs", [1, 2])
def test_progress_counts_every_replication(jobs):
    calls = []
    run_replications(tiny_scenario(), 5, 3, jobs=jobs, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]
