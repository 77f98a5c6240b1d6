"""Validation cases for what recipients do with an InMail: open it, answer it, and what that does to refunds.

Recipients check at Poisson times; opening at a check is a thinning, so the open time has a closed-form law given the
check rate, and a Laplace transform over the check-rate distribution when rates differ between recipients. An answer
follows a response delay after the open. The funnel is a cohort followed to the horizon, so the open rate folds in
the censoring of InMails sent shortly before it; shares measured as monthly flows after a long enough warm-up have
no such edge effect.
"""
from __future__ import annotations

from . import statistics as stat
from .case import MONTH, NOTHING_LOST, Case, Measure, describe, recipient_of, scenario
from .theory import cohort_average, refund_share


def behaviour_case(replications: int) -> Case:
    """Open rate and time to open (cohort, censored) and response share (flows), with Gamma check rates."""
    window, horizon, warmup = 14.0, 100.0, MONTH
    sc = scenario(
        "open_and_answer", horizon=horizon, warmup=warmup, senders=100, recipient_count=2000, inmails_per_month=30,
        inbox={"response_window_days": window, "unread_window_hours": 48},
        recipients={"checks_per_day": {"dist": "gamma", "mean": 1.0, "sd": 0.7}, "open_probability_fresh": 0.6,
                    "open_probability_late": 0.15},
    )
    rec = recipient_of(sc)
    cohort = horizon - warmup
    kinks = [rec.unread_days, window]
    opened = cohort_average(rec.open_cdf, cohort, kinks)
    time_to_open = cohort_average(rec.partial_mean_open, cohort, kinks) / opened
    answered = rec.answered_by(window)
    w = rec.unread_days
    open_rate = Measure(
        "Open rate with Gamma-distributed check rates (cohort, censoring included)",
        stat.requiring_zero(NOTHING_LOST, stat.metric("open_rate")), opened,
        f"Each recipient checks at Poisson times, at a rate R drawn from {describe(rec.checks_per_day)} a day, and "
        f"opens an unopened InMail at a check with probability {rec.p_fresh:g} in the {w:g}-day unread window, "
        f"{rec.p_late:g} after; an InMail not opened within the {window:g}-day response window is deleted. So "
        f"P(open within x) = 1 - E[exp(-R h(x))], the Gamma Laplace transform at h(x) = {rec.p_fresh:g} min(x, {w:g}) "
        f"+ {rec.p_late:g} max(x - {w:g}, 0), capped at the window. The funnel follows the InMails sent after the "
        f"warm-up to the horizon, so one sent s days before it is watched for s days: the theory averages "
        f"P(open within s) over s uniform on the {cohort:.2f}-day cohort, {opened:.4f} (uncensored: "
        f"{rec.open_cdf(window):.4f}).",
    )
    mean_open = Measure(
        "Mean time to open (cohort, censoring included)",
        stat.requiring_zero(NOTHING_LOST, stat.metric("mean_time_to_open_days")), time_to_open,
        "The same InMails: the cohort average of E[T; T <= s] over the cohort average of P(T <= s), where for an open "
        "time T with law F, E[T; T <= x] = x F(x) - (integral of F over [0, x]).",
    )
    response = Measure(
        "Response share from monthly flows after the warm-up (no censoring)",
        stat.requiring_zero(NOTHING_LOST, stat.flow_ratio("responded", "delivered", warmup)), answered,
        f"An opened InMail is answered with probability {rec.p_response:.4g} (reply + accept + decline times the "
        f"factor of a {sc.messages.body_length_chars.value:g}-character body) after a "
        f"{describe(rec.response_delay)} delay Y, if the answer comes within the response window: P = p E[F(window - "
        f"Y)] = {answered:.4f}. Answers counted in the months they happen over deliveries counted likewise, from the "
        f"first month after a warm-up longer than the window, are stationary flows: no horizon edge effect.",
    )
    return Case("open_and_answer", "Opening and answering", sc, replications, (open_rate, mean_open, response))


def refund_case(policy: str, refund_days: float, response_window: float | None, delay: dict,
                replications: int, slow: bool = False) -> Case:
    """The share of spent credits refunded under `policy` with a refund window of `refund_days`."""
    key = f"refund_{policy}_{refund_days:g}d"
    sc = scenario(
        key, horizon=refund_days + 70.0, warmup=refund_days + 1, senders=100, recipient_count=2000,
        inmails_per_month=20,
        inbox={"response_window_days": response_window},
        recipients={"checks_per_day": {"dist": "gamma", "mean": 0.8, "sd": 0.5}, "response_delay_days": delay},
        refund={"policy": policy, "window_days": refund_days},
    )
    rec = recipient_of(sc)
    share = refund_share(rec, policy, refund_days)
    rule = "an answer comes" if policy == "on_response" else "no answer has come"
    kept = ("inboxes never delete" if response_window is None
            else f"an unanswered InMail is deleted after {response_window:g} days")
    refunded = Measure(
        f"Refund share, {policy} within {refund_days:g} days",
        stat.requiring_zero(NOTHING_LOST + ("inmails_bounced_inbox_full",),
                            stat.ratio(("credits_refunded",), ("credits_spent",))),
        share,
        f"Policy {policy}: the credit comes back when {rule} within N = {refund_days:g} days of sending; {kept}. "
        f"Recipients check at {describe(rec.checks_per_day)} rates, open with probabilities {rec.p_fresh:g} / "
        f"{rec.p_late:g}, answer with probability {rec.p_response:.4g} after a {describe(rec.response_delay)} delay Y, "
        f"so P(answered within N) = p E[F(N - Y)] and the expected share of spent credits refunded is {share:.4f}. "
        f"Refunds lag their spend by at most N and the warm-up is longer, so credits refunded over credits spent in "
        f"the window is a ratio of stationary flows; nothing bounces, so every refund is the policy's.",
    )
    return Case(key, f"Refunds: {policy} within {refund_days:g} days", sc, replications, (refunded,), slow=slow)
