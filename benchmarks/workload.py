"""The benchmark workload: one generated scenario, the single definition both the engine and the naive model run.

It switches on every rule of the foundation issue that the straightforward reference model also implements: a plan
with monthly credits, a balance cap, a 90-day credit lifetime and staggered anniversary refreshes; Poisson wishes to
send that wait for a credit when there is none; follow-ups to the previous recipient; uniform targeting over ten
recipients per sender; subject and body limits and an HTML ban; small inboxes that bounce (and refund) when full;
recipients who check at Poisson times, open with one probability while an InMail is fresh and another after, and
respond after a delay with a probability scaled by body length and send day; unanswered InMails deleted after seven
days (the article's rule); credits refunded on a response within 90 days.

The figures follow the issue's simplified rule set (5 credits a month, 4 InMails a month per sender), with two
changes so that every rule is exercised at every size: the cap is 10, not 15 (with a 90-day lifetime a balance
never exceeds three grants, so a cap of 15 would never bind), and inboxes hold 2 conversations (with ten
recipients per sender an inbox of 500 would never fill, and nothing would bounce).
"""
from __future__ import annotations

from sim.scenario.schema import Scenario

BENCH_PLAN = "bench"
BENCH_SEED = 20240601


def benchmark_scenario_dict(
    senders: int, recipients_per_sender: float = 10, days: float = 365, seed: int = BENCH_SEED
) -> dict:
    """The scenario as plain data (what a YAML file would hold), for `senders` senders over `days` days."""
    if senders < 1:
        raise ValueError(f"senders must be >= 1, got {senders}")
    if recipients_per_sender <= 0:
        raise ValueError(f"recipients_per_sender must be > 0, got {recipients_per_sender}")
    if days <= 0:
        raise ValueError(f"days must be > 0, got {days}")
    return {
        "name": f"bench_{senders}",
        "description": "generated benchmark workload (benchmarks/workload.py)",
        "seed": seed,
        "horizon_days": days,
        "warmup_days": 0,
        "population": {"senders": senders, "recipients": max(1, round(senders * recipients_per_sender))},
        "plans": {
            BENCH_PLAN: {
                "price_per_month": 39.99,
                "credits_per_month": 5,
                "balance_cap": 10,
                "credit_lifetime_days": 90,
                "refresh": "anniversary",
                "on_cancel": "forfeit",
                "initial_credits": 0,
                "inmails_per_month": 4.0,
            }
        },
        "plan_mix": {BENCH_PLAN: 1.0},
        "sending": {"when_out_of_credits": "wait", "max_wait_days": None, "followup_probability": 0.1},
        "targeting": {"kind": "uniform"},
        "messages": {
            "subject_limit_chars": 200,
            "body_limit_chars": 2000,
            "html_allowed": False,
            "html_probability": 0.01,
            "subject_length_chars": {"dist": "lognormal", "mean": 50, "sd": 25},
            "body_length_chars": {"dist": "lognormal", "mean": 800, "sd": 400},
        },
        "inbox": {
            "capacity": 2,
            "when_full": "bounce",
            "unread_window_hours": 48,
            "response_window_days": 7,
            "answered_slot_days": 30,
        },
        "recipients": {
            "checks_per_day": {"dist": "gamma", "mean": 1.0, "sd": 0.7},
            "open_probability_fresh": 0.6,
            "open_probability_late": 0.15,
            "reply_probability": 0.12,
            "accept_probability": 0.06,
            "decline_probability": 0.04,
            "response_delay_days": {"dist": "lognormal", "mean": 2.0, "sd": 3.0},
            "body_length_factors": [
                {"max_chars": 400, "factor": 1.22},
                {"max_chars": 800, "factor": 1.03},
                {"max_chars": 1200, "factor": 0.94},
                {"max_chars": None, "factor": 0.89},
            ],
            # Monday first; Friday and Saturday worst (Saturday -16%), Monday slightly best
            "send_day_factors": [1.04, 1.0, 1.0, 1.0, 0.93, 0.84, 0.95],
        },
        "refund": {"policy": "on_response", "window_days": 90, "lot": "original"},
        "subscribers": {"enabled": False},  # membership dynamics (issue 8) are not part of the speed goal
    }


def benchmark_scenario(
    senders: int, recipients_per_sender: float = 10, days: float = 365, seed: int = BENCH_SEED
) -> Scenario:
    """The validated scenario for `senders` senders, for `sim.world.engine.simulate` and `simulate_naive` alike."""
    return Scenario.model_validate(benchmark_scenario_dict(senders, recipients_per_sender, days, seed))
