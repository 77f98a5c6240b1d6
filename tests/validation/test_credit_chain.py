"""The credit Markov chain and the zero-demand schedule, against hand-derived values and independent computations."""
import math

import numpy as np
import pytest
from scipy import stats as st

from sim.scenario.schema import DAYS_PER_MONTH as MONTH
from sim.validation.credit_chain import CreditChain, CreditRules, stationary_distribution, zero_demand_schedule


def test_rules_refuse_impossible_values():
    for kwargs, word in (({"credits_per_month": 0}, "credits_per_month"), ({"cap": -1}, "cap"),
                         ({"lifetime_days": 0.0}, "lifetime_days"), ({"period_days": 0.0}, "period_days")):
        with pytest.raises(ValueError, match=word):
            CreditRules(**{"credits_per_month": 5, "cap": None, "lifetime_days": None, **kwargs})


@pytest.mark.parametrize("lifetime, spans, alive", [
    (None, [MONTH], 1), (MONTH, [MONTH], 1), (2 * MONTH, [MONTH], 2), (45.0, [45.0 - MONTH, 2 * MONTH - 45.0], 2),
    (90.0, [90.0 - 2 * MONTH, 3 * MONTH - 90.0], 3), (10.0, [10.0, MONTH - 10.0], 1),
])
def test_a_month_is_cut_at_the_oldest_lots_expiry(lifetime, spans, alive):
    got_spans, got_alive = CreditRules(5, None, lifetime).segments()
    assert got_spans == pytest.approx(spans) and got_alive == alive


def test_one_month_credits_waste_what_the_month_leaves():
    g, d = 5, 4.0
    chain = CreditChain(CreditRules(g, None, MONTH), d)
    left = sum((g - k) * st.poisson.pmf(k, d) for k in range(g))
    assert chain.expired_per_month == pytest.approx(left)
    assert chain.waste_share == pytest.approx(left / g)
    assert chain.forfeited_per_month == 0


def test_limits_waste_nothing_or_everything():
    assert CreditChain(CreditRules(5, 12, None), 0.0).waste_share == pytest.approx(1.0)
    assert CreditChain(CreditRules(5, None, 90.0), 0.0).waste_share == pytest.approx(1.0)
    with pytest.raises(ValueError, match="demand"):
        CreditChain(CreditRules(5, 10, None), -1.0)
    with pytest.raises(ValueError, match="neither a cap nor a lifetime"):
        CreditChain(CreditRules(5, None, None), 3.0)


def test_cap_without_expiry_matches_a_chain_on_the_balance_alone():
    g, cap, d = 5, 12, 5.5
    # independent construction: the balance b after a refresh, b' = min(max(b - D, 0) + g, cap)
    size = cap + 1
    transition = np.zeros((size, size))
    forfeit = np.zeros(size)
    for b in range(size):
        for spent in range(b + 1):
            p = st.poisson.pmf(spent, d) if spent < b else st.poisson.sf(b - 1, d)
            total = b - spent + g
            transition[b, min(total, cap)] += p
            forfeit[b] += p * max(total - cap, 0)
    pi = stationary_distribution(transition)
    chain = CreditChain(CreditRules(g, cap, None), d)
    assert chain.forfeited_per_month == pytest.approx(pi @ forfeit, rel=1e-9)
    assert chain.expired_per_month == 0


