"""Counting what happened in one replication, and checking that nothing was lost.

The `Book` keeps two kinds of counts. Monthly flows by plan (the time series) count each event in the month in which
it happens. The headline funnel follows a cohort: every InMail attempted after the warm-up, to its fate at the
horizon. Credit flows are counted by event time, split into before and after the warm-up, so that the balance at
the end of the warm-up is known independently of the balance at the horizon and the credit identity is a real check.

`ReplicationResult` is the plain-data outcome of one replication (see docs/outputs.md); `check_identities` raises
`AccountingError` when a credit or a message cannot be accounted for.
"""
from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field

import numpy as np

from sim.errors import AccountingError
from sim.scenario.schema import DAYS_PER_MONTH

MESSAGE_FLOWS = (
    "attempted", "rejected_invalid", "blocked_no_credit", "bounced_inbox_full", "delivered", "opened",
    "responded", "expired_unanswered", "evicted",
)
CREDIT_FLOWS = (
    "credits_granted", "credits_spent", "credits_refunded", "credits_expired", "credits_forfeited_cap",
    "credits_lost_cancellation",
)
CREDIT_IN = ("credits_granted", "credits_refunded")
SUBSCRIBER_FLOWS = ("new_subscribers", "cancellations", "switches_in", "switches_out")
COHORT = (
    "attempted", "rejected_invalid", "blocked_no_credit", "waiting_end", "bounced_inbox_full", "delivered",
    "opened", "responded", "replied", "accepted", "declined", "expired_unanswered", "evicted", "pending_end",
)
INV_MONTH = 1.0 / DAYS_PER_MONTH
DELAY_EDGES = [0.0, 1 / 24, 0.25, 0.5, 1, 2, 3, 5, 7, 14, 30, 60, 90, 180, 365, math.inf]

TIMESERIES_COLUMNS = (
    ["month", "month_start_day", "plan", "subscribers"] + list(SUBSCRIBER_FLOWS)
    + list(MESSAGE_FLOWS) + list(CREDIT_FLOWS) + ["credits_balance_end", "revenue"]
)


class Book:
    """Counters of one replication, by plan (index) and month."""

    def __init__(self, plan_names: list[str], horizon: float, warmup: float):
        self.plan_names = plan_names
        self.P = len(plan_names)
        self.horizon = horizon
        self.warmup = warmup
        self.months = max(1, math.ceil(horizon / DAYS_PER_MONTH - 1e-9))
        size = self.months * self.P
        self.ts = {f: [0] * size for f in MESSAGE_FLOWS + CREDIT_FLOWS + SUBSCRIBER_FLOWS}
        self.member_days = [0.0] * size  # subscribed member-days by month and plan: revenue accrues on them
        self.window_member_days = [0.0] * self.P
        self.subscriber_after = {f: [0] * self.P for f in SUBSCRIBER_FLOWS}
        self.subscribers_before = [0] * self.P  # subscribers at the end of the warm-up: initial + flows before it
        self.credit_after = {f: [0] * self.P for f in CREDIT_FLOWS}
        self.credit_before = {f: [0] * self.P for f in CREDIT_FLOWS}
        self.cohort = {f: [0] * self.P for f in COHORT}
        self.open_delay_sum = [0.0] * self.P
        self.respond_delay_sum = [0.0] * self.P
        self.open_hist = [0] * (len(DELAY_EDGES) - 1)
        self.respond_hist = [0] * (len(DELAY_EDGES) - 1)
        self.lazy_events = 0

    def month_of(self, t: float) -> int:
        """The month a time falls in: months are [k, k + 1) * DAYS_PER_MONTH; times before 0 count in month 0."""
        m = int(t * INV_MONTH) if t > 0 else 0
        return m if m < self.months else self.months - 1

    def event(self, flow: str, plan: int, t: float, n: int = 1) -> None:
        """A message event at time `t` (ignored at or after the horizon: the run covers [0, horizon))."""
        if t < self.horizon:
            m = int(t * INV_MONTH)
            if m >= self.months:
                m = self.months - 1
            self.ts[flow][m * self.P + plan] += n

    def membership(self, plan: int, t: float, n: int) -> None:
        """`n` members of `plan` start (n > 0) or stop (n < 0) being paid up at `t`, until the horizon."""
        H = self.horizon
        start = max(t, self.warmup)
        if H > start:
            self.window_member_days[plan] += n * (H - start)
        m = int(t / DAYS_PER_MONTH) if t > 0 else 0
        while m < self.months:
            a = max(t, m * DAYS_PER_MONTH)
            b = min(H, (m + 1) * DAYS_PER_MONTH)
            if b > a:
                self.member_days[m * self.P + plan] += n * (b - a)
            m += 1

    def subscriber_event(self, flow: str, plan: int, t: float) -> None:
        """A member joined, cancelled or switched (in or out) at `t`."""
        self.event(flow, plan, t)
        if t >= self.warmup:
            self.subscriber_after[flow][plan] += 1
        else:
            self.subscribers_before[plan] += 1 if flow in ("new_subscribers", "switches_in") else -1

    def credit_recorder(self, plan: int):
        """The `record(flow, t, n)` function a ledger of this plan reports to."""
        ts, after, before, warmup = self.ts, self.credit_after, self.credit_before, self.warmup
        months, P = self.months, self.P

        def record(flow: str, t: float, n: int) -> None:
            # a ledger's opening grant is dated before 0 (its lot expires on the member's own schedule) but happens
            # at the start: it counts as granted at 0, after the warm-up when there is none
            if t < 0:
                t = 0.0
            m = int(t * INV_MONTH)
            ts[flow][(m if m < months else months - 1) * P + plan] += n
            (after if t >= warmup else before)[flow][plan] += n
            self.lazy_events += 1

        return record

    def delay(self, plan: int, open_delay: float | None, respond_delay: float | None, sign: int = 1) -> None:
        """Adds (or with sign -1 removes) one cohort InMail's time to open and time to respond."""
        if open_delay is not None:
            self.open_delay_sum[plan] += sign * open_delay
            self.open_hist[bisect_right(DELAY_EDGES, open_delay) - 1] += sign
        if respond_delay is not None:
            self.respond_delay_sum[plan] += sign * respond_delay
            self.respond_hist[bisect_right(DELAY_EDGES, respond_delay) - 1] += sign


