"""Subscriber dynamics: members join, cancel and switch plans by price and by the value they received.

At each month boundary every plan draws the month's new members (a Poisson number at uniform times within the
month, at the base rate times (price / reference price) ** arrival elasticity) and decides, for each member, whether
they leave during the month: with probability churn x (price / reference) ** churn elasticity x exp(-value effect x
responses per month over the lookback), split between cancelling and moving to the plans in `switch_to` in
proportion to their base rates. Annual members decide only in the month of their renewal. A member who leaves does
so at a uniform time within the month; a member whose plan keeps credits to the end of the cycle keeps sending until
then. Withdrawn plans move all their members to another plan on the given day and take no new members after it.

These are assumptions, not published facts: every report that uses them lists them. With every rate at zero the
world is exactly the fixed population (the draws come from streams of their own).
"""
from __future__ import annotations

import math
from functools import partial

import numpy as np

from sim.scenario.schema import DAYS_PER_MONTH

INF = math.inf


class SubscriberDynamics:
    """Month-boundary decisions of who joins, leaves and switches, scheduled on the world's SimPy clock."""

    def __init__(self, world, streams):
        self.world = world
        sc = world.scenario
        self.config = sc.subscribers
        self.enabled = sc.subscribers.enabled
        names = world.pop.plan_names
        self.plan_index = {name: i for i, name in enumerate(names)}
        # one stream per plan and purpose: a change to one plan leaves every other plan's draws as they were
        self.rng_arrivals = [streams(f"subscriber_arrivals:{name}") for name in names]
        self.rng_arrival_times = [streams(f"subscriber_arrival_times:{name}") for name in names]
        self.streams = streams  # decisions and leave times: a generator per plan and month (see _decide_leavers)
        for name, dyn in self.config.plans.items():
            plan = sc.plans.get(name)
            free = plan is not None and plan.price_per_month == 0 and dyn.reference_price
            if free and dyn.arrival_price_elasticity < 0:
                raise ValueError(f"plan {name}: free against reference price {dyn.reference_price:g} with arrival "
                                 "elasticity < 0: its arrivals would be infinite")
        self.withdrawn_at = [INF] * len(world.plans)
        self.moved_to = list(range(len(world.plans)))
        for change in self.config.withdrawals:
            i = self.plan_index[change.plan]
            if change.at_day < self.withdrawn_at[i]:
                self.withdrawn_at[i] = change.at_day
                self.moved_to[i] = self.plan_index[change.move_to]

    def _modifiers(self, p: int):
        dyn = self.config.plans.get(self.world.pop.plan_names[p])
        if dyn is None:
            return None
        plan = self.world.plans[p]
        ref = dyn.reference_price or plan.price_per_month
        ratio = plan.price_per_month / ref if ref else 1.0
        return dyn, ratio

    def destination(self, p: int, t: float) -> int:
        """Where a member moving to plan `p` at `t` ends up: a withdrawn plan sends them on to its replacement."""
        for _ in range(len(self.moved_to)):
            if self.withdrawn_at[p] > t:
                break
            p = self.moved_to[p]
        return p

    def boundary(self, month: int, t: float) -> dict[int, int]:
        """Decides the month starting at `t`; schedules its changes. Returns the most members each plan can reach."""
        world, members = self.world, self.world.members
        peak = {p: members.count(p) for p in range(len(world.plans))}
        if not self.enabled:
            return peak
        end = t + DAYS_PER_MONTH
        for p in range(len(world.plans)):
            mod = self._modifiers(p)
            if mod is None:
                continue
            dyn, ratio = mod
            rate = dyn.arrivals_per_month * ratio ** dyn.arrival_price_elasticity
            n = int(self.rng_arrivals[p].poisson(rate))
            times = np.sort(t + self.rng_arrival_times[p].random(n) * DAYS_PER_MONTH)
            for tj in times.tolist():
                if tj < self.withdrawn_at[p] and tj < world.horizon:
                    peak[p] += 1
                    self._at(tj, partial(self._join, p))
            self._decide_leavers(p, month, t, dyn, ratio, peak)
        # last, in the order they happen: a source's peak includes this month's joiners and earlier withdrawals into it
        for change in sorted(self.config.withdrawals, key=lambda c: c.at_day):
            if t <= change.at_day < end:
                src = self.plan_index[change.plan]
                dst = self.destination(self.plan_index[change.move_to], change.at_day)
                peak[dst] += peak[src]
                self._at(change.at_day, partial(self._withdraw, src, dst))
        return peak

    def _decide_leavers(self, p, month, t, dyn, ratio, peak) -> None:
        members = self.world.members
        ids = [s for s in members.active[p] if s not in members.cancelling]
        targets = [self.plan_index[name] for name in dyn.switch_to]
        base = np.array([dyn.churn_per_month] + [dyn.switch_to[name] for name in dyn.switch_to])
        # a generator per plan and month: a member more or less this month does not shift next month's draws
        name = self.world.pop.plan_names[p]
        u = self.streams.keyed(f"subscriber_decisions:{name}", month).random(len(ids))
        when = t + self.streams.keyed(f"subscriber_leave_times:{name}", month).random(len(ids)) * DAYS_PER_MONTH
        if not ids or base.sum() == 0:
            return
        factor = np.full(len(ids), ratio ** dyn.churn_price_elasticity)
        if dyn.churn_value_effect and members.track_value:
            lookback = self.config.value_lookback_months
            value = np.array([members.value(s, month, lookback) for s in ids])
            factor *= np.exp(-dyn.churn_value_effect * value)
        probs = factor[:, None] * base[None, :]
        total = probs.sum(axis=1, keepdims=True)
        probs = np.where(total > 1, probs / np.maximum(total, 1e-300), probs)
        choice = (u[:, None] >= np.cumsum(probs, axis=1)).sum(axis=1)  # len(base) means: stays
        if self.world.plans[p].billing == "annual":  # annual members decide only in the month of their renewal
            months_in = np.rint((t - np.array([members.joined_at[s] for s in ids])) / DAYS_PER_MONTH)
            choice[(months_in <= 0) | (months_in % 12 != 0)] = len(base)
        for k in np.flatnonzero(choice < len(base)).tolist():
            target = None
            if choice[k] > 0:
                target = self.destination(targets[choice[k] - 1], float(when[k]))
                if target == p:
                    continue  # redirected back to its own plan (a withdrawal): the member stays
                peak[target] += 1
            self._at(float(when[k]), partial(self._leave, ids[k], target))

    # -- the changes, at their times ------------------------------------------------------------------------------
    def _at(self, t: float, action) -> None:
        env = self.world.env
        env.timeout(max(0.0, t - env.now)).callbacks.append(lambda _event, t=t: action(t))

    def _join(self, p: int, t: float) -> None:
        self.world.members.join(p, t)
        self.world.book.subscriber_event("new_subscribers", p, t)

    def _leave(self, s: int, target: int | None, t: float) -> None:
        world, members = self.world, self.world.members
        if not members.is_active(s) or s in members.cancelling:
            return  # already moved by a withdrawal, or already cancelled
        p = members.sender_plan[s]
        book = world.book
        if target is None:
            book.subscriber_event("cancellations", p, t)
            if world.plans[p].on_cancel == "keep_until_cycle_end":
                # credits stay usable to the end of the paid cycle, so the member keeps sending until then
                members.cancelling.add(s)
                closing_at = members.cancel_ledger(s, t)  # no more refreshes; the balance lapses at the cycle's end
                if closing_at < world.horizon:
                    self._at(closing_at, partial(self._end_of_cycle, s))
                return
        world.drop_waiting(s, t)
        members.leave(s, t)
        if target is not None:
            book.subscriber_event("switches_out", p, t)
            members.join(target, t)
            book.subscriber_event("switches_in", target, t)

    def _end_of_cycle(self, s: int, t: float) -> None:
        members = self.world.members
        if members.is_active(s):
            self.world.drop_waiting(s, t)
            members.leave(s, t)
        members.cancelling.discard(s)

    def _withdraw(self, src: int, dst: int, t: float) -> None:
        """Moves every subscriber of `src` to `dst` (or where `dst` itself went); members who already cancelled
        finish their paid cycle."""
        members, book = self.world.members, self.world.book
        dst = self.destination(dst, t)
        for s in [s for s in members.active[src] if s not in members.cancelling]:
            self.world.drop_waiting(s, t)
            members.leave(s, t)
            book.subscriber_event("switches_out", src, t)
            members.join(dst, t)
            book.subscriber_event("switches_in", dst, t)
