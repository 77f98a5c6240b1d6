"""The closed forms themselves, against textbook values and against independent Monte Carlo of the same model."""
import math

import numpy as np
import pytest
from scipy import integrate

from sim.scenario.distributions import Exponential, Fixed, Gamma, LogNormal, Uniform, Weibull
from sim.validation.theory import (
    Recipient, cohort_average, erlang_b, evict_oldest_inbox, laplace_transform, littles_law, refund_share,
    scipy_distribution,
)


def _erlang_b_textbook(c, a):
    terms = [a**k / math.factorial(k) for k in range(c + 1)]
    return terms[-1] / sum(terms)


@pytest.mark.parametrize("c, a", [(0, 2.0), (1, 1.0), (3, 2.0), (8, 5.0), (20, 15.5)])
def test_erlang_b_matches_the_textbook_formula(c, a):
    assert erlang_b(c, a) == pytest.approx(_erlang_b_textbook(c, a), rel=1e-12)


def test_erlang_b_is_stable_where_the_textbook_formula_overflows():
    b = erlang_b(1000, 950.0)
    assert 0 < b < 1
    log_terms = [k * math.log(950.0) - math.lgamma(k + 1) for k in range(1001)]
    assert b == pytest.approx(math.exp(log_terms[-1] - np.logaddexp.reduce(log_terms)), rel=1e-9)


def test_erlang_b_and_littles_law_refuse_negative_input():
    with pytest.raises(ValueError, match="servers"):
        erlang_b(-1, 1.0)
    with pytest.raises(ValueError, match="offered_load"):
        erlang_b(2, -0.5)
    with pytest.raises(ValueError, match="rate and time"):
        littles_law(-1.0, 2.0)
    assert littles_law(1.5, 4.0) == 6.0


def test_an_evicting_inbox_holds_the_last_arrivals_of_its_window():
    a = 1.7
    assert evict_oldest_inbox(1, a) == pytest.approx((1 - math.exp(-a), 1 - math.exp(-a)))
    full, occupancy = evict_oldest_inbox(60, a)  # a huge inbox: never full, holds every arrival of the window
    assert full < 1e-12 and occupancy == pytest.approx(a)
    counts = np.random.default_rng(2).poisson(a, 200_000)
    assert _within_4se(np.minimum(counts, 3).astype(float), evict_oldest_inbox(3, a)[1])
    with pytest.raises(ValueError, match="slots"):
        evict_oldest_inbox(0, a)


@pytest.mark.parametrize("dist", [
    Fixed(dist="fixed", value=0.8), Exponential(dist="exponential", mean=1.2), Gamma(dist="gamma", mean=1.0, sd=0.7),
    Uniform(dist="uniform", low=0.2, high=2.0), LogNormal(dist="lognormal", mean=1.0, sd=0.5),
    Weibull(dist="weibull", shape=1.5, scale=1.0),
])
def test_laplace_transform_matches_a_sample_mean(dist):
    rng = np.random.default_rng(5)
    sample = dist.sample(rng, 200_000)
    for s in (0.0, 0.3, 2.0):
        values = np.exp(-s * sample)
        se = values.std(ddof=1) / math.sqrt(len(values))
        assert abs(laplace_transform(dist, s) - values.mean()) <= 4 * se + 1e-12


def test_scipy_distribution_has_the_scenario_mean():
    for dist in (Exponential(dist="exponential", mean=1.5), Gamma(dist="gamma", mean=2.0, sd=1.0),
                 LogNormal(dist="lognormal", mean=2.0, sd=3.0), Uniform(dist="uniform", low=1.0, high=3.0),
                 Weibull(dist="weibull", shape=0.7, scale=2.0)):
        assert scipy_distribution(dist).mean() == pytest.approx(dist.mean(), rel=1e-9)
    with pytest.raises(ValueError, match="no continuous law"):
        scipy_distribution(Fixed(dist="fixed", value=1.0))


RECIPIENT = Recipient(
    checks_per_day=Gamma(dist="gamma", mean=1.0, sd=0.6), p_fresh=0.5, p_late=0.2, unread_days=2.0,
    response_window=7.0, p_response=0.3, response_delay=Exponential(dist="exponential", mean=1.0),
)


