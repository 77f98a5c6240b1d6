"""Validation cases for inboxes: capacity as a loss system (Erlang B) and Little's law.

A recipient whose InMails are never opened keeps each one for exactly the response window, and a full inbox bounces
the next one: that is the M/G/c/c loss system, whose blocking probability is Erlang's B formula whatever the law of
the holding time (insensitivity). Uniform targeting of the merged Poisson stream of wishes gives every recipient an
independent Poisson stream, so each inbox is one such system.
"""
from __future__ import annotations

from scipy import stats as st

from . import statistics as stat
from .case import NOTHING_LOST, Case, Measure, describe, per_member_demand, recipient_of, scenario
from .theory import cohort_average, erlang_b, evict_oldest_inbox, littles_law


LOSS_WINDOW, LOSS_RECIPIENTS, LOSS_SENDERS, LOSS_HORIZON = 1.0, 20, 10, 120.0
"""The loss-system cases: response window (days: an unopened InMail holds its slot exactly this long), recipients,
senders and days observed after the warm-up."""


def loss_scenario(name: str, capacity: int, load: float, when_full: str, warmup: float):
    """Inboxes of `capacity` slots offered `load` = arrival rate x response window, nobody ever opening: a loss
    system (bounce) or an inbox that keeps the newest (evict_oldest), observed for 120 days after `warmup`."""
    recipients, senders, horizon = LOSS_RECIPIENTS, LOSS_SENDERS, LOSS_HORIZON
    return scenario(
        name, horizon=horizon + warmup, warmup=warmup, senders=senders, recipient_count=recipients,
        inmails_per_month=per_member_demand(load / LOSS_WINDOW, senders, recipients),
        inbox={"capacity": capacity, "when_full": when_full, "response_window_days": LOSS_WINDOW},
        recipients={"open_probability_fresh": 0.0, "open_probability_late": 0.0},
    )


def erlang_case(capacity: int, load: float, replications: int, slow: bool = False) -> Case:
    """Inboxes of `capacity` slots offered `load` = arrival rate x response window."""
    window, recipients = LOSS_WINDOW, LOSS_RECIPIENTS
    rate, warmup = load / window, 10 * window  # the loss system forgets its empty start within a few holding times
    sc = loss_scenario(f"erlang_c{capacity}", capacity, load, "bounce", warmup=warmup)
    b = erlang_b(capacity, load)
    guard = NOTHING_LOST + ("inmails_opened",)
    setting = (
        f"{recipients} recipients each receive Poisson InMails at {rate:g} a day; nobody opens, so every InMail holds "
        f"a slot for exactly the {window:g}-day response window; an inbox holds {capacity} and a full one bounces. "
        f"Each inbox is an M/G/c/c loss system with offered load a = lambda x window = {load:g}."
    )
    bounced = Measure(
        f"Inbox as a loss system (c = {capacity}, a = {load:g}): share of InMails bounced",
        stat.requiring_zero(guard, stat.ratio(("inmails_bounced_inbox_full",),
                                              ("inmails_bounced_inbox_full", "inmails_delivered"))),
        b,
        f"{setting} The share bounced is Erlang B(c, a) = {b:.4f} (stable recursion); by insensitivity a fixed "
        f"holding time blocks as often as an exponential one. Measured on the InMails sent after a warm-up of "
        f"{warmup / window:g} windows, by which the empty start is forgotten.",
    )
    full = Measure(
        f"Inbox as a loss system (c = {capacity}, a = {load:g}): share of time an inbox is full",
        stat.requiring_zero(guard, stat.metric("inbox_full_share")), b,
        "The same inboxes seen in time: Poisson arrivals see time averages (PASTA), so the share of recipient-days "
        "spent at capacity (inbox_full_share) is Erlang B too.",
    )
    occupancy = Measure(
        f"Little's law in the loss system (c = {capacity}): mean conversations per inbox",
        stat.requiring_zero(guard, stat.metric("inbox_mean_occupancy")),
        littles_law(rate * (1 - b), window),
        f"L = lambda W with the accepted rate lambda (1 - B) = {rate * (1 - b):.4f} a day and W = {window:g} day: the "
        f"time-average number of conversations per inbox (inbox_mean_occupancy) is the carried load a (1 - B).",
    )
    return Case(f"erlang_c{capacity}", f"Inbox capacity as a loss system, c = {capacity}", sc, replications,
                (bounced, full, occupancy), slow=slow)


