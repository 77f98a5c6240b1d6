"""A sender's credit ledger: credits as dated lots, spent oldest first, expired, capped, refunded, cancelled.

A lot is a number of credits sharing one grant time. Credits are granted at each refresh of the member's plan (on
the billing anniversary or the 1st of the month); a lot that is still unspent `lifetime` days after its grant
expires; right after a refresh the balance is capped and the credits over the cap are forfeited (the newest ones:
the member simply does not receive them); a refund returns one credit, either with the grant date of the credit it
replaces (so it keeps its expiry) or as a new lot. At cancellation the balance is lost at once, or stays usable to
the end of the billing cycle.

The ledger is lazy: grants, expiries and refunds whose times are known in advance are applied when the ledger is
next touched (`advance(t)`), in time order, which gives exactly the state an event-per-change model would reach
without putting one event per change on the simulation's queue. Every change is reported to `record(flow, t, n)`,
so every credit is accounted for.
"""
from __future__ import annotations

import heapq
import math
from bisect import insort

INF = math.inf

GRANTED, SPENT, REFUNDED, EXPIRED, FORFEITED, LOST = (
    "credits_granted",
    "credits_spent",
    "credits_refunded",
    "credits_expired",
    "credits_forfeited_cap",
    "credits_lost_cancellation",
)


def _ignore(flow: str, t: float, n: int) -> None:
    pass


