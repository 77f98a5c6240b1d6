"""Reading validation statistics from a replication result, and refusing results outside a case's assumptions."""
import pickle

import pytest

from sim.metrics import ReplicationResult
from sim.validation import statistics as stat


def _result(**metrics):
    timeseries = [
        {"month": 0, "month_start_day": 0.0, "responded": 1, "delivered": 10, "credits_granted": 5,
         "credits_expired": 0, "credits_forfeited_cap": 0, "credits_balance_end": 5},
        {"month": 1, "month_start_day": 30.4375, "responded": 3, "delivered": 10, "credits_granted": 5,
         "credits_expired": 0, "credits_forfeited_cap": 2, "credits_balance_end": 8},
        {"month": 2, "month_start_day": 60.875, "responded": 5, "delivered": 10, "credits_granted": 5,
         "credits_expired": 0, "credits_forfeited_cap": 5, "credits_balance_end": 8},
    ]
    base = {"open_rate": 0.5, "inmails_bounced_inbox_full": 1, "inmails_delivered": 3, "credits_granted": 10}
    return ReplicationResult({**base, **metrics}, {}, timeseries, {})


def test_metric_ratio_and_scaled_read_the_headline_metrics():
    r = _result()
    assert stat.metric("open_rate")(r) == 0.5
    assert stat.ratio(("inmails_bounced_inbox_full",), ("inmails_bounced_inbox_full", "inmails_delivered"))(r) == 0.25
    assert stat.scaled("credits_granted", 0.5)(r) == 5.0
    with pytest.raises(stat.AssumptionBroken, match="is 0"):
        stat.ratio(("open_rate",), ("inmails_evicted",))(_result(inmails_evicted=0))


def test_flow_ratio_skips_the_months_before_its_first_day():
    r = _result()
    assert stat.flow_ratio("responded", "delivered", 30.4375)(r) == pytest.approx(8 / 20)
    assert stat.flow_ratio("responded", "delivered", 0.0)(r) == pytest.approx(9 / 30)
    with pytest.raises(stat.AssumptionBroken, match="no delivered"):
        stat.flow_ratio("responded", "delivered", 100.0)(r)


def test_requiring_zero_refuses_a_replication_outside_the_theory():
    guarded = stat.requiring_zero(("inmails_bounced_inbox_full",), stat.metric("open_rate"))
    assert stat.requiring_zero(("credits_lost",), stat.metric("open_rate"))(_result(credits_lost=0)) == 0.5
    with pytest.raises(stat.AssumptionBroken, match="inmails_bounced_inbox_full=1"):
        guarded(_result())


def test_schedule_deviation_sums_every_credit_off_the_schedule():
    per_member = [
        {"granted": 5, "expired": 0, "forfeited": 0, "balance_end": 5},
        {"granted": 5, "expired": 0, "forfeited": 2, "balance_end": 8},
        {"granted": 5, "expired": 0, "forfeited": 5, "balance_end": 8},
    ]
    assert stat.schedule_deviation(per_member, 1)(_result()) == 0
    per_member[2] = {"granted": 5, "expired": 1, "forfeited": 4, "balance_end": 7}
    assert stat.schedule_deviation(per_member, 1)(_result()) == 3
    with pytest.raises(stat.AssumptionBroken, match="months"):
        stat.schedule_deviation(per_member[:2], 1)(_result())


def test_statistics_survive_the_trip_to_a_worker_process():
    statistic = stat.requiring_zero(("x",), stat.flow_ratio("responded", "delivered", 0.0))
    again = pickle.loads(pickle.dumps(statistic))
    assert again(_result(x=0)) == statistic(_result(x=0))
