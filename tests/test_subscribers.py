"""Subscriber dynamics: arrivals over churn, price elasticity, value, switches, withdrawals, and their accounting."""
import math

import numpy as np
import pytest

from sim.errors import AccountingError
from sim.metrics import check_identities
from sim.scenario.schema import DAYS_PER_MONTH, Scenario
from sim.world.engine import simulate

MONTHS = 24


def world(price=40.0, dynamics=None, senders=400, months=MONTHS, **plan):
    plans = {
        "basic": {"price_per_month": price, "credits_per_month": 2, "inmails_per_month": 0.5, **plan},
        "pro": {"price_per_month": 90.0, "credits_per_month": 10, "balance_cap": 30, "inmails_per_month": 2},
    }
    return Scenario.model_validate({
        "name": "subscribers", "horizon_days": months * DAYS_PER_MONTH,
        "population": {"senders": senders, "recipients": 4000},
        "plans": plans, "plan_mix": {"basic": 0.75, "pro": 0.25},
        "subscribers": dynamics or {"enabled": False},
    })


def test_dynamics_with_zero_rates_is_exactly_the_fixed_population():
    fixed = simulate(world(), seed=3)
    neutral = simulate(world(dynamics={"enabled": True, "plans": {"basic": {}, "pro": {}}}), seed=3)
    assert neutral.metrics == fixed.metrics
    assert neutral.timeseries == fixed.timeseries


def test_zero_elasticity_price_change_only_scales_revenue():
    dyn = {"enabled": True, "plans": {"basic": {"arrivals_per_month": 10, "churn_per_month": 0.03,
                                                "reference_price": 40.0}}}
    base = simulate(world(price=40.0, dynamics=dyn), seed=5).metrics
    dearer = simulate(world(price=48.0, dynamics=dyn), seed=5).metrics
    for name in ("subscribers_end", "new_subscribers", "cancellations", "inmails_delivered", "credits_spent"):
        assert dearer[name] == base[name], name
    basic = simulate(world(price=48.0, dynamics=dyn), seed=5).by_plan["basic"]
    basic0 = simulate(world(price=40.0, dynamics=dyn), seed=5).by_plan["basic"]
    assert basic["revenue"] == pytest.approx(1.2 * basic0["revenue"], rel=1e-12)


def expected_subscribers(n0, arrivals, churn, months):
    """E[N_k] for N_{k+1} = N_k - Binomial(N_k, q) + Poisson(a): N* + (N0 - N*)(1 - q)^k with N* = a / q."""
    steady = arrivals / churn
    return steady + (n0 - steady) * (1 - churn) ** months


def simulated_end(scenario, replications, plan="basic", name="subscribers_end"):
    values = np.array([simulate(scenario, seed=21, replication=r).by_plan[plan][name] for r in range(replications)])
    return values.mean(), values.std(ddof=1) / math.sqrt(len(values))


@pytest.mark.parametrize("price, arrival_elasticity, churn_elasticity", [(40.0, 0.0, 0.0), (50.0, -1.5, 1.0)])
def test_subscribers_follow_arrivals_over_churn(price, arrival_elasticity, churn_elasticity):
    a, q, ref = 12.0, 0.06, 40.0
    dyn = {"enabled": True, "plans": {"basic": {
        "arrivals_per_month": a, "churn_per_month": q, "reference_price": ref,
        "arrival_price_elasticity": arrival_elasticity, "churn_price_elasticity": churn_elasticity}}}
    scenario = world(price=price, dynamics=dyn)
    ratio = price / ref
    a_eff, q_eff = a * ratio ** arrival_elasticity, q * ratio ** churn_elasticity
    expected = expected_subscribers(300, a_eff, q_eff, MONTHS)  # 75% of 400 senders start on basic
    mean, se = simulated_end(scenario, 12)
    assert abs(mean - expected) < 4 * se, (mean, expected, se)


