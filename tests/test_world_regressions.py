"""Regressions found in review: the horizon is half-open, common random numbers hold across plans and components,
the wait queue gives up on time and wakes on every new credit, and cancelled members are not subscribers."""
import copy

from sim.scenario.schema import DAYS_PER_MONTH as D
from sim.scenario.schema import Scenario
from sim.streams import replication_seed
from sim.world.engine import World, simulate

FLOW = ("inmails_attempted", "inmails_delivered", "inmails_opened", "inmails_responded")


def merge(a, b):
    out = copy.deepcopy(a)
    for key, value in b.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def scenario(**over):
    return Scenario.model_validate(merge({"name": "regression", "horizon_days": 6 * D,
                                          "population": {"senders": 200, "recipients": 2000}}, over))


def run_until(sc, until, seed=1):
    """The world's processes run to `until`, not closed, to inspect its state."""
    world = World(sc, replication_seed(seed, 0))
    world.env.process(world._wishes())
    world.env.run(until=until)
    return world


def two_plans(dyn, horizon=3 * D, keep=True):
    return scenario(
        horizon_days=horizon,
        plans={"a": {"price_per_month": 50, "credits_per_month": 5, "inmails_per_month": 2,
                     "on_cancel": "keep_until_cycle_end" if keep else "forfeit"},
               "b": {"price_per_month": 80, "credits_per_month": 10, "inmails_per_month": 2}},
        plan_mix={"a": 0.5, "b": 0.5},
        subscribers=dict(enabled=True, **dyn),
    )


def test_a_refresh_at_the_horizon_is_not_part_of_the_run():
    sc = scenario(horizon_days=3 * D, plans={"p": {"credits_per_month": 1, "balance_cap": None,
                                                   "refresh": "first_of_month", "inmails_per_month": 10}},
                  plan_mix={"p": 1.0}, refund={"policy": "none"})
    result = simulate(sc, seed=1)
    grants = [row["credits_granted"] for row in result.timeseries]
    assert grants == [grants[0]] * 3


def test_credits_initial_is_zero_without_warmup():
    assert simulate(scenario(plans={"p": {}}, plan_mix={"p": 1.0}), seed=1).metrics["credits_initial"] == 0


def test_subject_lengths_do_not_shift_body_lengths():
    base = simulate(scenario(horizon_days=3 * D, messages={"subject_limit_chars": 10**6}), seed=1).metrics
    variant = simulate(scenario(horizon_days=3 * D, messages={
        "subject_limit_chars": 10**6, "subject_length_chars": {"dist": "fixed", "value": 50}}), seed=1).metrics
    assert {k: base[k] for k in FLOW} == {k: variant[k] for k in FLOW}


def dynamic(price_a, b_dynamics=True):
    plans = {"a": {"arrivals_per_month": 20, "arrival_price_elasticity": -2, "reference_price": 50}}
    if b_dynamics:
        plans["b"] = {"arrivals_per_month": 20, "churn_per_month": 0.05}
    return scenario(plans={"a": {"price_per_month": price_a, "inmails_per_month": 2},
                           "b": {"price_per_month": 80, "inmails_per_month": 2}},
                    plan_mix={"a": 0.5, "b": 0.5}, subscribers={"enabled": True, "plans": plans})


def test_one_plans_price_leaves_another_plans_members_and_messages_alone():
    base, variant = simulate(dynamic(50), seed=1).by_plan["b"], simulate(dynamic(60), seed=1).by_plan["b"]
    assert base["new_subscribers"] == variant["new_subscribers"]
    base, variant = (simulate(dynamic(p, b_dynamics=False), seed=2) for p in (50, 60))
    assert base.by_plan["a"]["subscribers_end"] != variant.by_plan["a"]["subscribers_end"]
    assert base.by_plan["b"]["inmails_attempted"] == variant.by_plan["b"]["inmails_attempted"]
    assert base.by_plan["b"]["inmails_responded"] == variant.by_plan["b"]["inmails_responded"]