def _simulated_member(rules, demand, months, rng):
    """Event by event: Poisson wishes in continuous time, lots spent oldest first, expiry, grant, cap."""
    lots = []  # [grant_time, credits]
    wasted = 0
    t_end = months * MONTH
    wishes = np.cumsum(rng.exponential(MONTH / demand, int(demand * months * 2) + 100))
    w = 0
    for k in range(months):
        start = k * MONTH
        lots = [lot for lot in lots if lot[0] + rules.lifetime_days > start]  # expired at or before the refresh
        balance = sum(n for _, n in lots)
        size = min(rules.credits_per_month, rules.cap - balance)
        wasted += rules.credits_per_month - size
        lots.append([start, size])
        while w < len(wishes) and wishes[w] < start + MONTH:
            t = wishes[w]
            w += 1
            for lot in lots:
                if lot[0] + rules.lifetime_days <= t:
                    wasted += lot[1]
                    lot[1] = 0
            lots = [lot for lot in lots if lot[1] > 0]
            if lots:
                lots[0][1] -= 1
        for lot in lots:  # expiring within the month after the last wish
            if lot[0] + rules.lifetime_days <= start + MONTH and lot[1]:
                wasted += lot[1]
                lot[1] = 0
    assert t_end > 0
    return wasted / (months * rules.credits_per_month)


def test_cap_and_lifetime_chain_matches_a_direct_simulation():
    rules, demand = CreditRules(5, 8, 45.0), 5.0
    rng = np.random.default_rng(3)
    # independent members (the months of one member are correlated), each long enough to forget its start
    shares = np.array([_simulated_member(rules, demand, 600, rng) for _ in range(24)])
    se = shares.std(ddof=1) / math.sqrt(len(shares))
    assert abs(shares.mean() - CreditChain(rules, demand).waste_share) <= 4 * se


def test_the_window_converges_to_the_long_run_and_is_exact_without_memory():
    iid = CreditChain(CreditRules(5, None, MONTH), 4.0)
    assert iid.window(2, 12.5 * MONTH).waste_share == pytest.approx(iid.waste_share, rel=1e-12)
    slow = CreditChain(CreditRules(15, 45, 90.0), 15.0)
    early = slow.window(4, 18.5 * MONTH).waste_share
    # a long window after a long warm-up: the last grant of the window (whose waste falls after it) hardly counts
    late = slow.window(200, 2200.5 * MONTH).waste_share
    assert early < 0.5 * slow.waste_share  # the first months, with few credits held, waste little
    assert late == pytest.approx(slow.waste_share, rel=1e-3)
    assert slow.distance_from_stationary(4) > slow.distance_from_stationary(48)
    with pytest.raises(ValueError, match="warm-up"):
        slow.window(30, 12 * MONTH)


def test_stationary_distribution_of_a_two_state_chain():
    p, q = 0.2, 0.5
    pi = stationary_distribution(np.array([[1 - p, p], [q, 1 - q]]))
    assert pi == pytest.approx([q / (p + q), p / (p + q)])
    with pytest.raises(ValueError, match="sum to 1"):
        stationary_distribution(np.array([[0.5, 0.4], [0.5, 0.5]]))


def _path(rules):
    return [(r["granted"], r["expired"], r["forfeited"], r["balance_end"]) for r in zero_demand_schedule(rules, 365.0)]


def test_zero_demand_schedules_derived_by_hand():
    # cap 8, no expiry: 5, then 8 with 2 forfeited, then 5 forfeited every month
    assert _path(CreditRules(5, 8, None)) == [(5, 0, 0, 5), (5, 0, 2, 8)] + [(5, 0, 5, 8)] * 10
    # 90 days < 3 months: a grant dies 1.3 days before its third refresh; the cap of 15 never binds
    assert _path(CreditRules(5, 15, 90.0)) == [(5, 0, 0, 5), (5, 0, 0, 10)] + [(5, 5, 0, 10)] * 10
    # 45 days with a cap of 7: 5; 2 kept of the 2nd grant (3 forfeited), the 1st dies on day 45; the 2nd dies on
    # day 75.4 after the 3rd grant came in full; and so on, period two
    assert _path(CreditRules(5, 7, 45.0)) == [(5, 0, 0, 5)] + [(5, 5, 3, 2), (5, 2, 0, 5)] * 5 + [(5, 5, 3, 2)]
    # exactly one month: each grant dies at the next refresh, before the new grant
    assert _path(CreditRules(5, None, MONTH)) == [(5, 0, 0, 5)] + [(5, 5, 0, 5)] * 11
