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
from ..summary import Figures, summarise
from ..wishes import WishStream, window_days, window_end
from . import kernel, layout as L
from .ledger import init_ledgers, lots_problem
from .room import Room, aligned_zeros
from .support import lot_ring, unsupported

FIRST_ROW_WIDTH = 16
"""Leave times an inbox row holds at first (or the capacity if smaller); a run that needs more runs again 4x wider."""


class StaticMembers:
    """The members of a world without subscriber dynamics: every plan keeps its starting members all year."""

    def __init__(self, pop: Population):
        self.sender_plan = pop.sender_plan
        self.capacity = list(pop.plan_sizes)
        self.active = [range(start, start + size) for start, size in zip(pop.plan_start, pop.plan_sizes)]
        self.sizes = list(pop.plan_sizes)

    def subscribers(self, p: int) -> int:
        return self.sizes[p]


class Host:
    """What the wish stream and the summary read of a world: scenario, population, plans, behaviour, members, book."""

    def __init__(self, scenario: Scenario, root: np.random.SeedSequence):
        self.scenario = scenario
        self.streams = Streams(root)
        self.pop = pop = Population(scenario, self.streams)
        self.horizon = float(scenario.horizon_days)
        self.warmup = float(scenario.warmup_days)
        self.plans = [scenario.plans[name] for name in pop.plan_names]
        self.behaviour = Behaviour(scenario.recipients, scenario.inbox)
        self.book = Book(pop.plan_names, self.horizon, self.warmup)
        self.members = StaticMembers(pop)
        for p, size in enumerate(pop.plan_sizes):
            self.book.membership(p, 0.0, size)
            self.book.subscribers_before[p] += size
        self.wishes = WishStream(self, self.streams)


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
    P[L.P_INBOX_CAP] = sc.inbox.capacity
    P[L.P_MAX_WAIT] = math.inf if sc.sending.max_wait_days is None else float(sc.sending.max_wait_days)
    P[L.P_DAY0:L.P_DAY0 + 7] = b.day_factors
    return P


def plan_table(plans) -> np.ndarray:
    PL = np.zeros((len(plans), L.NPL))
    for p, plan in enumerate(plans):
        PL[p, L.PL_LIFETIME] = plan.credit_lifetime_days
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
    width, reruns = min(scenario.inbox.capacity, FIRST_ROW_WIDTH), 0
    collecting = gc.isenabled()
    gc.disable()  # the run makes no reference cycles; the collector would only rescan the arrays' owners
    try:
        while True:
            run = Run(scenario, root, width)
            if not run.row_full:
                break
            width, reruns = min(scenario.inbox.capacity, 4 * width), reruns + 1
    finally:
        if collecting:
            gc.enable()
    result = run.result()
    where = f"scenario {scenario.name!r}"
    check_identities(result.metrics, where=where)
    for plan, m in result.by_plan.items():
        check_identities(m, where=f"{where}, plan {plan}")
    G = run.G
    result.stats = {
        "engine": "compiled",
        "wall_seconds": time.perf_counter() - started,
        "simpy_events": 0,
        "wake_ups": int(G[L.WAKES]),
        "events": int(G[L.CREDIT_EVENTS] + G[L.WAKES] + run.Q[:, L.DELIVERED_R].sum() + G[L.DEPARTED]),
        "inmails_attempted_all": int(run.CC[:, :run.months, L.ATT].sum()),
        "inbox_row_width": width,
        "inbox_row_reruns": reruns,
    }
    return result


