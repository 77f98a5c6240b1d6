"""Runs one replication on the compiled core: draws the wishes as the Python engine does, hands each window to the
kernel, and turns its arrays into the same `ReplicationResult`.

Nothing here is per InMail: the population, the wish stream and the book are the Python engine's own (so the random
numbers are the same ones), the state lives in the arrays of layout.py, and the kernel (kernel.py) does the rest.
"""
from __future__ import annotations

import gc
import math
import time

import numpy as np

from sim.errors import AccountingError
from sim.metrics import COHORT, CREDIT_FLOWS, DELAY_EDGES, MESSAGE_FLOWS, Book, ReplicationResult, check_identities
from sim.scenario.schema import DAYS_PER_MONTH, Scenario
from sim.streams import Streams

from ..behaviour import Behaviour
from ..population import Population
from ..subscribers import SubscriberDynamics
from ..summary import Figures, summarise
from ..wishes import WishStream, window_days, window_end
from . import kernel, layout as L
from .accounts import ArrayMembers, grow_rows
from .arena import Arena
from .ledger import lots_problem
from .room import Room, aligned_zeros
from .support import lot_ring, unsupported
from .timeline import Timeline


def parameters(scenario: Scenario, behaviour: Behaviour, months: int) -> np.ndarray:
    """The scenario's numbers as the kernel reads them (layout.P_*)."""
    sc, b = scenario, behaviour
    P = np.zeros(L.NP)
    P[L.P_H] = float(sc.horizon_days)
    P[L.P_WARMUP] = float(sc.warmup_days)
    P[L.P_RESP_WIN] = math.inf if sc.inbox.response_window_days is None else float(sc.inbox.response_window_days)
    P[L.P_SLOT] = math.inf if sc.inbox.answered_slot_days is None else float(sc.inbox.answered_slot_days)
    P[L.P_REFUND_WIN] = float(sc.refund.window_days)
    P[L.P_FOLLOW] = sc.sending.followup_probability
    P[L.P_UNREAD] = b.unread_days
    P[L.P_PFRESH], P[L.P_PLATE] = b.p_fresh, b.p_late
    P[L.P_PREPLY], P[L.P_PACCEPT], P[L.P_PDECLINE] = b.p_reply, b.p_accept, b.p_decline
    P[L.P_MAXF] = b.max_factor
    P[L.P_POLICY] = L.POLICIES[sc.refund.policy]
    P[L.P_DROP] = sc.sending.when_out_of_credits == "drop"
    P[L.P_INV_MONTH] = 1.0 / DAYS_PER_MONTH  # the book's INV_MONTH: the same float expression
    P[L.P_MONTHS] = months
    P[L.P_MONTH_DAYS] = DAYS_PER_MONTH
    P[L.P_INBOX_CAP] = sc.inbox.capacity
    P[L.P_MAX_WAIT] = math.inf if sc.sending.max_wait_days is None else float(sc.sending.max_wait_days)
    P[L.P_DAY0:L.P_DAY0 + 7] = b.day_factors
    return P


def plan_table(plans) -> np.ndarray:
    PL = np.zeros((len(plans), L.NPL))
    for p, plan in enumerate(plans):
        PL[p, L.PL_LIFETIME] = math.inf if plan.credit_lifetime_days is None else plan.credit_lifetime_days
        PL[p, L.PL_PERIOD] = DAYS_PER_MONTH
        PL[p, L.PL_CREDITS] = plan.credits_per_month
        PL[p, L.PL_CAP] = -1 if plan.balance_cap is None else plan.balance_cap
        PL[p, L.PL_INITIAL] = plan.initial_credits
    return PL


def simulate_compiled(scenario: Scenario, root: np.random.SeedSequence) -> ReplicationResult:
    """One replication of `scenario` from the replication's root seed (see `sim.streams.replication_seed`)."""
    reasons = unsupported(scenario)
    if reasons:
        raise ValueError(f"scenario {scenario.name!r} needs the Python engine: " + "; ".join(reasons))
    started = time.perf_counter()
    collecting = gc.isenabled()
    gc.disable()  # the run makes no reference cycles worth collecting; the collector would only rescan
    try:
        run = Run(scenario, root)
    finally:
        if collecting:
            gc.enable()
    result = run.result()
    where = f"scenario {scenario.name!r}"
    check_identities(result.metrics, where=where)
    for plan, m in result.by_plan.items():
        check_identities(m, where=f"{where}, plan {plan}")
    G, n = run.G, run.senders
    result.stats = {
        "engine": "compiled",
        "wall_seconds": time.perf_counter() - started,
        "simpy_events": 0,
        "wake_ups": int(G[L.WAKES]),
        "events": int(G[L.CREDIT_EVENTS] + G[L.WAKES] + run.Q[:, L.DELIVERED_R].sum() + G[L.DEPARTED]),
        "inmails_attempted_all": int(run.CC[:, :run.months, L.ATT].sum()),
        "inbox_arena_slots": len(run.arena.A),
        "senders_all": n,
    }
    return result


