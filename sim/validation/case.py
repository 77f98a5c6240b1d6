"""What a validation case is: a small scenario whose expected result is known exactly, and what to compare.

A `Case` is one scenario run over many seeded replications; each of its `Measure`s reads one number from every
replication and states the value theory gives for its mean, with a paragraph saying what is checked and why the
theory applies. Scenarios are built with `scenario`, which starts from a world stripped of everything the theory does
not model: one plan, no follow-ups, fixed message lengths within the limits, ample credits (no cap, no expiry, more
than the horizon's demand), inboxes far larger than needed and no refunds; each case then sets what it studies.
"""
from __future__ import annotations

import copy
import zlib
from dataclasses import dataclass, field

from sim.scenario.schema import DAYS_PER_MONTH, Scenario

from .statistics import Statistic
from .theory import Recipient

MONTH = DAYS_PER_MONTH
FIXED_SUBJECT, FIXED_BODY = 40, 600
NOTHING_LOST = ("inmails_rejected_invalid", "inmails_blocked_no_credit")
"""Metrics that must stay 0 when a case assumes that every wish to send is sent."""


@dataclass(frozen=True)
class Measure:
    """One row of the validation table: a statistic of a replication and the theory value of its mean."""

    mechanism: str
    statistic: Statistic
    theory: float
    about: str


@dataclass(frozen=True)
class Case:
    """A scenario, how many replications to run, and what to measure in each; `slow` cases run in the slow group."""

    key: str
    title: str
    scenario: Scenario
    replications: int
    measures: tuple[Measure, ...]
    slow: bool = False
    seed: int = field(default=-1)

    def __post_init__(self):
        if self.replications < 1:
            raise ValueError(f"{self.key}: replications must be >= 1, got {self.replications}")
        if not self.measures:
            raise ValueError(f"{self.key}: a case needs at least one measure")
        if self.seed < 0:  # a seed of its own per case, stable across runs and machines
            object.__setattr__(self, "seed", zlib.crc32(self.key.encode()) % 1_000_000)


def _merge(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def scenario(name: str, horizon: float, warmup: float, senders: int, recipient_count: int,
             inmails_per_month: float, **sections) -> Scenario:
    """A one-plan scenario stripped to what theory models (see the module docstring); `sections` override it."""
    ample = int(2 * inmails_per_month * horizon / MONTH + 100)
    base = {
        "name": name, "horizon_days": horizon, "warmup_days": warmup,
        "population": {"senders": senders, "recipients": recipient_count},
        "plans": {"member": {"credits_per_month": 0, "initial_credits": ample, "balance_cap": None,
                             "credit_lifetime_days": None, "inmails_per_month": inmails_per_month}},
        "plan_mix": {"member": 1.0},
        "sending": {"followup_probability": 0.0},
        "messages": {"subject_length_chars": {"dist": "fixed", "value": FIXED_SUBJECT},
                     "body_length_chars": {"dist": "fixed", "value": FIXED_BODY}},
        "inbox": {"capacity": 100_000},
        "refund": {"policy": "none"},
    }
    return Scenario.model_validate(_merge(base, sections))


def per_member_demand(rate_per_recipient_day: float, senders: int, recipients: int) -> float:
    """InMails per member and month that give each of `recipients` (targeted uniformly) the given daily rate."""
    return rate_per_recipient_day * recipients * MONTH / senders


def recipient_of(sc: Scenario) -> Recipient:
    """The recipients' behaviour in a scenario, in the terms of the theory. Needs a fixed body length and equal
    weekday factors, so that one response probability holds for every InMail; the engine caps it at 1."""
    r, body = sc.recipients, sc.messages.body_length_chars
    if getattr(body, "dist", None) != "fixed" or len(set(r.send_day_factors)) != 1:
        raise ValueError("the theory needs a fixed body length and equal weekday factors")
    chars = round(body.value)
    band = next(b for b in r.body_length_factors if b.max_chars is None or chars <= b.max_chars)
    p = (r.reply_probability + r.accept_probability + r.decline_probability) * band.factor * r.send_day_factors[0]
    return Recipient(
        checks_per_day=r.checks_per_day, p_fresh=r.open_probability_fresh, p_late=r.open_probability_late,
        unread_days=sc.inbox.unread_window_hours / 24, response_window=sc.inbox.response_window_days,
        p_response=min(p, 1.0), response_delay=r.response_delay_days,
    )


def describe(dist) -> str:
    """A scenario distribution in words, e.g. gamma(mean 1, sd 0.7)."""
    params = {k: v for k, v in dist.model_dump(by_alias=True).items() if k != "dist"}
    return f"{dist.dist}(" + ", ".join(f"{k} {v:g}" for k, v in params.items()) + ")"