class Run:
    """The arrays of one replication, run to the horizon with inbox rows `width` leave times wide; `row_full` says
    that some inbox needed more (the caller runs again wider)."""

    def __init__(self, scenario: Scenario, root: np.random.SeedSequence, width: int):
        self.host = host = Host(scenario, root)
        pop = host.pop
        self.months = months = host.book.months
        self.P = P = parameters(scenario, host.behaviour, months)
        self.PL = PL = plan_table(host.plans)
        self.K = K = lot_ring([plan.credit_lifetime_days for plan in host.plans])
        self.S = aligned_zeros((pop.senders, L.SW))
        self.Q = aligned_zeros((pop.recipients, L.DEP + width))
        self.CC = np.zeros((len(host.plans), months + 2, L.NK), np.int64)
        self.G = np.zeros(L.NG, np.int64)
        self.FS = np.zeros(1)
        self.DS = np.zeros((len(host.plans), 2))
        self.HC = np.zeros((2, len(DELAY_EDGES) - 1), np.int64)
        self.ED = np.asarray(DELAY_EDGES, dtype=float)
        self.CLK = np.zeros(1)  # SimPy's clock as the engine's process and wake-ups would move it
        self.room = Room(1024)
        phases = np.asarray(pop.billing_phase, dtype=float)
        first_refresh = np.where(phases > 0, phases - DAYS_PER_MONTH, 0.0)  # the same float expression as Members
        init_ledgers(first_refresh, np.asarray(pop.sender_plan, dtype=np.int64), self.S, self.CC, self.G, PL, P, K)
        self._run(scenario)

    def _state(self) -> tuple:
        room = self.room
        return (self.S, self.K, room.ht, room.hp, room.hs, self.CLK, room.wt, room.wq, room.wp, room.wi, room.ws,
                self.Q, room.pool_f, room.pool_i, room.free, room.nfree, self.CC, self.G, self.FS, self.DS, self.HC,
                self.ED, self.PL, self.P)

    def _run(self, scenario: Scenario) -> None:
        host, room, G = self.host, self.room, self.G
        pop = host.pop
        H = host.horizon
        plan_start = np.asarray(pop.plan_start, dtype=np.int64)
        members = np.asarray(pop.plan_sizes, dtype=np.int64)
        check_rate = np.ascontiguousarray(pop.check_rate_array, dtype=float)
        length = window_days(scenario.population.senders)
        t, month, boundary, index = 0.0, 0, 0.0, 0
        while t < H:  # the windows of World._wishes
            if t >= boundary:
                kernel.boundary_step(boundary, *self._state())
                month += 1
                boundary = month * DAYS_PER_MONTH
            t_end = window_end(t, boundary, H, length)
            w = host.wishes.window(index, t, t_end)
            index += 1
            t = t_end
            cols = (w.times, w.plans, w.slots, w.valid, w.u_follow, w.targets, w.dt_open, w.e_fresh, w.e_late,
                    w.u_resp, w.delay, w.factor, w.kinds, w.dt_resps)
            keep = w.slots < members[w.plans]  # a wish on an empty slot is no wish (thinning)
            if not keep.all():
                cols = tuple(c[keep] for c in cols)
            times, plans, slots = cols[:3]
            room.ensure(len(times), int(G[L.WAITING]))
            kernel.process_window(min(month - 1, self.months - 1), times, plan_start[plans] + slots, *cols[3:],
                                  check_rate, *self._state())
            if G[L.INBOX_ROW_FULL]:
                self.row_full = True
                return
        room.ensure(0, int(G[L.WAITING]))
        kernel.finish(*self._state())
        self.row_full = bool(G[L.INBOX_ROW_FULL])
        if G[L.OVERFLOW]:
            raise AccountingError(f"compiled engine: {G[L.OVERFLOW]} queue pushes did not fit (a bound in room.py "
                                  "is wrong)")

    def _fill_book(self) -> None:
        book, CC, months = self.host.book, self.CC, self.months
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
        where = f"scenario {self.host.scenario.name!r}"
        s = lots_problem(self.S, self.K)
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
            balances=self.S[:, L.BAL].astype(np.int64), occupancy=occupancy,
            days_full_total=float(Q[:, L.DAYS_FULL_R].sum()), occupancy_days=float(self.FS[L.FS_OCC_DAYS]),
            evicted_conversations=0, delivered_to=delivered, recipient_row=recipient_row,
        )
        return summarise(self.host, figures)
