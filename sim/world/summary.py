"""Turns the counters of a finished replication into its result: headline metrics, per plan, monthly, histograms.

Both engines (the Python one in engine.py and the compiled one in compiled/) keep the same `Book`; what they keep
in their own form (ledgers, inboxes) they hand over as `Figures`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from sim.metrics import (
    CREDIT_FLOWS, CREDIT_IN, DELAY_EDGES, MESSAGE_FLOWS, SUBSCRIBER_FLOWS, ReplicationResult, ratio,
)
from sim.scenario.schema import DAYS_PER_MONTH

TOP_RECIPIENTS = 10


@dataclass
class Figures:
    """What a finished replication's ledgers and inboxes hold, as the summary needs it."""

    balances: Sequence[int]  # credits held at the horizon, by sender id
    occupancy: Sequence[int]  # conversations in each inbox at the horizon
    days_full_total: float  # days at capacity within [warm-up, horizon), all inboxes
    occupancy_days: float  # the integral of occupancy over [warm-up, horizon), all inboxes
    evicted_conversations: int
    delivered_to: np.ndarray  # InMails delivered, by recipient
    recipient_row: Callable[[int], tuple[int, int, float]]  # (bounced, evicted, days full) of one recipient


def _plan_metrics(world, plan_balance: np.ndarray, plan: int | None) -> dict[str, float]:
    """Headline metrics for one plan index, or for all plans with None."""
    book = world.book
    idx = range(book.P) if plan is None else [plan]

    def total(counter: dict, name: str) -> int:
        return int(sum(counter[name][i] for i in idx))

    c = book.cohort
    m: dict[str, float] = {}
    for name in ("attempted", "rejected_invalid", "blocked_no_credit", "waiting_end", "bounced_inbox_full",
                 "delivered", "opened", "responded", "replied", "accepted", "declined", "expired_unanswered",
                 "evicted", "pending_end"):
        m[f"inmails_{name}"] = total(c, name)
    m["open_rate"] = ratio(m["inmails_opened"], m["inmails_delivered"])
    m["response_rate"] = ratio(m["inmails_responded"], m["inmails_delivered"])

    before = {f: total(book.credit_before, f) for f in CREDIT_FLOWS}
    m["credits_initial"] = sum(before[f] if f in CREDIT_IN else -before[f] for f in CREDIT_FLOWS)
    for f in CREDIT_FLOWS:
        m[f] = total(book.credit_after, f)
    members = world.members
    m["credits_balance_end"] = int(sum(int(plan_balance[i]) for i in idx))
    wasted = m["credits_expired"] + m["credits_forfeited_cap"] + m["credits_lost_cancellation"]
    m["wasted_credit_share"] = ratio(wasted, m["credits_granted"])

    # subscribers: at the end of the warm-up, the flows after it, and at the horizon
    m["subscribers_start"] = int(sum(book.subscribers_before[i] for i in idx))
    m["new_subscribers"] = total(book.subscriber_after, "new_subscribers")
    m["cancellations"] = total(book.subscriber_after, "cancellations")
    m["plan_switches_in"] = total(book.subscriber_after, "switches_in")
    m["plan_switches_out"] = total(book.subscriber_after, "switches_out")
    m["plan_switches"] = m["plan_switches_out"] if plan is None else m["plan_switches_in"] + m["plan_switches_out"]
    m["subscribers_end"] = int(sum(members.subscribers(i) for i in idx))

    member_months = sum(book.window_member_days[i] for i in idx) / DAYS_PER_MONTH
    m["revenue"] = float(sum(
        book.window_member_days[i] / DAYS_PER_MONTH * _monthly_price(world.plans[i]) for i in idx
    ))
    m["mrr"] = float(sum(members.subscribers(i) * _monthly_price(world.plans[i]) for i in idx))
    m["arpu"] = ratio(m["revenue"], member_months)
    m["cost_per_response"] = ratio(m["revenue"], m["inmails_responded"])
    m["revenue_per_response"] = m["cost_per_response"]
    m["effective_price_per_credit_used"] = ratio(m["revenue"], m["credits_spent"] - m["credits_refunded"])
    m["mean_time_to_open_days"] = ratio(sum(book.open_delay_sum[i] for i in idx), m["inmails_opened"])
    m["mean_time_to_respond_days"] = ratio(sum(book.respond_delay_sum[i] for i in idx), m["inmails_responded"])
    return m