def test_a_waiting_wish_gives_up_when_its_wait_runs_out():
    sc = scenario(horizon_days=2 * D, plans={"p": {"credits_per_month": 0, "inmails_per_month": 10}},
                  plan_mix={"p": 1.0}, sending={"max_wait_days": 1.0})
    result = simulate(sc, seed=1)
    m = result.metrics
    assert m["inmails_waiting_end"] < 0.1 * m["inmails_blocked_no_credit"]
    assert result.timeseries[0]["blocked_no_credit"] > 0


def test_a_refund_caused_by_an_eviction_wakes_the_waiting_sender():
    horizon = 60.0
    sc = scenario(
        horizon_days=horizon, population={"senders": 20, "recipients": 1},
        plans={"p": {"credits_per_month": 0, "initial_credits": 1, "inmails_per_month": 30,
                     "credit_lifetime_days": None}},
        plan_mix={"p": 1.0}, sending={"followup_probability": 0.0},
        inbox={"capacity": 1, "when_full": "evict_oldest"}, refund={"policy": "on_no_response", "window_days": 7},
        recipients={"checks_per_day": {"dist": "fixed", "value": 100}, "open_probability_fresh": 1.0,
                    "reply_probability": 1.0, "accept_probability": 0.0, "decline_probability": 0.0,
                    "response_delay_days": {"dist": "fixed", "value": 5}},
    )
    world = run_until(sc, horizon, seed=1)
    stuck = []
    for s, queue in world.waiting.items():
        world.ledgers[s].advance(horizon - 1)
        if queue and world.ledgers[s].balance > 0 and queue[0][0] < horizon - 1:
            stuck.append(s)
    assert stuck == []


def test_members_who_cancelled_are_not_subscribers_nor_moved_nor_switched():
    m = simulate(two_plans({"plans": {"a": {"churn_per_month": 1.0}}}, horizon=D - 0.5), seed=5).by_plan["a"]
    assert m["subscribers_end"] < 10 and m["cancellations"] > 90 and m["mrr"] == m["subscribers_end"] * 50
    sc = two_plans({"plans": {"a": {"churn_per_month": 1.0}}, "withdrawals": [{"plan": "a", "at_day": 25,
                                                                              "move_to": "b"}]})
    result = simulate(sc, seed=1)
    a, b = result.by_plan["a"], result.by_plan["b"]
    assert a["plan_switches_out"] == b["plan_switches_in"] == 100 - a["cancellations"]
    sc = two_plans({"plans": {"a": {"churn_per_month": 0.5, "switch_to": {"b": 0.5}}}}, horizon=2 * D)
    a = simulate(sc, seed=2).by_plan["a"]
    assert a["cancellations"] + a["plan_switches_out"] + a["subscribers_end"] == 100


def test_a_withdrawn_plan_takes_no_switches_and_its_destination_has_room_for_all():
    sc = two_plans({"plans": {"b": {"switch_to": {"a": 0.5}}}, "withdrawals": [{"plan": "a", "at_day": 10,
                                                                                "move_to": "b"}]},
                   horizon=4 * D, keep=False)
    assert simulate(sc, seed=3).by_plan["a"]["subscribers_end"] == 0
    sc = two_plans({"plans": {"a": {"arrivals_per_month": 100}}, "withdrawals": [{"plan": "a", "at_day": 28,
                                                                                 "move_to": "b"}]}, keep=False)
    world = run_until(sc, 29, seed=4)
    b = world.pop.plan_names.index("b")
    assert len(world.members.active[b]) <= world.members.capacity[b]


def test_top_recipients_report_evictions():
    sc = scenario(horizon_days=2 * D, inbox={"capacity": 2, "when_full": "evict_oldest"},
                  targeting={"kind": "zipf", "exponent": 1.5})
    top = simulate(sc, seed=1).distributions["top_recipients"]
    assert top[0]["evicted"] > 0 and set(top[0]) == {"recipient", "delivered", "bounced", "evicted", "days_full"}


