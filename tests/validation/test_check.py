"""Judging a measure: within 4 standard errors computed from the replications, or exact when they all agree."""
import math

import pytest

from sim.validation import statistics as stat
from sim.validation.case import Case, Measure, scenario
from sim.validation.check import Verdict, replicate_measures, run_cases, verdict


def _measure(theory):
    return Measure("a mechanism", stat.metric("open_rate"), theory, "why")


def test_a_mean_within_four_standard_errors_passes_and_beyond_fails():
    values = [0.9, 1.1] * 10  # mean 1, sd 0.1026, se 0.02294
    se = math.sqrt(sum((v - 1) ** 2 for v in values) / 19) / math.sqrt(20)
    inside = verdict("c", _measure(1 + 3.9 * se), values)
    outside = verdict("c", _measure(1 + 4.1 * se), values)
    assert inside.passed and not outside.passed
    assert inside.se == pytest.approx(se) and inside.n == 20
    assert outside.z == pytest.approx(-4.1)
    assert inside.ci95[0] < 1 < inside.ci95[1]


def test_identical_replications_must_equal_the_theory_exactly():
    exact = verdict("c", _measure(2.0), [2.0, 2.0, 2.0])
    assert exact.passed and exact.se == 0 and exact.z == 0
    off = verdict("c", _measure(2.0), [2.001])
    assert not off.passed and off.z == math.inf


def test_undefined_or_missing_values_are_errors():
    with pytest.raises(ValueError, match="no replication values"):
        verdict("c", _measure(1.0), [])
    with pytest.raises(ValueError, match="undefined"):
        verdict("c", _measure(1.0), [1.0, float("nan")])


def _tiny_case(key, theory, replications=2):
    sc = scenario(key, horizon=40.0, warmup=5.0, senders=5, recipient_count=50, inmails_per_month=10)
    return Case(key, key, sc, replications, (Measure("attempts", stat.metric("inmails_attempted"), theory, ""),))


def test_run_cases_judges_each_case_in_order_whatever_the_executor():
    cases = [_tiny_case("first", 1e6), _tiny_case("second", 1e6, replications=3)]
    seen = []
    in_process = run_cases(cases, jobs=1, on_case=lambda case, vs: seen.append((case.key, len(vs))))
    pooled = run_cases(cases, jobs=2)
    assert seen == [("first", 1), ("second", 1)]
    assert [v.values for v in in_process] == [v.values for v in pooled]
    assert [v.n for v in pooled] == [2, 3]
    assert all(isinstance(v, Verdict) and not v.passed for v in pooled)  # dozens of attempts a run, not a million
    assert list(in_process[0].values) == [replicate_measures((cases[0], r))[0] for r in range(2)]


def test_cases_get_stable_seeds_of_their_own():
    a, b = _tiny_case("alpha", 0.0), _tiny_case("beta", 0.0)
    assert a.seed == _tiny_case("alpha", 1.0).seed != b.seed
    with pytest.raises(ValueError, match="replications"):
        _tiny_case("none", 0.0, replications=0)
