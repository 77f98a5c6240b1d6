"""Validation cases for credits: the deterministic schedule of a member who never sends, and the credits wasted by
members with Poisson demand, against the Markov chain of `credit_chain`.
"""
from __future__ import annotations

import math

from . import statistics as stat
from .case import MONTH, Case, Measure, scenario
from .credit_chain import CreditChain, CreditRules, zero_demand_schedule

MIXED = 1e-3
"""Largest total-variation distance from the stationary law accepted at the end of a warm-up when a case compares
with the long-run value: the bias it allows in a share is below a tenth of a typical standard error."""


def rules_label(rules: CreditRules) -> str:
    cap = "no cap" if rules.cap is None else f"cap {rules.cap}"
    if rules.lifetime_days is None:
        life = "no expiry"
    elif rules.lifetime_days == rules.period_days:
        life = "lifetime 1 month"
    else:
        life = f"lifetime {rules.lifetime_days:g} d"
    return f"{rules.credits_per_month}/month, {cap}, {life}"


def _rules_key(rules: CreditRules) -> str:
    life = "none" if rules.lifetime_days is None else f"{rules.lifetime_days:g}".replace(".", "_")
    return f"g{rules.credits_per_month}_cap{rules.cap}_life{life}"


def _plan(rules: CreditRules, refresh: str) -> dict:
    return {"member": {"credits_per_month": rules.credits_per_month, "initial_credits": 0, "balance_cap": rules.cap,
                       "credit_lifetime_days": rules.lifetime_days, "refresh": refresh}}


def _setting(rules: CreditRules, demand: float, chain: CreditChain) -> str:
    cap = "with no cap" if rules.cap is None else f"capped at {rules.cap} after each grant (the newest forfeited)"
    life = ("never expire" if rules.lifetime_days is None
            else f"expire {rules.lifetime_days:g} days after their grant")
    return (
        f"Members get {rules.credits_per_month} credits a month, {cap}; credits {life}; members wish to send Poisson "
        f"({demand:g} a month) InMails, dropped when there is no credit, and nothing is refunded. Seen at each "
        f"refresh, the credits left of each live lot form a Markov chain ({_states(chain)}); its "
        f"stationary law, solved with numpy, gives {chain.expired_per_month:.4f} credits expired and "
        f"{chain.forfeited_per_month:.4f} forfeited a month, a long-run wasted share of {chain.waste_share:.4f}."
    )


def _states(chain: CreditChain) -> str:
    n = len(chain.states)
    return f"{n} state" if n == 1 else f"{n} states"


def credit_waste_case(rules: CreditRules, demand: float, refresh: str, replications: int, warmup_months: int,
                      horizon_months: float, slow: bool = False) -> Case:
    """Credits wasted by members with Poisson demand. With grants on the 1st for everyone the chain is followed
    exactly from the first grant over the replication's window; with billing dates spread over the month the long-run
    share applies, and the warm-up must be long enough for every member's chain to have mixed."""
    senders, horizon = 200, horizon_months * MONTH
    key = f"credit_waste_{_rules_key(rules)}_{refresh}"
    sc = scenario(
        key, horizon=horizon, warmup=warmup_months * MONTH, senders=senders, recipient_count=1000,
        inmails_per_month=demand, plans=_plan(rules, refresh), sending={"when_out_of_credits": "drop"},
        recipients={"open_probability_fresh": 0.0, "open_probability_late": 0.0},
    )
    chain = CreditChain(rules, demand)
    wasted = stat.requiring_zero(("inmails_bounced_inbox_full", "credits_refunded"), stat.metric("wasted_credit_share"))
    if refresh == "first_of_month":
        expected = chain.window(warmup_months, horizon)
        distance = chain.distance_from_stationary(warmup_months)
        tail = horizon - math.floor(horizon / MONTH) * MONTH
        measures = (
            Measure(
                f"Credit waste, {rules_label(rules)}, demand {demand:g}/month (grants on the 1st)",
                wasted, expected.waste_share,
                f"{_setting(rules, demand, chain)} Here every member is granted on the 1st, so the chain is followed "
                f"exactly from the first grant (its law after j months is the first row of P^j) through the window "
                f"after a {warmup_months}-month warm-up: expected wasted share {expected.waste_share:.4f}. The chain "
                f"may still be {distance:.2g} (total variation) from stationary at the end of the warm-up, so the "
                f"simulation must match this exact value rather than the long-run one.",
            ),
            Measure(
                f"Mean credits per member at the horizon, {rules_label(rules)}, demand {demand:g}/month",
                stat.scaled("credits_balance_end", 1 / senders), expected.balance_end,
                f"The same chain: the law of the lots at the last refresh, then the demand (and any expiry) of the "
                f"{tail:.2f} days from it to the horizon.",
            ),
        )
        title = f"Credit waste, {rules_label(rules)}, grants on the 1st"
    else:
        distance = chain.distance_from_stationary(warmup_months - 1)  # the first month may be partial
        if distance > MIXED:
            raise ValueError(f"{key}: the credit chain is {distance:.3g} from stationary after the warm-up; "
                             f"lengthen the warm-up")
        measures = (Measure(
            f"Credit waste, {rules_label(rules)}, demand {demand:g}/month (billing dates spread)",
            wasted, chain.waste_share,
            f"{_setting(rules, demand, chain)} Billing dates are spread uniformly over the month and at the end of "
            f"the warm-up every member's chain is within {distance:.2g} (total variation, from any start) of its "
            f"stationary law, so the flows counted over the window are stationary and in proportion to its length.",
        ),)
        title = f"Credit waste, {rules_label(rules)}, billing dates spread"
    return Case(key, title, sc, replications, measures, slow=slow)


def zero_demand_case(rules: CreditRules) -> Case:
    """A member who never sends: grants, expiries, forfeits and balances follow the rules exactly."""
    senders, horizon = 50, 365.0
    key = f"credit_schedule_{_rules_key(rules)}"
    sc = scenario(key, horizon=horizon, warmup=0.0, senders=senders, recipient_count=10, inmails_per_month=0.0,
                  plans=_plan(rules, "first_of_month"))
    schedule = zero_demand_schedule(rules, horizon)
    life = ("never expiring" if rules.lifetime_days is None
            else f"expiring {rules.lifetime_days:g} days after their grant (an expiry at the instant of a grant comes "
                 f"first)")
    deviation = Measure(
        f"Credit schedule without demand ({rules_label(rules)}): credits off the schedule",
        stat.schedule_deviation(schedule, senders), 0.0,
        f"Deterministic: {rules.credits_per_month} credits granted on the 1st of each month, {life}, then the cap, "
        f"forfeiting the newest credits. Every month's "
        f"grants, expiries, forfeits and month-end balance per member must equal the schedule exactly (the statistic "
        f"sums the absolute differences); month-end balances: "
        + ", ".join(str(row["balance_end"]) for row in schedule) + ".",
    )
    return Case(key, f"Credit schedule without demand, {rules_label(rules)}", sc, 1, (deviation,))
