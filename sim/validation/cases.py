"""The validation suite: every case, fast ones first (see `case.py` for what a case is).

Fast cases run in the normal test command (well under a minute on two cores); slow ones (`slow=True`) in the slow test
group, which CI also runs, and in the full `validate-model` report. Replication counts are at least 20 so that the
standard error computed from them is itself reliable (a t distribution with 19 degrees of freedom or more).
"""
from __future__ import annotations

from .case import MONTH, Case, Measure
from .credit_cases import credit_waste_case, zero_demand_case
from .credit_chain import CreditRules
from .inbox_cases import erlang_case, eviction_case, littles_law_case
from .message_cases import behaviour_case, refund_case


def all_cases() -> list[Case]:
    """Every validation case, fast ones first."""
    cases = [
        erlang_case(1, 1.0, replications=20),
        erlang_case(3, 2.0, replications=20),
        eviction_case(3, 2.0, replications=20),
        littles_law_case(replications=20),
        behaviour_case(replications=20),
        refund_case("on_response", 7.0, None, {"dist": "weibull", "shape": 0.7, "scale": 2.0}, replications=20),
        refund_case("on_no_response", 7.0, 14.0, {"dist": "exponential", "mean": 1.5}, replications=20),
        credit_waste_case(CreditRules(5, None, MONTH), 4.0, "anniversary", 20, warmup_months=1, horizon_months=12),
        credit_waste_case(CreditRules(5, 8, None), 5.0, "first_of_month", 20, warmup_months=2, horizon_months=12.5),
        zero_demand_case(CreditRules(5, 15, 90.0)),
        zero_demand_case(CreditRules(5, 8, None)),
        zero_demand_case(CreditRules(5, 7, 45.0)),
        # slow: larger inboxes, today's 90-day refund rule, a cap with a lifetime between one and two months, and
        # today's Premium Business rule (15 a month, cap 45, 90 days) with demand equal to the grant, whose chain
        # mixes over years
        erlang_case(8, 5.0, replications=30, slow=True),
        erlang_case(20, 15.0, replications=30, slow=True),
        refund_case("on_response", 90.0, None, {"dist": "lognormal", "mean": 2.0, "sd": 3.0}, replications=30,
                    slow=True),
        credit_waste_case(CreditRules(5, 8, 45.0), 5.0, "anniversary", 30, warmup_months=7, horizon_months=18,
                          slow=True),
        credit_waste_case(CreditRules(15, 45, 90.0), 15.0, "first_of_month", 30, warmup_months=4,
                          horizon_months=18.5, slow=True),
    ]
    keys = [c.key for c in cases]
    if len(set(keys)) != len(keys):
        raise ValueError(f"case keys must be unique, got {keys}")
    return cases


def select(cases: list[Case], fast_only: bool) -> list[Case]:
    """The cases to run: all of them, or only those not marked slow."""
    return [c for c in cases if not (fast_only and c.slow)]


__all__ = ["Case", "Measure", "all_cases", "select"]
