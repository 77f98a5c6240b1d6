"""The compiled engine against the Python engine (the reference model): the same scenario and seed must give the same
result, every integer equal and every float equal to summation order, over the rules the compiled engine supports."""
import math
from pathlib import Path

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.scenario import load_scenario
from sim.scenario.schema import DAYS_PER_MONTH, Scenario
from sim.streams import replication_seed
from sim.world.compiled import simulate_compiled, unsupported
from sim.world.engine import World, simulate

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = sorted((ROOT / "scenarios").glob("*.yaml"))


def differences(a, b, where: str = "") -> list[str]:
    """Where two results differ: integers (and strings, flags) exactly, floats beyond 1e-9 relative."""
    if isinstance(a, dict):
        if set(a) != set(b):
            return [f"{where}: keys {sorted(set(a) ^ set(b))}"]
        return [d for k in a for d in differences(a[k], b[k], f"{where}.{k}")]
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{where}: length {len(a)} != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{where}[{i}]")]
    if isinstance(a, float) or isinstance(b, float):
        if a is not None and b is not None and math.isnan(a) and math.isnan(b):
            return []  # a ratio with nothing under it, in both
        if a is None or b is None or not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
            return [f"{where}: {a!r} != {b!r}"]
        return []
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def both(scenario: Scenario, seed: int = 1):
    root = replication_seed(seed, 0)
    assert unsupported(scenario) == []
    python, compiled = World(scenario, root).run(), simulate_compiled(scenario, root)
    assert python.stats["engine"] == "python" and compiled.stats["engine"] == "compiled"
    assert compiled.stats["inmails_attempted_all"] == python.stats["inmails_attempted_all"]
    a, b = python.to_dict(), compiled.to_dict()
    a.pop("stats"), b.pop("stats")
    return a, b


def assert_same(scenario: Scenario, seed: int = 1) -> dict:
    python, compiled = both(scenario, seed)
    diff = differences(python, compiled)
    assert not diff, f"{len(diff)} differences, first: {diff[:5]}"
    return python


def small(path: Path, **over) -> Scenario:
    """A library scenario at a size a test can afford (its rules unchanged)."""
    data = load_scenario(path).model_dump()
    data["population"] = {"senders": 600, "recipients": 6000}
    data["horizon_days"] = min(data["horizon_days"], 200.0)
    data["warmup_days"] = min(data["warmup_days"], 40.0)
    for name, dyn in data["subscribers"]["plans"].items():
        dyn["arrivals_per_month"] = dyn["arrivals_per_month"] * 600 / load_scenario(path).population.senders
    data.update(over)
    return Scenario.model_validate(data)


def base(**over) -> Scenario:
    data = {
        "name": "compiled", "horizon_days": 150, "warmup_days": 20,
        "population": {"senders": 300, "recipients": 900},
        "plans": {
            "basic": {"credits_per_month": 3, "balance_cap": 6, "credit_lifetime_days": 45, "inmails_per_month": 5},
            "pro": {"credits_per_month": 10, "balance_cap": 30, "refresh": "first_of_month", "initial_credits": 4,
                    "inmails_per_month": 8, "price_per_month": 80},
        },
        "plan_mix": {"basic": 0.6, "pro": 0.4},
        "inbox": {"capacity": 4, "response_window_days": 7, "answered_slot_days": 10},
        "sending": {"followup_probability": 0.3},
    }
    for key, value in over.items():
        node = data
        parts = key.split("__")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return Scenario.model_validate(data)


@pytest.mark.parametrize("path", LIBRARY, ids=[p.stem for p in LIBRARY])
def test_every_library_scenario_gives_the_python_engines_result(path):
    assert_same(small(path), seed=2)


def test_seed_article_at_full_size_gives_the_python_engines_result():
    assert_same(load_scenario(ROOT / "scenarios" / "seed_article.yaml"), seed=1)


RULES = {
    "waiting for credit, bouncing inboxes": {},
    "drop when out of credit": {"sending__when_out_of_credits": "drop"},
    "waits give up": {"sending__max_wait_days": 3.0},
    "no refunds": {"refund__policy": "none"},
    "refund without a response, short window": {"refund__policy": "on_no_response", "refund__window_days": 5},
    "refund on a response within 2 days": {"refund__policy": "on_response", "refund__window_days": 2},
    "every InMail a follow-up": {"sending__followup_probability": 1.0},
    "one recipient, one slot": {"population__recipients": 1, "inbox__capacity": 1},
    "conversations never leave": {"inbox__response_window_days": None, "inbox__answered_slot_days": None,
                                  "inbox__capacity": 500},
    "answered conversations leave at once": {"inbox__answered_slot_days": 0},
    "shorter than a month": {"horizon_days": 20, "warmup_days": 3.5},
    "lifetime of exactly three refreshes": {"plans__basic__credit_lifetime_days": 3 * DAYS_PER_MONTH},
    "credits that never expire": {"plans__basic__credit_lifetime_days": None, "plans__pro__balance_cap": None},
    "credits that last a year": {"plans__pro__credit_lifetime_days": 365, "plans__pro__balance_cap": 80},
    "a cap of 0 and initial credits": {"plans__basic__balance_cap": 0, "plans__basic__initial_credits": 2,
                                       "plans__pro__balance_cap": 0},
    "popular recipients (Zipf)": {"targeting__kind": "zipf", "targeting__exponent": 1.2,
                                  "inbox__capacity": 30},
}


