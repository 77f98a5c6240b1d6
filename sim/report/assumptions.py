"""The assumptions a result depends on, listed so that nobody mistakes them for facts.

Subscriber dynamics (arrival and churn elasticities, the value effect, plan switches) are modelling assumptions,
not published figures. Every report of a scenario that switches them on shows them in one table, per plan, with
the comment written beside each key in the scenario file where there is one.
"""
from __future__ import annotations

from .content import Note, Paragraph, Section, Table, fmt_value

DYNAMICS_COLUMNS = [
    ("reference_price", "reference price ($/month)"),
    ("arrivals_per_month", "arrivals/month at reference"),
    ("arrival_price_elasticity", "arrival price elasticity"),
    ("churn_per_month", "churn/month at reference"),
    ("churn_price_elasticity", "churn price elasticity"),
    ("churn_value_effect", "value effect (per response/month)"),
    ("switch_to", "switch to (probability/month)"),
]


def assumptions_section(scenario: dict | None, comments: dict[str, str] | None = None,
                        title: str = "Assumptions") -> Section | None:
    """The assumptions table of a resolved scenario, or None when it uses no behavioural assumption."""
    dynamics = (scenario or {}).get("subscribers") or {}
    if not dynamics.get("enabled"):
        return None
    comments = comments or {}
    plans = (scenario or {}).get("plans") or {}
    rows = []
    for name, dyn in (dynamics.get("plans") or {}).items():
        dyn = dyn or {}
        values = []
        for key, _ in DYNAMICS_COLUMNS:
            value = dyn.get(key)
            if key == "reference_price" and value is None:
                value = (plans.get(name) or {}).get("price_per_month")
            if key == "switch_to":
                value = ", ".join(f"{k}: {v:g}" for k, v in (value or {}).items()) or "none"
            values.append(fmt_value(value) if not isinstance(value, str) else value)
        notes = "; ".join(comments[f"subscribers.plans.{name}.{key}"] for key, _ in DYNAMICS_COLUMNS
                          if f"subscribers.plans.{name}.{key}" in comments)
        rows.append([name] + values + [notes])
    blocks = [
        Paragraph(
            "Subscriber dynamics are assumptions, not published facts. New members arrive at the base rate times "
            "(price / reference price) ^ arrival elasticity; each month a member leaves with probability churn times "
            "(price / reference price) ^ churn elasticity times exp(-value effect x responses received per month over "
            f"the last {dynamics.get('value_lookback_months', 3)} months), moving to another plan by the switch "
            "probabilities or cancelling otherwise."
        ),
        Table(["plan"] + [label for _, label in DYNAMICS_COLUMNS] + ["source / note"], rows,
              caption="Subscriber dynamics (assumptions)",
              numeric=[False, True, True, True, True, True, True, False, False]),
    ]
    withdrawals = dynamics.get("withdrawals") or []
    if withdrawals:
        blocks.append(Table(["plan withdrawn", "on day", "members move to"],
                            [[w.get("plan"), fmt_value(w.get("at_day")), w.get("move_to")] for w in withdrawals],
                            caption="Plans withdrawn during the run", numeric=[False, True, False]))
    blocks.append(Note("Change any of these with --set subscribers.plans.PLAN.KEY=VALUE, or sweep one with "
                       "run_sim.py sweep SCENARIO --grid subscribers.plans.PLAN.KEY=v1,v2,..."))
    return Section(title, blocks)