@dataclass
class ReplicationResult:
    """What one replication produced; `to_dict()` is the plain data written to files and sent between processes."""

    metrics: dict[str, float]
    by_plan: dict[str, dict[str, float]]
    timeseries: list[dict]
    distributions: dict
    stats: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "metrics": self.metrics,
            "by_plan": self.by_plan,
            "timeseries": self.timeseries,
            "distributions": self.distributions,
            "stats": self.stats,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "ReplicationResult":
        return cls(data["metrics"], data["by_plan"], data["timeseries"], data["distributions"], data.get("stats", {}))


def ratio(num: float, den: float) -> float:
    return num / den if den else math.nan


def check_identities(m: dict[str, float], where: str = "") -> None:
    """Raises AccountingError if the credit or message identities of docs/outputs.md do not hold in `m`."""
    problems = []
    credit_in = m["credits_initial"] + m["credits_granted"] + m["credits_refunded"]
    credit_out = (
        m["credits_spent"] + m["credits_expired"] + m["credits_forfeited_cap"] + m["credits_lost_cancellation"]
        + m["credits_balance_end"]
    )
    if credit_in != credit_out:
        problems.append(
            f"credits: initial + granted + refunded = {credit_in} but spent + expired + forfeited + lost + "
            f"balance at end = {credit_out}"
        )
    outcomes = (
        m["inmails_rejected_invalid"] + m["inmails_blocked_no_credit"] + m["inmails_bounced_inbox_full"]
        + m["inmails_delivered"]
    )
    if m["inmails_attempted"] != outcomes:
        problems.append(
            f"messages: attempted = {m['inmails_attempted']} but rejected + blocked + bounced + delivered = {outcomes}"
        )
    fates = (
        m["inmails_responded"] + m["inmails_expired_unanswered"] + m["inmails_evicted"] + m["inmails_pending_end"]
    )
    if m["inmails_delivered"] != fates:
        problems.append(
            f"messages: delivered = {m['inmails_delivered']} but responded + expired + evicted + pending = {fates}"
        )
    if "subscribers_end" in m:
        joined = m["subscribers_start"] + m["new_subscribers"] + m["plan_switches_in"]
        left = m["cancellations"] + m["plan_switches_out"] + m["subscribers_end"]
        if joined != left:
            problems.append(
                f"subscribers: start + joined + switched in = {joined} but cancelled + switched out + end = {left}"
            )
    kinds = m["inmails_replied"] + m["inmails_accepted"] + m["inmails_declined"]
    if m["inmails_responded"] != kinds:
        problems.append(f"messages: responded = {m['inmails_responded']} but replied + accepted + declined = {kinds}")
    if problems:
        raise AccountingError(f"{where}: " + "; ".join(problems) if where else "; ".join(problems))