def eviction_case(capacity: int, load: float, replications: int) -> Case:
    """The loss system's inboxes with `evict_oldest` instead of `bounce`: nothing bounces, the oldest is pushed out."""
    window, recipients, horizon = LOSS_WINDOW, LOSS_RECIPIENTS, LOSS_HORIZON
    rate = load / window
    sc = loss_scenario(f"evict_c{capacity}", capacity, load, "evict_oldest", warmup=window)
    full, occupancy = evict_oldest_inbox(capacity, load)

    def evicted_within(s: float) -> float:  # c more InMails arrive while this one is watched
        return float(st.poisson.sf(capacity - 1, rate * min(s, window)))

    evicted = cohort_average(evicted_within, horizon, [window])
    guard = NOTHING_LOST + ("inmails_opened", "inmails_bounced_inbox_full")
    setting = (
        f"{recipients} recipients each receive Poisson InMails at {rate:g} a day; nobody opens; an inbox holds "
        f"{capacity} and a full one evicts its oldest conversation; the others leave after the {window:g}-day "
        f"response window. An inbox then holds exactly the last min(c, N) InMails of the past window, N Poisson with "
        f"mean a = {load:g}, which is stationary as soon as one window has passed."
    )
    measures = (
        Measure(
            f"Evict-oldest inbox (c = {capacity}, a = {load:g}): share of InMails evicted (cohort, censoring included)",
            stat.requiring_zero(guard, stat.ratio(("inmails_evicted",), ("inmails_delivered",))), evicted,
            f"{setting} An InMail is evicted when {capacity} more arrive within its window, P(Poisson(lambda x) >= c) "
            f"for a window of x days; the funnel watches an InMail sent s days before the horizon for min(s, window) "
            f"days, so the theory averages over s uniform on the {horizon:g}-day cohort: {evicted:.4f} (without "
            f"censoring {evicted_within(window):.4f}).",
        ),
        Measure(
            f"Evict-oldest inbox (c = {capacity}, a = {load:g}): share of time an inbox is full",
            stat.requiring_zero(guard, stat.metric("inbox_full_share")), full,
            f"Full when at least c InMails arrived in the past window: P(N >= {capacity}) = {full:.4f}.",
        ),
        Measure(
            f"Evict-oldest inbox (c = {capacity}, a = {load:g}): mean conversations per inbox",
            stat.requiring_zero(guard, stat.metric("inbox_mean_occupancy")), occupancy,
            f"E[min(c, N)] = {occupancy:.4f}.",
        ),
    )
    return Case(f"evict_c{capacity}", f"Inbox capacity with eviction of the oldest, c = {capacity}", sc,
                replications, measures)


def littles_law_case(replications: int) -> Case:
    """Inboxes that never fill, where an InMail stays a random time: answered ones leave some days after the
    answer, the others at the end of the response window."""
    window, slot, recipients, senders, rate = 7.0, 3.0, 100, 20, 1.5
    checks = {"dist": "fixed", "value": 1.0}
    delay = {"dist": "exponential", "mean": 1.0}
    sc = scenario(
        "littles_law", horizon=70.0, warmup=window + slot, senders=senders, recipient_count=recipients,
        inmails_per_month=per_member_demand(rate, senders, recipients),
        inbox={"response_window_days": window, "answered_slot_days": slot, "unread_window_hours": 48},
        recipients={"checks_per_day": checks, "open_probability_fresh": 0.5, "open_probability_late": 0.2,
                    "reply_probability": 0.3, "accept_probability": 0.0, "decline_probability": 0.0,
                    "response_delay_days": delay},
    )
    rec = recipient_of(sc)
    stay = rec.mean_time_in_inbox(slot)
    occupancy = Measure(
        "Little's law, random time in the inbox: mean conversations per inbox",
        stat.requiring_zero(NOTHING_LOST + ("inmails_bounced_inbox_full",), stat.metric("inbox_mean_occupancy")),
        littles_law(rate, stay),
        f"Each recipient receives {rate:g} InMails a day and no inbox fills. An answered InMail stays until {slot:g} "
        f"days after the answer, an unanswered one for the {window:g}-day response window. With Poisson checks "
        f"({describe(sc.recipients.checks_per_day)} a day; open probability {rec.p_fresh:g} while fresh, "
        f"{rec.p_late:g} after {rec.unread_days:g} days), answers with probability {rec.p_response:.4g} after a "
        f"{describe(sc.recipients.response_delay_days)} delay, the mean stay is W = {stay:.4f} days, so L = lambda W "
        f"= {rate * stay:.4f}. The warm-up covers the longest stay, so the time average over the window is "
        f"stationary.",
    )
    return Case("littles_law", "Little's law with a random time in the inbox", sc, replications, (occupancy,))