def _monthly_price(plan) -> float:
    """What a member pays per month: the list price, less the annual discount for annual billing."""
    return plan.price_per_month * (1 - plan.annual_discount if plan.billing == "annual" else 1.0)


def _timeseries(world) -> list[dict]:
    book, pop = world.book, world.pop
    rows = []
    balance = [0] * book.P
    subscribers = list(pop.plan_sizes)
    for month in range(book.months):
        start = month * DAYS_PER_MONTH
        for p, name in enumerate(pop.plan_names):
            k = month * book.P + p
            subscribers[p] += (book.ts["new_subscribers"][k] + book.ts["switches_in"][k]
                               - book.ts["cancellations"][k] - book.ts["switches_out"][k])
            row = {"month": month, "month_start_day": round(start, 6), "plan": name, "subscribers": subscribers[p]}
            for f in SUBSCRIBER_FLOWS:
                row[f] = book.ts[f][k]
            for f in MESSAGE_FLOWS:
                row[f] = book.ts[f][k]
            for f in CREDIT_FLOWS:
                row[f] = book.ts[f][k]
                balance[p] += book.ts[f][k] if f in CREDIT_IN else -book.ts[f][k]
            row["credits_balance_end"] = balance[p]
            row["revenue"] = book.member_days[k] / DAYS_PER_MONTH * _monthly_price(world.plans[p])
            rows.append(row)
    return rows


def _hist(values: list[int]) -> dict:
    counts = np.bincount(np.asarray(values, dtype=np.int64)) if len(values) else np.zeros(1, dtype=np.int64)
    return {"edges": list(range(len(counts) + 1)), "counts": counts.tolist()}


def _distributions(world, figures: Figures) -> dict:
    pop, book = world.pop, world.book
    balances = {}
    members = world.members
    for p, name in enumerate(pop.plan_names):
        balances[name] = _hist([figures.balances[s] for s in members.active[p]])
    delivered = figures.delivered_to
    k = min(TOP_RECIPIENTS, len(delivered))
    top = np.argsort(-delivered, kind="stable")[:k]
    top_rows = []
    for r in top.tolist():
        bounced, evicted, days_full = figures.recipient_row(r)
        top_rows.append({"recipient": r, "delivered": int(delivered[r]), "bounced": int(bounced),
                         "evicted": int(evicted), "days_full": float(days_full)})
    edges = [e if math.isfinite(e) else None for e in DELAY_EDGES]
    return {
        "balance_end": balances,
        "inbox_occupancy_end": _hist(figures.occupancy),
        "time_to_open_days": {"edges": edges, "counts": list(book.open_hist)},
        "time_to_respond_days": {"edges": edges, "counts": list(book.respond_hist)},
        "top_recipients": top_rows,
    }


def summarise(world, figures: Figures) -> ReplicationResult:
    """The result of a finished replication (after its conservation checks)."""
    balance_by_plan = np.bincount(np.asarray(world.members.sender_plan, dtype=np.int64),
                                  weights=np.asarray(figures.balances, dtype=float), minlength=world.book.P)
    metrics = _plan_metrics(world, balance_by_plan, None)
    window = world.horizon - world.warmup
    recipients = world.pop.recipients
    metrics["inbox_full_share"] = figures.days_full_total / (recipients * window)
    metrics["inbox_mean_occupancy"] = figures.occupancy_days / (recipients * window)
    metrics["inmails_evicted_conversations"] = figures.evicted_conversations
    by_plan = {name: _plan_metrics(world, balance_by_plan, p) for p, name in enumerate(world.pop.plan_names)}
    return ReplicationResult(metrics, by_plan, _timeseries(world), _distributions(world, figures))