class CreditLedger:
    """One sender's credits.

    `first_refresh` is the time of the first refresh (<= 0 to start with a grant already received); refreshes then
    follow every `period_days`. `cap` None means no cap, `lifetime_days` None means credits never expire.
    """

    __slots__ = (
        "credits_per_refresh", "cap", "lifetime", "period", "refund_keeps_date", "cancel_rule",
        "lots", "balance", "next_refresh", "refunds", "closing_at", "active", "record", "now", "due",
    )

    def __init__(
        self,
        credits_per_refresh: int,
        cap: int | None,
        lifetime_days: float | None,
        period_days: float,
        first_refresh: float,
        record=_ignore,
        refund_keeps_date: bool = True,
        cancel_rule: str = "forfeit",
        initial_credits: int = 0,
        start: float = 0.0,
    ):
        if credits_per_refresh < 0:
            raise ValueError(f"credits_per_refresh must be >= 0, got {credits_per_refresh}")
        if cap is not None and cap < 0:
            raise ValueError(f"cap must be >= 0 or None, got {cap}")
        if lifetime_days is not None and lifetime_days <= 0:
            raise ValueError(f"lifetime_days must be > 0 or None, got {lifetime_days}")
        if period_days <= 0:
            raise ValueError(f"period_days must be > 0, got {period_days}")
        if cancel_rule not in ("forfeit", "keep_until_cycle_end"):
            raise ValueError(f"cancel_rule must be 'forfeit' or 'keep_until_cycle_end', got {cancel_rule!r}")
        self.credits_per_refresh = credits_per_refresh
        self.cap = cap
        self.lifetime = INF if lifetime_days is None else float(lifetime_days)
        self.period = float(period_days)
        self.refund_keeps_date = refund_keeps_date
        self.cancel_rule = cancel_rule
        self.lots: list[list] = []  # [grant_time, count], oldest first
        self.balance = 0
        self.next_refresh = float(first_refresh)
        self.refunds: list[tuple] = []  # heap of (time, lot_time, tag)
        self.closing_at = INF  # when credits kept after a cancellation are lost
        self.active = True
        self.record = record
        self.now = min(float(start), float(first_refresh))
        self.due = self.next_change()  # nothing changes before this time: `spend` skips `advance` until then
        if initial_credits:
            self.advance(start)  # a refresh before the start (and its cap) comes first: extra credits are not capped
            self._add_lot(start, initial_credits)
            record(GRANTED, start, initial_credits)
            self.due = self.next_change()

    # -- the lazy clock ------------------------------------------------------------------------------------------
    def next_change(self) -> float:
        """Time of the next change already known: an expiry, a refresh, a refund or the end of a kept cycle."""
        t = self.next_refresh if self.active else self.closing_at
        if self.lots:
            t = min(t, self.lots[0][0] + self.lifetime)
        if self.refunds:
            t = min(t, self.refunds[0][0])
        return t

    def advance(self, t: float) -> None:
        """Applies, in time order, every expiry, refresh and refund due at or before `t`."""
        lots = self.lots
        refunds = self.refunds
        lifetime = self.lifetime
        while True:
            t_exp = lots[0][0] + lifetime if lots else INF
            t_ref = self.next_refresh if self.active else self.closing_at
            t_rf = refunds[0][0] if refunds else INF
            # at equal times: expire first, then refresh, then refund (a lot dies before its successor arrives)
            if t_exp <= t_ref and t_exp <= t_rf:
                if t_exp > t:
                    due = t_exp
                    break
                _, n = lots.pop(0)
                self.balance -= n
                self.record(EXPIRED, t_exp, n)
            elif t_ref <= t_rf:
                if t_ref > t:
                    due = t_ref
                    break
                if self.active:
                    self._refresh(t_ref)
                else:
                    self._lose_all(t_ref)
                    self.closing_at = INF
            else:
                if t_rf > t:
                    due = t_rf
                    break
                _, lot_time, _ = heapq.heappop(refunds)
                self._return_credit(t_rf, lot_time)
        if t > self.now:
            self.now = t
        self.due = due  # the earliest of the three: what `next_change` would compute

    def _refresh(self, t: float) -> None:
        n = self.credits_per_refresh
        if n:
            lots = self.lots
            if not lots or lots[-1][0] < t:  # the usual case: the newest lot
                lots.append([t, n])
                self.balance += n
            else:
                self._add_lot(t, n)
            self.record(GRANTED, t, n)
        if self.cap is not None and self.balance > self.cap:
            self._take_newest(t, self.balance - self.cap, FORFEITED)
        self.next_refresh = t + self.period

    def _return_credit(self, t: float, lot_time: float) -> None:
        self.record(REFUNDED, t, 1)
        if not self.active and self.closing_at == INF:
            self.record(LOST, t, 1)  # the member has left and took nothing with them
            return
        when = lot_time if self.refund_keeps_date else t
        if when + self.lifetime <= t:
            self.record(EXPIRED, t, 1)  # came back already past its lifetime
            return
        self._add_lot(when, 1)

    def _add_lot(self, when: float, n: int) -> None:
        lots = self.lots
        if not lots or lots[-1][0] <= when:
            if lots and lots[-1][0] == when:
                lots[-1][1] += n
            else:
                lots.append([when, n])
        else:
            insort(lots, [when, n])
        self.balance += n

    def _take_newest(self, t: float, n: int, flow: str) -> None:
        lots = self.lots
        self.balance -= n
        self.record(flow, t, n)
        while n:
            last = lots[-1]
            if last[1] <= n:
                n -= last[1]
                lots.pop()
            else:
                last[1] -= n
                n = 0

    def _lose_all(self, t: float) -> None:
        if self.balance:
            self.record(LOST, t, self.balance)
        self.lots.clear()
        self.balance = 0

    # -- what senders and the world do ----------------------------------------------------------------------------
    def grant(self, t: float, n: int, capped: bool = True) -> None:
        """Grants `n` credits at `t` outside the refresh schedule (a new subscription's first month), capped like a
        refresh unless `capped` is False."""
        self.advance(t)
        if n:
            self._add_lot(t, n)
            self.record(GRANTED, t, n)
        if capped and self.cap is not None and self.balance > self.cap:
            self._take_newest(t, self.balance - self.cap, FORFEITED)
        self.due = self.next_change()

    def spend(self, t: float) -> float | None:
        """Spends the oldest credit at `t`; returns its grant time, or None when there is no credit."""
        lot_time = self.take(t)
        if lot_time is not None:
            self.record(SPENT, t, 1)
        return lot_time

    def take(self, t: float) -> float | None:
        """`spend` without reporting the spent credit: for a caller that counts spent credits itself, in bulk."""
        if t >= self.due:
            self.advance(t)
        if not self.balance:
            return None
        lots = self.lots
        lot = lots[0]
        lot_time = lot[0]
        if lot[1] == 1:
            lots.pop(0)
            self.due = self.next_change()
        else:
            lot[1] -= 1
        self.balance -= 1
        return lot_time

    def refund_at(self, t: float, lot_time: float, tag=0) -> None:
        """Schedules the return of a credit (granted at `lot_time`) at time `t`, applied when the ledger is next touched."""
        heapq.heappush(self.refunds, (t, lot_time, tag))
        if t < self.due:
            self.due = t

    def refund_now(self, t: float, lot_time: float) -> None:
        """Returns a credit at once (an InMail that bounced)."""
        self.advance(t)
        self._return_credit(t, lot_time)
        self.due = self.next_change()

    def cancel_refund(self, tag) -> bool:
        """Removes a scheduled refund by its tag (an InMail whose response will now never come)."""
        for i, item in enumerate(self.refunds):
            if item[2] == tag:
                self.refunds[i] = self.refunds[-1]
                self.refunds.pop()
                heapq.heapify(self.refunds)
                self.due = self.next_change()
                return True
        return False

    def cancel(self, t: float) -> None:
        """The member cancels at `t`: no more grants; the balance is lost now or at the end of the billing cycle."""
        self.advance(t)
        if not self.active:
            return
        self.active = False
        if self.cancel_rule == "forfeit":
            self._lose_all(t)
        else:
            self.closing_at = self.next_refresh
        self.due = self.next_change()