@pytest.mark.parametrize("arrival_elasticity, revenue_rises", [(-0.4, True), (-2.5, False)])
def test_price_rise_moves_revenue_as_the_closed_form_says(arrival_elasticity, revenue_rises):
    """Steady-state revenue of a plan is p * a (p/r)^ea / (q (p/r)^ec): it rises with price when 1 + ea - ec > 0."""
    a, q, ref, ec = 12.0, 0.08, 40.0, 0.5
    assert (1 + arrival_elasticity - ec > 0) == revenue_rises

    def scenario(price):
        return world(price=price, months=36, dynamics={"enabled": True, "plans": {"basic": {
            "arrivals_per_month": a, "churn_per_month": q, "reference_price": ref,
            "arrival_price_elasticity": arrival_elasticity, "churn_price_elasticity": ec}}})

    means = {}
    for price in (40.0, 52.0):
        ratio = price / ref
        expected_mrr = price * expected_subscribers(300, a * ratio ** arrival_elasticity, q * ratio ** ec, 36)
        mean, se = simulated_end(scenario(price), 10, name="mrr")
        assert abs(mean - expected_mrr) < 4 * se, (price, mean, expected_mrr, se)
        means[price] = mean
    assert (means[52.0] > means[40.0]) == revenue_rises


def test_a_price_rise_with_negative_elasticity_lowers_subscribers():
    dyn = {"enabled": True, "plans": {"basic": {"arrivals_per_month": 12, "churn_per_month": 0.05,
                                                "reference_price": 40.0, "arrival_price_elasticity": -1.5}}}
    base, _ = simulated_end(world(price=40.0, dynamics=dyn), 6)
    dearer, _ = simulated_end(world(price=48.0, dynamics=dyn), 6)
    assert dearer < base


def test_value_received_keeps_members():
    def churned(effect):
        dyn = {"enabled": True, "plans": {"pro": {"churn_per_month": 0.1, "churn_value_effect": effect}}}
        return simulate(world(dynamics=dyn), seed=2).by_plan["pro"]["cancellations"]

    assert churned(1.0) < churned(0.0)


def test_switches_move_members_and_credits_do_not_follow():
    dyn = {"enabled": True, "plans": {"basic": {"switch_to": {"pro": 0.05}}}}
    result = simulate(world(dynamics=dyn), seed=4)
    basic, pro = result.by_plan["basic"], result.by_plan["pro"]
    assert basic["plan_switches_out"] > 50 and basic["plan_switches_out"] == pro["plan_switches_in"]
    assert pro["subscribers_end"] == 100 + pro["plan_switches_in"]
    assert basic["credits_lost_cancellation"] > 0  # Premium-style plans forfeit the balance on leaving


def test_withdrawn_plan_moves_everyone_on_the_day():
    dyn = {"enabled": True, "withdrawals": [{"plan": "basic", "at_day": 100, "move_to": "pro"}]}
    result = simulate(world(dynamics=dyn), seed=4)
    assert result.by_plan["basic"]["subscribers_end"] == 0
    assert result.by_plan["pro"]["subscribers_end"] == 400
    month = int(100 / DAYS_PER_MONTH)
    rows = [r for r in result.timeseries if r["plan"] == "basic"]
    assert rows[month]["switches_out"] == 300 and rows[month + 1]["attempted"] == 0


def test_subscriber_identity_is_checked():
    result = simulate(world(dynamics={"enabled": True, "plans": {"basic": {"arrivals_per_month": 5}}}), seed=1)
    m = dict(result.metrics)
    check_identities(m)
    m["subscribers_end"] += 1
    with pytest.raises(AccountingError, match="subscribers"):
        check_identities(m)


def test_annual_members_cancel_only_at_renewal():
    dyn = {"enabled": True, "plans": {"basic": {"churn_per_month": 0.2}}}
    result = simulate(world(dynamics=dyn, months=11, billing="annual", annual_discount=0.2), seed=1)
    assert result.by_plan["basic"]["cancellations"] == 0
    assert result.by_plan["basic"]["mrr"] == pytest.approx(300 * 40.0 * 0.8)


def test_a_free_plan_with_a_negative_arrival_elasticity_is_refused_at_construction():
    dyn = {"enabled": True, "plans": {"basic": {"reference_price": 40.0, "arrival_price_elasticity": -1.0}}}
    with pytest.raises(ValueError, match="arrivals would be infinite"):
        simulate(world(price=0.0, dynamics=dyn), seed=1)
