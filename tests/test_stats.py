"""Means, Student-t intervals and paired vs unpaired differences (sim/experiments/stats.py)."""
import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from sim.experiments.stats import paired_difference, summarize, t_quantile, welch_difference


def binomial_tolerance(p: float, trials: int) -> float:
    """About 4 standard errors of a fraction of `trials` successes with probability p."""
    return 4 * math.sqrt(p * (1 - p) / trials)


def test_summary_matches_numpy_and_scipy():
    x = np.random.default_rng(1).normal(10, 3, size=12)
    s = summarize(x)
    assert s.n == 12
    assert s.mean == pytest.approx(x.mean())
    assert s.sd == pytest.approx(x.std(ddof=1))
    low, high = scipy_stats.t.interval(0.95, 11, loc=x.mean(), scale=scipy_stats.sem(x))
    assert s.ci95 == pytest.approx((low, high))
    assert s.relative_half_width == pytest.approx((high - low) / 2 / abs(x.mean()))


def test_t_quantile_is_scipy_t_ppf():
    for dof in (1, 2, 4.5, 30, 1000):
        assert t_quantile(0.975, dof) == pytest.approx(scipy_stats.t.ppf(0.975, dof), rel=1e-12)


def test_undefined_values_are_ignored_and_counted():
    s = summarize([1.0, None, float("nan"), 3.0, float("inf")])
    assert s.n == 2
    assert s.mean == 2.0
    assert s.sd == pytest.approx(math.sqrt(2))


def test_one_replication_has_no_spread_and_no_interval():
    s = summarize([4.0])
    assert (s.mean, s.sd, s.ci95, s.n) == (4.0, None, None, 1)
    assert s.relative_half_width is None
    empty = summarize([None, float("nan")])
    assert (empty.mean, empty.sd, empty.ci95, empty.n) == (None, None, None, 0)


def test_constant_values_give_a_zero_width_interval():
    s = summarize([5.0, 5.0, 5.0])
    assert s.sd == 0 and s.ci95 == (5.0, 5.0)


def test_confidence_must_be_a_probability():
    with pytest.raises(ValueError, match="confidence"):
        summarize([1.0, 2.0], confidence=1.0)


def test_t_interval_covers_the_true_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(20240501)
    trials, n, mean = 2000, 8, 3.0
    covered = 0
    for _ in range(trials):
        ci = summarize(rng.normal(mean, 2.0, size=n)).ci95
        covered += ci[0] <= mean <= ci[1]
    assert abs(covered / trials - 0.95) < binomial_tolerance(0.95, trials)


def test_paired_interval_covers_the_true_difference_about_95_percent_of_the_time():
    rng = np.random.default_rng(7)
    trials, n, true_diff = 2000, 10, 0.5
    covered = 0
    for _ in range(trials):
        shared = rng.normal(0, 5, size=n)  # noise common to both arms, as with common random numbers
        base = 10 + shared + rng.normal(0, 1, size=n)
        variant = 10 + true_diff + shared + rng.normal(0, 1, size=n)
        ci = paired_difference(base, variant).ci95
        covered += ci[0] <= true_diff <= ci[1]
    assert abs(covered / trials - 0.95) < binomial_tolerance(0.95, trials)


def test_paired_and_welch_match_scipy_t_tests():
    rng = np.random.default_rng(3)
    base, variant = rng.normal(5, 1, size=9), rng.normal(6, 2, size=9)
    paired = paired_difference(base, variant)
    expected = scipy_stats.ttest_rel(variant, base).confidence_interval(0.95)
    assert paired.ci95 == pytest.approx((expected.low, expected.high))
    welch = welch_difference(base, variant)
    expected = scipy_stats.ttest_ind(variant, base, equal_var=False).confidence_interval(0.95)
    assert welch.ci95 == pytest.approx((expected.low, expected.high))
    assert paired.diff == pytest.approx(welch.diff)


def test_paired_interval_is_narrower_than_welch_when_arms_share_noise():
    rng = np.random.default_rng(11)
    shared = rng.normal(0, 10, size=10)
    base = 100 + shared + rng.normal(0, 1, size=10)
    variant = 103 + shared + rng.normal(0, 1, size=10)
    paired, welch = paired_difference(base, variant), welch_difference(base, variant)
    assert paired.half_width < welch.half_width / 3
    assert paired.excludes_zero and not welch.excludes_zero
    assert paired.relative_change == pytest.approx(paired.diff / abs(np.mean(base)))


def test_paired_drops_replications_undefined_in_either_arm():
    d = paired_difference([1.0, None, 3.0, 4.0], [2.0, 5.0, float("nan"), 6.0])
    assert d.n == 2
    assert d.diff == pytest.approx(1.5)
    assert d.base_mean == pytest.approx(2.5)


def test_paired_needs_one_value_per_replication_in_both_arms():
    with pytest.raises(ValueError, match="one per replication"):
        paired_difference([1.0, 2.0], [1.0])


def test_a_difference_without_interval_says_nothing_about_zero():
    d = paired_difference([1.0], [2.0])
    assert d.diff == 1.0 and d.ci95 is None and d.excludes_zero is None
    assert paired_difference([0.0, 0.0], [1.0, 2.0]).relative_change is None  # base mean 0
