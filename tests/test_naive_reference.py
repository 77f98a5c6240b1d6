"""The naive SimPy reference model (benchmarks/naive_simpy.py) models the same world as the engine.

The benchmark divides the engine's speed by the naive model's; that ratio only means something if both simulate the
same rules. Here both run the benchmark workload at a small size over several seeded replications, and every rate
must agree within about 4 standard errors of the difference of the two means.
"""
from __future__ import annotations

import math
import statistics
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/ is not part of the installed package

from benchmarks.naive_simpy import check_supported, simulate_naive  # noqa: E402
from benchmarks.workload import benchmark_scenario, benchmark_scenario_dict  # noqa: E402
from sim.scenario.schema import DAYS_PER_MONTH, Scenario  # noqa: E402

SENDERS, DAYS, REPLICATIONS, SEED = 300, 90, 16, 4242
TOLERANCE_SE = 4.0


SENDER_MONTHS = SENDERS * DAYS / DAYS_PER_MONTH
RATES = {  # the rates the speed comparison relies on, from one replication's headline counts
    "open_rate": lambda m: m["inmails_opened"] / m["inmails_delivered"],
    "response_rate": lambda m: m["inmails_responded"] / m["inmails_delivered"],
    "bounce_share": lambda m: m["inmails_bounced_inbox_full"] / (
        m["inmails_bounced_inbox_full"] + m["inmails_delivered"]),
    "rejected_share": lambda m: m["inmails_rejected_invalid"] / m["inmails_attempted"],
    "refund_share": lambda m: m["credits_refunded"] / m["credits_spent"],
    "credits_spent_per_sender_month": lambda m: m["credits_spent"] / SENDER_MONTHS,
    "credits_forfeited_per_sender_month": lambda m: m["credits_forfeited_cap"] / SENDER_MONTHS,
    "credits_expired_per_sender_month": lambda m: m["credits_expired"] / SENDER_MONTHS,
}


def rates(metrics: dict) -> dict[str, float]:
    return {name: rate(metrics) for name, rate in RATES.items()}


def naive_rates(scenario: Scenario) -> list[dict[str, float]]:
    return [rates(simulate_naive(scenario, SEED, r)["metrics"]) for r in range(REPLICATIONS)]


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return benchmark_scenario(SENDERS, days=DAYS)


@pytest.fixture(scope="module")
def engine_replications(scenario) -> list[dict[str, float]]:
    from sim.world.engine import simulate

    return [rates(simulate(scenario, SEED, r).metrics) for r in range(REPLICATIONS)]


@pytest.fixture(scope="module")
def naive_replications(scenario) -> list[dict[str, float]]:
    return naive_rates(scenario)


def z_score(a: list[dict], b: list[dict], rate: str) -> float:
    """Difference of the two means in standard errors of that difference."""
    xs, ys = [r[rate] for r in a], [r[rate] for r in b]
    se = math.sqrt(statistics.variance(xs) / len(xs) + statistics.variance(ys) / len(ys))
    assert se > 0, f"{rate} did not vary between replications: the workload does not exercise it"
    return (statistics.fmean(xs) - statistics.fmean(ys)) / se


@pytest.mark.parametrize("rate", list(RATES))
def test_naive_model_and_engine_give_the_same_rates(rate, engine_replications, naive_replications):
    z = z_score(engine_replications, naive_replications, rate)
    engine_mean = statistics.fmean(r[rate] for r in engine_replications)
    naive_mean = statistics.fmean(r[rate] for r in naive_replications)
    assert abs(z) <= TOLERANCE_SE, f"{rate}: engine {engine_mean:.5f}, naive {naive_mean:.5f}, {z:+.1f} SE apart"


def test_comparison_detects_a_small_change_of_rule(engine_replications):
    # the same check must fail when the naive model opens a little less often: the tolerance is not too loose
    data = benchmark_scenario_dict(SENDERS, days=DAYS)
    data["recipients"]["open_probability_fresh"] = 0.5
    z = z_score(engine_replications, naive_rates(Scenario.model_validate(data)), "open_rate")
    assert z > TOLERANCE_SE


def test_naive_model_accounts_for_every_credit_and_inmail(scenario):
    m = simulate_naive(scenario, SEED, 0)["metrics"]
    credits_in = m["credits_initial"] + m["credits_granted"] + m["credits_refunded"]
    credits_out = (m["credits_spent"] + m["credits_expired"] + m["credits_forfeited_cap"]
                   + m["credits_lost_cancellation"] + m["credits_balance_end"])
    assert credits_in == credits_out
    assert m["inmails_attempted"] == (m["inmails_rejected_invalid"] + m["inmails_blocked_no_credit"]
                                      + m["inmails_bounced_inbox_full"] + m["inmails_delivered"])
    assert m["inmails_delivered"] == m["inmails_responded"] + m["inmails_expired_unanswered"] + m["inmails_pending_end"]
    assert m["inmails_responded"] == m["inmails_replied"] + m["inmails_accepted"] + m["inmails_declined"]


def test_naive_model_starts_every_sender_with_one_grant(scenario):
    m = simulate_naive(scenario, SEED, 0)["metrics"]
    assert m["credits_initial"] == SENDERS * scenario.plans["bench"].credits_per_month


def test_naive_model_is_reproducible_and_counts_its_events(scenario):
    first, again = simulate_naive(scenario, SEED, 1), simulate_naive(scenario, SEED, 1)
    other = simulate_naive(scenario, SEED, 2)
    assert first["metrics"] == again["metrics"]
    assert first["metrics"] != other["metrics"]
    assert first["stats"]["events"] > first["metrics"]["inmails_attempted"]


@pytest.mark.parametrize("key, value, named", [
    (("targeting", "kind"), "zipf", "targeting.kind"),
    (("inbox", "when_full"), "evict_oldest", "inbox.when_full"),
    (("refund", "policy"), "on_no_response", "refund.policy"),
    (("warmup_days",), 10, "warmup_days"),
    (("subscribers", "enabled"), True, "subscribers.enabled"),
])
def test_naive_model_refuses_rules_it_does_not_implement(key, value, named):
    data = benchmark_scenario_dict(10, days=30)
    node = data
    for part in key[:-1]:
        node = node.setdefault(part, {})
    node[key[-1]] = value
    with pytest.raises(ValueError, match=named):
        check_supported(Scenario.model_validate(data))


@pytest.mark.parametrize("senders, recipients_per_sender, days, named", [
    (0, 10, 365, "senders"), (10, 0, 365, "recipients_per_sender"), (10, 10, 0, "days"),
])
def test_workload_refuses_empty_sizes(senders, recipients_per_sender, days, named):
    with pytest.raises(ValueError, match=named):
        benchmark_scenario_dict(senders, recipients_per_sender, days)