class Run:
    """One replication on the compiled core. It is the world the wish stream, the members, the subscriber
    dynamics and the summary read: scenario, population, plans, behaviour, book, members, env."""

    def __init__(self, scenario: Scenario, root: np.random.SeedSequence):
        self.scenario = scenario
        streams = Streams(root)
        self.pop = pop = Population(scenario, streams)
        self.horizon = float(scenario.horizon_days)
        self.warmup = float(scenario.warmup_days)
        self.plans = [scenario.plans[name] for name in pop.plan_names]
        self.behaviour = Behaviour(scenario.recipients, scenario.inbox)
        self.book = Book(pop.plan_names, self.horizon, self.warmup)
        self.months = months = self.book.months
        track_value = scenario.subscribers.enabled
        self.P = parameters(scenario, self.behaviour, months)
        self.P[L.P_TRACK_VALUE] = track_value
        self.PL = plan_table(self.plans)
        self.K = lot_ring([plan.credit_lifetime_days for plan in self.plans])
        self.senders = pop.senders
        self.S = aligned_zeros((pop.senders, L.sender_width(self.K)))
        self.RM = np.zeros((pop.senders, months) if track_value else (1, 1), dtype=np.int64)
        self.AS = np.full((len(self.plans), max(pop.plan_sizes) + 64), -1, dtype=np.int64)
        self.ACNT = np.zeros(len(self.plans), dtype=np.int64)
        self.Q = aligned_zeros((pop.recipients, L.QW))
        self.arena = Arena()
        self.CC = np.zeros((len(self.plans), months + 2, L.NK), np.int64)
        self.G = np.zeros(L.NG, np.int64)
        self.FS = np.zeros(1)
        self.DS = np.zeros((len(self.plans), 2))
        self.HC = np.zeros((2, len(DELAY_EDGES) - 1), np.int64)
        self.ED = np.asarray(DELAY_EDGES, dtype=float)
        self.CLK = np.array([0.0, np.nan])  # SimPy's clock as the Python engine's would be, and a pending pause
        self.room = Room(1024)
        self.env = Timeline(self.CLK, self.G)
        self.members = ArrayMembers(self, track_value)
        self.dynamics = SubscriberDynamics(self, streams)
        self.wishes = WishStream(self, streams)
        self._run()

    # -- what members and subscriber dynamics call back ------------------------------------------------------------
    def make_room_for_sender(self, s: int) -> None:
        self.S = grow_rows(self.S, s + 1, aligned=True)
        if self.P[L.P_TRACK_VALUE]:
            self.RM = grow_rows(self.RM, s + 1)
        self.senders = max(self.senders, s + 1)

    def sender_joined(self, s: int) -> None:
        """Members.join's notice: the sender row was opened with the ledger."""

    def drop_waiting(self, s: int, t: float) -> None:
        room = self.room
        kernel.drop_waiting(s, t, self.S, room.pool_f, room.pool_i, room.free, room.nfree, self.CC, self.G, self.P)

    # -- the run ---------------------------------------------------------------------------------------------------
    def _state(self) -> tuple:
        room = self.room
        return (self.S[:self.senders], self.K, room.ht, room.hp, room.hs, self.CLK, room.wt, room.wq, room.wp,
                room.wi, room.ws, self.Q, self.arena.A, self.arena.AT, room.pool_f, room.pool_i, room.free,
                room.nfree, self.CC, self.G, self.FS, self.DS, self.HC, self.ED, self.RM, self.PL, self.P)

    def _ensure(self, wishes: int) -> None:
        """Room in the queues and the inbox arena for `wishes` wishes and the wishes already waiting."""
        waiting = int(self.G[L.WAITING])
        self.room.ensure(wishes, waiting)
        self.arena.ensure(self.Q, wishes + waiting)

    def _until(self, b: float) -> None:
        """What SimPy runs before the wish process resumes at `b`: wake-ups and subscriber events due by then.

        The wish process yields timeout(b - now): it resumes at SimPy time now + (b - now), which may differ from `b`
        in the last bit, after the events due before that time and those due at that very time that were scheduled
        earlier (a member whose paid cycle ends on the 1st of the month leaves before the month is decided)."""
        now0, paused = float(self.CLK[0]), False
        resume = now0 + (b - now0)
        self.G[L.SEQNO] += 1
        order = int(self.G[L.SEQNO])  # the wish process's own timeout
        self._ensure(0)
        while True:
            ts, qs = self.env.next_key()
            first = (ts, qs) < (resume, order)
            limit_t, limit_q = (ts, qs) if first else (resume, order)
            paused |= kernel.run_events(b, limit_t, limit_q, *self._state())
            if not first:
                break
            self.env.step()
            paused = True
        if paused:
            self.CLK[0] = resume

    def _run(self) -> None:
        G, H = self.G, self.horizon
        check_rate = np.ascontiguousarray(self.pop.check_rate_array, dtype=float)
        length = window_days(self.scenario.population.senders)
        t, month, boundary, index = 0.0, 0, 0.0, 0
        while t < H:  # the windows of World._wishes
            if t >= boundary:
                self._until(boundary)
                self.wishes.make_room(self.dynamics.boundary(month, boundary))
                month += 1
                boundary = month * DAYS_PER_MONTH
            t_end = window_end(t, boundary, H, length)
            w = self.wishes.window(index, t, t_end)
            index += 1
            t = t_end
            cols = (w.times, w.plans, w.slots, w.valid, w.u_follow, w.targets, w.dt_open, w.e_fresh, w.e_late,
                    w.u_resp, w.delay, w.factor, w.kinds, w.dt_resps)
            n, i = len(cols[0]), 0
            static = not self.env.heap  # no member can join or leave within the window: look the senders up now
            if static:
                plans, slots = w.plans, w.slots
                senders = np.where(slots < self.ACNT[plans],
                                   self.AS[plans, np.minimum(slots, self.AS.shape[1] - 1)], -1)
            else:
                senders = w.slots
            while True:
                self._ensure(n - i)
                ts, qs = self.env.next_key()
                i = kernel.process_window(min(month - 1, self.months - 1), i, ts, qs, static, senders, *cols, self.AS,
                                          self.ACNT, check_rate, *self._state())
                if i >= n:
                    break
                self.env.step()
        self._until(math.nextafter(H, 0.0))
        self._ensure(0)
        kernel.finish(*self._state())
        if G[L.OVERFLOW]:
            raise AccountingError(f"compiled engine: {G[L.OVERFLOW]} queue pushes did not fit (a bound in room.py "
                                  "is wrong)")

    def _fill_book(self) -> None:
        book, CC, months = self.book, self.CC, self.months
        index = {name: k for k, name in enumerate(L.FLOW_NAMES)}
        P = book.P
        for name in MESSAGE_FLOWS + CREDIT_FLOWS:
            k = index.get(name)
            if k is None:
                continue  # evictions and cancellations: rules the compiled engine does not run
            cells = CC[:, :months, k]
            book.ts[name] = [int(cells[p, m]) for m in range(months) for p in range(P)]
        for name in COHORT:
            if name in index:
                book.cohort[name] = [int(v) for v in CC[:, months, index[name]]]
        for name in CREDIT_FLOWS:
            if name in index:
                book.credit_after[name] = [int(v) for v in CC[:, months, index[name]]]
                book.credit_before[name] = [int(v) for v in CC[:, months + 1, index[name]]]
        book.open_delay_sum = [float(v) for v in self.DS[:, L.DS_OPEN]]
        book.respond_delay_sum = [float(v) for v in self.DS[:, L.DS_RESPOND]]
        book.open_hist = [int(v) for v in self.HC[0]]
        book.respond_hist = [int(v) for v in self.HC[1]]
        book.lazy_events = int(self.G[L.CREDIT_EVENTS])

    def result(self) -> ReplicationResult:
        """The replication's result, after the conservation checks of ledgers and inboxes."""
        where = f"scenario {self.scenario.name!r}"
        S = self.S[:self.senders]
        s = lots_problem(S, self.K)
        if s >= 0:
            raise AccountingError(f"{where}: sender {s}: lots do not add up to the balance {self.S[s, L.BAL]:g}")
        Q = self.Q
        occupancy = Q[:, L.OCC].astype(np.int64)
        delivered = Q[:, L.DELIVERED_R].astype(np.int64)
        held, left = int(occupancy.sum()), int(delivered.sum()) - int(self.G[L.DEPARTED])
        if held != left:
            raise AccountingError(f"{where}: inboxes hold {held} conversations, expected {left} (delivered - left)")
        self._fill_book()

        def recipient_row(r: int) -> tuple[int, int, float]:
            return int(Q[r, L.BOUNCED_R]), 0, float(Q[r, L.DAYS_FULL_R])

        figures = Figures(
            balances=S[:, L.BAL].astype(np.int64), occupancy=occupancy,
            days_full_total=float(Q[:, L.DAYS_FULL_R].sum()), occupancy_days=float(self.FS[L.FS_OCC_DAYS]),
            evicted_conversations=0, delivered_to=delivered, recipient_row=recipient_row,
        )
        return summarise(self, figures)