def wishes_of_first_members(sc, plan, monkeypatch):
    """(time, slot, target, body-length factor) of every wish drawn for the first members of `plan`."""
    import sim.world.wishes as wishes_module

    got = []
    original = wishes_module.WishStream._block_window

    def spy(self, p, block, window, t0, t1):
        part = original(self, p, block, window, t0, t1)
        if part is not None and self.world.pop.plan_names[p] == plan:
            keep = part[2] < self.world.pop.plan_sizes[p]
            got.extend(zip(part[0][keep].tolist(), part[2][keep].tolist(), part[5][keep].tolist(),
                           part[11][keep].tolist()))
        return part

    monkeypatch.setattr(wishes_module.WishStream, "_block_window", spy)
    World(sc, replication_seed(1, 0)).run()
    monkeypatch.undo()
    return got


def test_switches_from_another_plan_leave_this_plans_wishes_alone(monkeypatch):
    def arm(price_a):
        return scenario(horizon_days=3 * D,
                        plans={"a": {"price_per_month": price_a, "inmails_per_month": 2},
                               "b": {"price_per_month": 80, "inmails_per_month": 2}},
                        plan_mix={"a": 0.5, "b": 0.5},
                        subscribers={"enabled": True, "plans": {"a": {
                            "reference_price": 50, "churn_price_elasticity": 2.0, "switch_to": {"b": 0.1}}}})

    base = wishes_of_first_members(arm(50), "b", monkeypatch)
    variant = wishes_of_first_members(arm(60), "b", monkeypatch)
    assert len(base) > 500 and base == variant


def test_a_withdrawal_into_a_withdrawn_plan_follows_it_and_leaves_room():
    sc = scenario(horizon_days=3 * D,
                  plans={"a": {"inmails_per_month": 2}, "b": {"inmails_per_month": 2}, "c": {"inmails_per_month": 2}},
                  plan_mix={"a": 0.4, "b": 0.4, "c": 0.2},
                  subscribers={"enabled": True, "withdrawals": [{"plan": "b", "at_day": 10, "move_to": "c"},
                                                                {"plan": "a", "at_day": 40, "move_to": "b"}]})
    result = simulate(sc, seed=1)
    assert result.by_plan["b"]["subscribers_end"] == 0 and result.by_plan["c"]["subscribers_end"] == 200
    sc = scenario(horizon_days=2 * D,
                  plans={"a": {"inmails_per_month": 2}, "b": {"inmails_per_month": 2}, "c": {"inmails_per_month": 2}},
                  plan_mix={"a": 0.4, "b": 0.4, "c": 0.2},
                  subscribers={"enabled": True, "withdrawals": [{"plan": "b", "at_day": 20, "move_to": "c"},
                                                                {"plan": "a", "at_day": 10, "move_to": "b"}]})
    world = run_until(sc, 25, seed=1)
    c = world.pop.plan_names.index("c")
    assert len(world.members.active[c]) == 200 <= world.members.capacity[c]


def test_a_first_of_month_joiner_holds_its_grant_plus_initial_credits():
    sc = scenario(horizon_days=2 * D, plans={"p": {"credits_per_month": 5, "balance_cap": 15, "initial_credits": 20,
                                                   "refresh": "first_of_month", "inmails_per_month": 0}},
                  plan_mix={"p": 1.0}, subscribers={"enabled": True, "plans": {"p": {"arrivals_per_month": 20}}})
    world = run_until(sc, 20.0)
    joiners = world.ledgers[200:]
    assert joiners and all(ledger.balance == 25 for ledger in joiners)


def test_a_finished_world_is_freed_before_the_next_one_runs():
    import gc
    import weakref

    sc = scenario(horizon_days=D)
    first = World(sc, replication_seed(1, 0))
    first.run()
    ref = weakref.ref(first)
    del first
    alive = []
    second = World(sc, replication_seed(1, 1))
    second.env.process((lambda: (alive.append(ref() is not None), (yield second.env.timeout(1))))())
    second.run()
    assert alive == [False] and gc.isenabled()
