"""The members' wishes to send, drawn a window of time at a time, each plan from random streams of its own.

Every member of a plan wishes to send at the times of a Poisson process with the plan's rate. A plan's slots (its
member list, see members.py) together form one Poisson process of rate slots x InMails per month; a wish that falls
on an empty slot is no wish (thinning), so members can come and go within a month. For a window [t0, t1) the number
of a plan's wishes is Poisson and their times are uniform; each wish also gets, at once, everything random about it:
the member slot, subject and body lengths, HTML or not, the follow-up draw, the target, and the recipient's draws
(open delay, response, response delay), through `Behaviour`.

Windows are fixed by the calendar and the population size (`window_days`, cut at month boundaries and at the
horizon), never by a plan's rates. A plan's slots come in blocks of a size fixed at the start (from the plan's
initial size), and each (plan, block, window) draws from a generator of its own. So a variant that changes one
plan's price, credits, demand or membership leaves every other plan's wishes exactly as they were, even when members
move between the two and the other plan needs more slots (common random numbers).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.scenario.schema import DAYS_PER_MONTH

MIN_BLOCK = 64
BLOCKS_PER_PLAN = 8
"""A plan's slots come in blocks of a power of two, about an eighth of its initial size (64 at least)."""

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
    """One window's wishes in time order, as numpy arrays (the engine turns the columns it reads per wish into
    lists, and reads the others only for the few wishes that need them)."""

    times: np.ndarray
    plans: np.ndarray
    slots: np.ndarray
    valid: np.ndarray
    u_follow: np.ndarray
    targets: np.ndarray
    dt_open: np.ndarray
    e_fresh: np.ndarray
    e_late: np.ndarray
    u_resp: np.ndarray
    delay: np.ndarray
    factor: np.ndarray
    kinds: np.ndarray
    dt_resps: np.ndarray

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
        self.streams = streams
        self.block = [max(MIN_BLOCK, 1 << max(0, math.ceil(math.log2(max(1, size) / BLOCKS_PER_PLAN))))
                      for size in world.pop.plan_sizes]
        members = world.members
        for p in range(len(self.block)):
            members.capacity[p] = self.slots_for(p, members.capacity[p])

    def slots_for(self, p: int, need: int) -> int:
        """Slots of plan `p` for `need` members: whole blocks, at least one."""
        return max(1, -(-need // self.block[p])) * self.block[p]

    def make_room(self, peak: dict[int, int]) -> None:
        """More slots for the plans whose members may reach `peak[p]` this month (whole blocks; never fewer)."""
        capacity = self.world.members.capacity
        for p, need in peak.items():
            if need > capacity[p]:
                capacity[p] = self.slots_for(p, need)

    def _block_window(self, p: int, block: int, window: int, t0: float, t1: float):
        world = self.world
        size = self.block[p]
        rate = size * world.plans[p].inmails_per_month / DAYS_PER_MONTH
        if rate <= 0:
            return None
        name = world.pop.plan_names[p]
        rng = self.streams.keyed(f"wishes:{name}", block, window)
        n = int(rng.poisson(rate * (t1 - t0)))
        if n == 0:
            return None
        # a time rounded up to t1 would belong to the next window (or the horizon): keep it inside
        times = np.minimum(t0 + rng.random(n) * (t1 - t0), np.nextafter(t1, t0))
        slots = block * size + np.minimum((rng.random(n) * size).astype(np.int64), size - 1)
        # lengths from generators of their own: a distribution that draws nothing (fixed) must not shift the rest
        subject = np.rint(self.subject_dist.sample(self.streams.keyed(f"subject_length:{name}", block, window), n))
        body = np.rint(self.body_dist.sample(self.streams.keyed(f"body_length:{name}", block, window), n))
        body = body.astype(np.int64)
        u = rng.random((2, n))
        valid = (subject <= self.subject_limit) & (body <= self.body_limit)
        if self.html_blocked:
            valid &= u[0] >= self.p_html
        targets = world.pop.next_recipients(n, rng)
        behaviour = world.behaviour
        # the response delay last: its distribution may draw nothing
        dt_open, e_fresh, e_late, u_resp, delay, factor = behaviour.draw(
            world.pop.check_rate_array[targets], body, rng, rng, rng
        )
        kinds, dt_resps = behaviour.decide_batch(dt_open, u_resp, delay, factor, times)
        return (times, np.full(n, p, dtype=np.int64), slots, valid, u[1], targets, dt_open, e_fresh, e_late, u_resp,
                delay, factor, kinds, dt_resps)

    def window(self, index: int, t0: float, t1: float) -> Wishes:
        """Every plan's wishes in window number `index`, [t0, t1), merged in time order."""
        capacity = self.world.members.capacity
        parts = [part for p in range(len(self.world.plans)) for block in range(capacity[p] // self.block[p])
                 if (part := self._block_window(p, block, index, t0, t1)) is not None]
        if not parts:
            return Wishes(*(np.zeros(0, dtype=dtype) for dtype in _EMPTY_DTYPES))
        columns = [np.concatenate(column) for column in zip(*parts)]
        order = time_order(columns[0])
        return Wishes(*(column[order] for column in columns))


def time_order(times: np.ndarray) -> np.ndarray:
    """The order that sorts `times`, equal times in the order they come (a stable sort's order).

    numpy's quicksort is about 4 times faster than its stable sort on a window of wishes, but orders equal keys its
    own way; uniform times are almost never equal, so the stable sort is only needed when some are. (Times are never
    NaN here; NaNs, all unequal, would not be seen as ties.)"""
    order = np.argsort(times, kind="quicksort")
    ordered = times[order]
    if (ordered[1:] == ordered[:-1]).any():
        return np.argsort(times, kind="stable")
    return order


_EMPTY_DTYPES = (float, np.int64, np.int64, bool, float, np.int64, float, float, float, float, float, float, np.int64,
                 float)