@pytest.mark.parametrize("over", RULES.values(), ids=RULES.keys())
def test_each_rule_gives_the_python_engines_result(over):
    assert_same(base(**over), seed=3)


DYNAMICS = {
    "joins, churn and switches": {"enabled": True, "plans": {
        "basic": {"arrivals_per_month": 15, "churn_per_month": 0.05, "switch_to": {"pro": 0.03}},
        "pro": {"arrivals_per_month": 5, "churn_per_month": 0.04}}},
    "churn that depends on responses": {"enabled": True, "value_lookback_months": 2, "plans": {
        "basic": {"arrivals_per_month": 10, "churn_per_month": 0.2, "churn_value_effect": 0.8}}},
    "a withdrawn plan": {"enabled": True, "plans": {"basic": {"arrivals_per_month": 10, "churn_per_month": 0.02}},
                         "withdrawals": [{"plan": "basic", "at_day": 70.5, "move_to": "pro"}]},
}


@pytest.mark.parametrize("dynamics", DYNAMICS.values(), ids=DYNAMICS.keys())
def test_subscriber_dynamics_give_the_python_engines_result(dynamics):
    assert_same(base(subscribers=dynamics), seed=4)


def test_credits_kept_to_the_end_of_the_cycle_and_annual_billing_give_the_python_engines_result():
    sc = base(plans__basic__on_cancel="keep_until_cycle_end", plans__pro__billing="annual",
              plans__pro__annual_discount=0.2, horizon_days=400,
              subscribers={"enabled": True, "plans": {"basic": {"arrivals_per_month": 8, "churn_per_month": 0.3},
                                                      "pro": {"churn_per_month": 0.5}}})
    assert_same(sc, seed=5)


def test_a_paid_cycle_that_ends_on_a_month_boundary_ends_before_the_month_is_decided():
    # the end-of-cycle event and the wish process's pause land on the 1st of the month within a rounding of each
    # other: SimPy's order (time as it computes it, then scheduling order) decides who is a member in the new month
    sc = Scenario.model_validate({
        "name": "boundary", "horizon_days": 96, "population": {"senders": 1, "recipients": 1},
        "plans": {"p0": {"refresh": "first_of_month", "on_cancel": "keep_until_cycle_end"}}, "plan_mix": {"p0": 1},
        "subscribers": {"enabled": True, "plans": {"p0": {"arrivals_per_month": 40, "churn_per_month": 1}}}})
    assert_same(sc, seed=185152)


def test_a_crowded_inbox_grows_its_arena_chunk_and_stays_exact():
    sc = base(population__recipients=2, inbox__capacity=5000, inbox__response_window_days=60)
    python = assert_same(sc, seed=6)
    assert max(python["distributions"]["inbox_occupancy_end"]["edges"]) > 200  # hundreds in one inbox


def test_auto_picks_the_compiled_engine_and_python_stays_available():
    sc = base()
    assert simulate(sc, seed=1).stats["engine"] == "compiled"
    assert simulate(sc.model_copy(update={"engine": "python"}), seed=1).stats["engine"] == "python"
    evicting = base(inbox__when_full="evict_oldest")
    assert simulate(evicting, seed=1).stats["engine"] == "python"  # auto falls back for a rule it lacks
    with pytest.raises(ValueError, match="compiled engine cannot run it"):
        simulate(evicting.model_copy(update={"engine": "compiled"}), seed=1)


def test_unsupported_names_each_rule_the_compiled_engine_lacks():
    assert unsupported(base(plans__basic__credit_lifetime_days=None, plans__pro__credit_lifetime_days=1800)) == []
    assert unsupported(base(refund__policy="none", refund__lot="new"))  # bounces are refunded under every policy
    reasons = unsupported(base(inbox__when_full="evict_oldest", refund__lot="new",
                               plans__pro__credit_lifetime_days=62 * DAYS_PER_MONTH))
    assert len(reasons) == 3
    assert any("evict_oldest" in r for r in reasons) and any("refund.lot" in r for r in reasons)
    assert any("plans.pro" in r and "62 months" in r for r in reasons)


def test_asking_for_the_compiled_engine_on_a_scenario_it_cannot_run_is_a_scenario_error(tmp_path):
    path = tmp_path / "evict.yaml"
    path.write_text("name: evict\nengine: compiled\ninbox:\n  when_full: evict_oldest\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    assert "evict.yaml:2" in text and "engine" in text and "evict_oldest" in text


def test_the_same_seed_gives_the_same_numbers_and_another_seed_other_numbers():
    sc = base()
    first, again = simulate_compiled(sc, replication_seed(9, 0)), simulate_compiled(sc, replication_seed(9, 0))
    other = simulate_compiled(sc, replication_seed(9, 1))
    assert first.metrics == again.metrics and first.timeseries == again.timeseries
    assert first.metrics != other.metrics


def test_a_run_checks_its_conservation_laws():
    result = simulate_compiled(base(), replication_seed(1, 0))
    m = result.metrics
    assert m["credits_initial"] + m["credits_granted"] + m["credits_refunded"] - m["credits_spent"] \
        - m["credits_expired"] - m["credits_forfeited_cap"] - m["credits_lost_cancellation"] \
        == m["credits_balance_end"]
    assert sum(np.asarray(result.distributions["inbox_occupancy_end"]["counts"])) == 900
