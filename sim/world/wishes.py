"""The members' wishes to send, drawn a window of time at a time, each plan from random streams of its own.

Every member of a plan wishes to send at the times of a Poisson process with the plan's rate. A plan's slots (its
member list, see members.py) together form one Poisson process of rate slots x InMails per month; a wish that falls
on an empty slot is no wish (thinning), so members can come and go within a month. For a window [t0, t1) the number
of a plan's wishes is Poisson and their times are uniform; each wish also gets, at once, everything random about it:
the member slot, subject and body lengths, HTML or not, the follow-up draw, the target, and the recipient's draws
(open delay, response, response delay), through `Behaviour`.

Windows are fixed by the calendar and the population size (`window_days`, cut at month boundaries and at the
horizon), never by a plan's rates, and each plan draws from streams named after it. So a variant that changes one
plan's price, credits, demand or membership leaves every other plan's wishes exactly as they were (common random
numbers).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.scenario.schema import DAYS_PER_MONTH

WINDOW_SENDER_DAYS = 200_000
"""Sender-days per window: about 30,000 wishes at a few InMails a month per sender, whatever the population."""


def window_days(senders: int) -> float:
    """Length of a window: long for small populations (few numpy calls), a day at least (bounded memory)."""
    return min(DAYS_PER_MONTH, max(1.0, float(WINDOW_SENDER_DAYS // max(senders, 1))))


def window_end(t: float, boundary: float, horizon: float, length: float) -> float:
    """End of the window that starts at `t`: the next multiple of `length`, the next month boundary or the horizon."""
    return min(math.floor(t / length) * length + length, boundary, horizon)


@dataclass
class Wishes:
    """One window's wishes in time order, as Python lists (what the per-wish loop reads fastest)."""

    times: list
    plans: list
    slots: list
    valid: list
    u_follow: list
    targets: list
    dt_open: list
    e_fresh: list
    e_late: list
    u_resp: list
    delay: list
    factor: list
    kinds: list
    dt_resps: list

    def __len__(self) -> int:
        return len(self.times)


class WishStream:
    """Draws the wishes of every plan for a window of time."""

    def __init__(self, world, streams):
        sc = world.scenario
        msg = sc.messages
        self.world = world
        self.subject_limit, self.body_limit = msg.subject_limit_chars, msg.body_limit_chars
        self.html_blocked, self.p_html = not msg.html_allowed, msg.html_probability
        self.subject_dist, self.body_dist = msg.subject_length_chars, msg.body_length_chars
        self.rngs = [
            {purpose: streams(f"{purpose}:{name}") for purpose in
             ("wish_count", "wish_times", "member_slot", "subject_length", "body_length", "message_content",
              "targeting", "open", "response", "response_delay")}
            for name in world.pop.plan_names
        ]

    def _plan_window(self, p: int, t0: float, t1: float):
        world = self.world
        slots_total = world.members.capacity[p]
        rate = slots_total * world.plans[p].inmails_per_month / DAYS_PER_MONTH
        rng = self.rngs[p]
        n = int(rng["wish_count"].poisson(rate * (t1 - t0))) if rate > 0 else 0
        if n == 0:
            return None
        times = t0 + rng["wish_times"].random(n) * (t1 - t0)
        slots = np.minimum((rng["member_slot"].random(n) * slots_total).astype(np.int64), slots_total - 1)
        subject = np.rint(self.subject_dist.sample(rng["subject_length"], n))
        body = np.rint(self.body_dist.sample(rng["body_length"], n)).astype(np.int64)
        u = rng["message_content"].random((2, n))
        valid = (subject <= self.subject_limit) & (body <= self.body_limit)
        if self.html_blocked:
            valid &= u[0] >= self.p_html
        targets = world.pop.next_recipients(n, rng["targeting"])
        behaviour = world.behaviour
        dt_open, e_fresh, e_late, u_resp, delay, factor = behaviour.draw(
            world.pop.check_rate_array[targets], body, rng["open"], rng["response"], rng["response_delay"]
        )
        kinds, dt_resps = behaviour.decide_batch(dt_open, u_resp, delay, factor, times)
        return (times, np.full(n, p, dtype=np.int64), slots, valid, u[1], targets, dt_open, e_fresh, e_late, u_resp,
                delay, factor, kinds, dt_resps)

    def window(self, t0: float, t1: float) -> Wishes:
        """Every plan's wishes in [t0, t1), merged in time order."""
        parts = [part for p in range(len(self.world.plans)) if (part := self._plan_window(p, t0, t1)) is not None]
        if not parts:
            return Wishes(*([] for _ in range(14)))
        columns = [np.concatenate(column) for column in zip(*parts)]
        order = np.argsort(columns[0], kind="stable")
        return Wishes(*(column[order].tolist() for column in columns))