def _simulated_recipients(n, seed=11):
    """Check by check, as the domain states it: Poisson checks, a coin at each check, fresh then late."""
    rng = np.random.default_rng(seed)
    rates = RECIPIENT.checks_per_day.sample(rng, n)
    opens = np.full(n, np.inf)
    for i in range(n):
        t = 0.0
        while t < RECIPIENT.response_window:
            t += rng.exponential(1 / rates[i])
            p = RECIPIENT.p_fresh if t <= RECIPIENT.unread_days else RECIPIENT.p_late
            if t < RECIPIENT.response_window and rng.random() < p:
                opens[i] = t
                break
    answered = (rng.random(n) < RECIPIENT.p_response) & np.isfinite(opens)
    answer_time = np.where(answered, opens + rng.exponential(1.0, n), np.inf)
    answer_time[answer_time >= RECIPIENT.response_window] = np.inf
    return opens, answer_time


def _within_4se(values, expected):
    se = values.std(ddof=1) / math.sqrt(len(values))
    return abs(values.mean() - expected) <= 4 * se


def test_open_answer_and_stay_laws_match_a_check_by_check_simulation():
    opens, answers = _simulated_recipients(40_000)
    for x in (1.0, 2.0, 5.0, 30.0):
        assert _within_4se((opens <= x).astype(float), RECIPIENT.open_cdf(x)), x
        assert _within_4se(np.where(opens <= x, opens, 0.0), RECIPIENT.partial_mean_open(x)), x
        assert _within_4se((answers <= x).astype(float), RECIPIENT.answered_by(x)), x
    slot = 3.0
    stay = np.where(np.isfinite(answers), answers + slot, RECIPIENT.response_window)
    assert _within_4se(stay, RECIPIENT.mean_time_in_inbox(slot))


def test_fixed_delay_and_no_window():
    rec = Recipient(Fixed(dist="fixed", value=1.0), 1.0, 1.0, 0.0, None, 0.5, Fixed(dist="fixed", value=2.0))
    assert rec.open_cdf(3.0) == pytest.approx(1 - math.exp(-3.0))
    assert rec.answered_by(1.5) == 0.0
    assert rec.answered_by(5.0) == pytest.approx(0.5 * (1 - math.exp(-3.0)))
    with pytest.raises(ValueError, match="finite response window"):
        rec.mean_time_in_inbox(1.0)


def test_recipient_refuses_impossible_values():
    good = dict(checks_per_day=Fixed(dist="fixed", value=1.0), p_fresh=0.5, p_late=0.2, unread_days=2.0,
                response_window=7.0, p_response=0.3, response_delay=Fixed(dist="fixed", value=1.0))
    for key, value in (("p_fresh", 1.5), ("p_late", -0.1), ("p_response", 2.0), ("unread_days", -1.0),
                       ("response_window", 0.0)):
        with pytest.raises(ValueError, match=key):
            Recipient(**{**good, key: value})


def test_cohort_average_is_the_mean_over_uniform_send_times():
    assert cohort_average(lambda s: min(s, 1.0), 2.0, [1.0]) == pytest.approx(0.75)
    expected = integrate.quad(RECIPIENT.open_cdf, 0, 50, points=[2.0, 7.0])[0] / 50
    assert cohort_average(RECIPIENT.open_cdf, 50.0, [2.0, 7.0]) == pytest.approx(expected)
    with pytest.raises(ValueError, match="cohort_days"):
        cohort_average(RECIPIENT.open_cdf, 0.0)


def test_refund_policies_split_the_credits():
    on = refund_share(RECIPIENT, "on_response", 5.0)
    off = refund_share(RECIPIENT, "on_no_response", 5.0)
    assert on == pytest.approx(RECIPIENT.answered_by(5.0))
    assert on + off == pytest.approx(1.0)
    assert refund_share(RECIPIENT, "none", 5.0) == 0.0
    with pytest.raises(ValueError, match="policy"):
        refund_share(RECIPIENT, "sometimes", 5.0)
    # a refund window longer than the response window adds nothing: answers come within the response window
    assert refund_share(RECIPIENT, "on_response", 90.0) == pytest.approx(RECIPIENT.answered_by(7.0))