class DeliveryLog:
    """InMails delivered since the last flush, counted in bulk with numpy.

    The fate of a delivered InMail (open, response, expiry) is known when it is delivered, so counting it costs the
    engine little: a window's InMails that kept the fate drawn for them arrive as arrays (`add`), the others (a
    follow-up's new recipient, a wish that waited for a credit) through the list appends of `appenders`; `flush` bins
    everything by month, plan and fate at once. Corrections for evicted InMails go straight to the book (they are
    additive, so order does not matter).
    """

    COLUMNS = ("sender", "plan", "t", "t_open", "kind", "t_resp", "cohort", "recipient")

    def __init__(self, book: "Book", response_window: float, answered_slot: float, inboxes, recipients: int,
                 members=None):
        if recipients < 1:
            raise ValueError(f"recipients must be >= 1, got {recipients}")
        self.book = book
        self.response_window = response_window
        self.answered_slot = answered_slot
        self.inboxes = inboxes
        self.members = members  # set when responses received must be tracked per member
        self.lists: tuple[list, ...] = tuple([] for _ in self.COLUMNS)
        self.chunks: list[tuple] = []
        self.pending = 0
        self.delivered_to = np.zeros(recipients, dtype=np.int64)  # InMails delivered, by recipient

    def appenders(self) -> tuple:
        """The `append` methods of the columns, in `COLUMNS` order, for one InMail at a time."""
        return tuple(column.append for column in self.lists)

    def add(self, *columns) -> None:
        """A batch of delivered InMails, as arrays in `COLUMNS` order."""
        self.chunks.append(columns)
        self.pending += len(columns[2])

    def __len__(self) -> int:
        return self.pending + len(self.lists[2])

    def _bin(self, name: str, times, plans) -> None:
        book = self.book
        months = np.minimum((times * INV_MONTH).astype(np.int64), book.months - 1)
        counts = np.bincount(months * book.P + plans, minlength=book.months * book.P)
        target = book.ts[name]
        for k in np.flatnonzero(counts).tolist():
            target[k] += int(counts[k])

    def flush(self) -> None:
        if self.lists[2]:
            dtypes = (np.int64, np.int64, float, float, np.int64, float, bool, np.int64)
            self.add(*(np.asarray(column, dtype=dtype) for column, dtype in zip(self.lists, dtypes)))
            for column in self.lists:
                column.clear()
        if not self.chunks:
            return
        sender, plan, t, t_open, kind, t_resp, cohort, recipient = (
            np.concatenate(column) for column in zip(*self.chunks))
        self.chunks, self.pending = [], 0
        book, H, P = self.book, self.book.horizon, self.book.P
        np.add.at(self.delivered_to, recipient, 1)
        opened = t_open < H
        responded = (kind > 0) & (t_resp < H)
        expiry = t + self.response_window
        expired = (kind == 0) & (expiry < H)
        with np.errstate(invalid="ignore"):  # inf + inf for answers that never come is fine
            leave = np.where(kind > 0, t_resp + self.answered_slot, expiry)
        self.inboxes.add_stays(t, leave)
        self._bin("delivered", t, plan)
        self._bin("opened", t_open[opened], plan[opened])
        self._bin("responded", t_resp[responded], plan[responded])
        self._bin("expired_unanswered", expiry[expired], plan[expired])
        if self.members is not None:
            for s, when in zip(sender[responded].tolist(), t_resp[responded].tolist()):
                self.members.note_response(s, when, 1)
        c = book.cohort

        def count(name, mask):
            got = np.bincount(plan[mask & cohort], minlength=P)
            for p in range(P):
                c[name][p] += int(got[p])

        count("delivered", np.ones_like(cohort))
        count("opened", opened)
        count("responded", responded)
        count("replied", responded & (kind == 1))
        count("accepted", responded & (kind == 2))
        count("declined", responded & (kind == 3))
        count("expired_unanswered", expired)
        count("pending_end", ~responded & ~expired)
        mask = cohort & opened
        sums = np.bincount(plan[mask], weights=(t_open - t)[mask], minlength=P)
        hist = np.histogram((t_open - t)[mask], bins=DELAY_EDGES)[0]
        mask_r = cohort & responded
        sums_r = np.bincount(plan[mask_r], weights=(t_resp - t)[mask_r], minlength=P)
        hist_r = np.histogram((t_resp - t)[mask_r], bins=DELAY_EDGES)[0]
        for p in range(P):
            book.open_delay_sum[p] += float(sums[p])
            book.respond_delay_sum[p] += float(sums_r[p])
        for k in range(len(hist)):
            book.open_hist[k] += int(hist[k])
            book.respond_hist[k] += int(hist_r[k])
