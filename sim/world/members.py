"""Who is subscribed to which plan: members join, leave and switch, each subscription with its own credit ledger.

A sender id is one subscription: a member who switches plans leaves one subscription (its ledger is cancelled by
the old plan's rule: credits never move between plans) and starts a new one on the new plan, with a new id and a
fresh grant. Each plan keeps a list of its active sender ids; the merged stream of send wishes picks a slot in a
plan's list, and a slot beyond the list's current length is no wish at all (thinning), so the stream stays exact
while members come and go. The list capacity only grows at month boundaries, where the wish stream is redrawn.
"""
from __future__ import annotations

import math

from sim.scenario.schema import DAYS_PER_MONTH

from .ledger import CreditLedger

INF = math.inf


def next_first_of_month(t: float) -> float:
    """The first 1st-of-the-month refresh strictly after `t`."""
    first = math.ceil(t / DAYS_PER_MONTH) * DAYS_PER_MONTH
    return first + DAYS_PER_MONTH if first <= t else first


class Members:
    """Active subscriptions by plan, their ledgers, and the responses each has received by month."""

    def __init__(self, world, track_value: bool):
        pop, book = world.pop, world.book
        self.world = world
        self.plans = world.plans
        self.book = book
        self.refund_keeps_date = world.scenario.refund.lot == "original"
        self.sender_plan: list[int] = list(pop.sender_plan)
        self.joined_at: list[float] = [0.0] * pop.senders
        self.active: list[list[int]] = [
            list(range(pop.plan_start[p], pop.plan_start[p] + pop.plan_sizes[p])) for p in range(len(self.plans))
        ]
        self.position: list[int] = [s - pop.plan_start[self.sender_plan[s]] for s in range(pop.senders)]
        self.capacity: list[int] = list(pop.plan_sizes)
        self.cancelling: set[int] = set()  # cancelled, still in their paid cycle (keep_until_cycle_end): not subscribers
        self.track_value = track_value
        self.responses = self._response_rows(pop.senders) if track_value else []
        self.recorders = [book.credit_recorder(p) for p in range(len(self.plans))]
        self.ledgers: list[CreditLedger] = []
        self._open_accounts([phase - DAYS_PER_MONTH if phase > 0 else 0.0 for phase in pop.billing_phase])
        for p in range(len(self.plans)):
            book.membership(p, 0.0, pop.plan_sizes[p])
            book.subscribers_before[p] += pop.plan_sizes[p]

    # -- credit accounts: the Python engine's CreditLedger objects (the compiled engine keeps them in arrays) --------
    def _open_accounts(self, first_refresh: list[float]) -> None:
        """The starting members' ledgers: the last refresh before time 0 happened at phase - one month, so everyone
        starts with a grant."""
        for s, when in enumerate(first_refresh):
            self.ledgers.append(self._ledger(self.sender_plan[s], when, 0.0))

    def _open_joined(self, s: int, p: int, t: float) -> None:
        """The ledger of subscription `s`, joining plan `p` at `t`: credits granted now, then at each refresh."""
        if self.plans[p].refresh == "first_of_month":
            ledger = self._ledger(p, next_first_of_month(t), t, initial=False)
            ledger.grant(t, self.plans[p].credits_per_month)  # the first month's credits come with the subscription
            # extra credits on top, as for everyone: the cap applies to them from the next refresh
            ledger.grant(t, self.plans[p].initial_credits, capped=False)
        else:
            ledger = self._ledger(p, t, t)
        self.ledgers.append(ledger)

    def cancel_ledger(self, s: int, t: float) -> float:
        """Subscription `s` cancels at `t` by its plan's rule; returns when its kept credits lapse (inf: none kept)."""
        ledger = self.ledgers[s]
        ledger.cancel(t)
        return ledger.closing_at

    def _response_rows(self, n: int):
        """Responses received by month, a row per subscription (`responses[s][month]`)."""
        return [[0] * self.book.months for _ in range(n)]

    def _new_response_row(self) -> None:
        self.responses.append([0] * self.book.months)

    def _slot_changed(self, p: int, i: int) -> None:
        """Slot `i` of plan `p`'s member list changed (or the list's length did): for engines that mirror it."""

    def _ledger(self, p: int, first_refresh: float, start: float, initial: bool = True) -> CreditLedger:
        plan = self.plans[p]
        ledger = CreditLedger(
            plan.credits_per_month, plan.balance_cap, plan.credit_lifetime_days, DAYS_PER_MONTH, first_refresh,
            record=self.recorders[p], refund_keeps_date=self.refund_keeps_date, cancel_rule=plan.on_cancel,
            initial_credits=plan.initial_credits if initial else 0, start=start,
        )
        ledger.advance(start)
        return ledger

    def count(self, p: int) -> int:
        """Members in plan `p`'s list (those who cancelled but are still in their paid cycle included)."""
        return len(self.active[p])

    def subscribers(self, p: int) -> int:
        """Subscribers of plan `p`: members who have not cancelled."""
        return len(self.active[p]) - sum(1 for s in self.cancelling if self.sender_plan[s] == p)

    def is_active(self, s: int) -> bool:
        p = self.sender_plan[s]
        i = self.position[s]
        return 0 <= i < len(self.active[p]) and self.active[p][i] == s

    def join(self, p: int, t: float) -> int:
        """A new subscription to plan `p` at `t`: credits granted now, then at each refresh. Returns its sender id."""
        s = len(self.sender_plan)
        self._open_joined(s, p, t)
        self.sender_plan.append(p)
        self.joined_at.append(t)
        self.position.append(len(self.active[p]))
        self.active[p].append(s)
        self._slot_changed(p, len(self.active[p]) - 1)
        if self.track_value:
            self._new_response_row()
        self.world.sender_joined(s)
        self.book.membership(p, t, +1)
        return s

    def leave(self, s: int, t: float) -> None:
        """Subscription `s` ends at `t`: it sends no more; its ledger is cancelled by its plan's rule."""
        p = self.sender_plan[s]
        lst, i = self.active[p], self.position[s]
        last = lst[-1]
        lst[i] = last
        self.position[last] = i
        lst.pop()
        self.position[s] = -1
        self._slot_changed(p, i)
        self.cancel_ledger(s, t)
        self.book.membership(p, t, -1)

    def note_response(self, s: int, t: float, sign: int) -> None:
        if self.track_value and t < self.book.horizon:
            self.responses[s][min(int(t / DAYS_PER_MONTH), self.book.months - 1)] += sign

    def value(self, s: int, month: int, lookback: int) -> float:
        """Responses per month that subscription `s` received over the `lookback` months before `month`."""
        first = max(0, month - lookback, int(self.joined_at[s] / DAYS_PER_MONTH))
        if first >= month:
            return 0.0
        return sum(self.responses[s][first:month]) / (month - first)
