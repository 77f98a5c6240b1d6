"""One replication of the InMail world on SimPy, from a validated Scenario to a ReplicationResult.

The SimPy clock drives one process and a few kinds of events: the process walks through the members' wishes to
send (drawn a calendar window at a time, each plan's wishes a Poisson stream over its member slots: wishes.py) and
yields whenever another event is due first; the events are wake-ups of senders whose wishes wait for a credit, and
members joining, leaving and switching plans (subscribers.py). Everything else is decided when an InMail is
delivered: when it will be opened, whether and when it will be answered, when it leaves the inbox and when (if
ever) its credit comes back. Those future changes are applied lazily, by the sender's ledger and the recipient's
inbox, when they are next touched, so the event queue holds only what must wait on the clock. Eviction of a
conversation from a full inbox rewrites that InMail's future: its response, its refund and its counts are
withdrawn. The run covers [0, horizon).
"""
from __future__ import annotations

import gc
import math
import time
from collections import deque
from functools import partial

import numpy as np
import simpy

from sim.metrics import Book, DeliveryLog, ReplicationResult, check_identities
from sim.scenario.schema import DAYS_PER_MONTH, Scenario
from sim.streams import Streams, replication_seed

from .behaviour import NO_RESPONSE, RESPONSE_KINDS, Behaviour
from .fates import FateTimes
from .inbox import Inboxes
from .members import Members
from .population import Population
from .subscribers import SubscriberDynamics
from .wishes import WishStream, window_days, window_end

INF = math.inf


def simulate(scenario: Scenario, seed: int | None = None, replication: int = 0) -> ReplicationResult:
    """Runs replication `replication` of `scenario` with root seed `seed` (default: the scenario's), on the engine the
    scenario names (`auto`: the compiled one when it supports every rule of the scenario, else this one)."""
    seed = scenario.seed if seed is None else seed
    root = replication_seed(seed, replication)
    if engine_for(scenario) == "compiled":
        from .compiled import simulate_compiled

        return simulate_compiled(scenario, root)
    return World(scenario, root).run()


def engine_for(scenario: Scenario) -> str:
    """The engine that runs `scenario`: "compiled" or "python" (ValueError: `engine: compiled` on rules it lacks)."""
    if scenario.engine == "python":
        return "python"
    from .compiled import unsupported

    reasons = unsupported(scenario)
    if not reasons:
        return "compiled"
    if scenario.engine == "compiled":
        raise ValueError(f"scenario {scenario.name!r}: the compiled engine cannot run it: " + "; ".join(reasons))
    return "python"


def load_engine(scenarios) -> None:
    """Loads the code that replications of `scenarios` will run: the compiled engine's (about a second in a new
    process, from its cache on disk) when any of them runs on it. Worker pools call it before their first task."""
    if any(engine_for(sc) == "compiled" for sc in scenarios):
        from .compiled import warm_up

        warm_up()


class World:
    """The state of one replication: population, ledgers, inboxes, behaviour, counters and the SimPy environment."""

    def __init__(self, scenario: Scenario, root: np.random.SeedSequence):
        self.scenario = sc = scenario
        self.env = simpy.Environment()
        streams = Streams(root)
        self.pop = pop = Population(sc, streams)
        self.horizon = float(sc.horizon_days)
        self.warmup = float(sc.warmup_days)
        self.book = Book(pop.plan_names, self.horizon, self.warmup)
        self.behaviour = Behaviour(sc.recipients, sc.inbox)
        self.evict_mode = sc.inbox.when_full == "evict_oldest"
        self.inbox_capacity = sc.inbox.capacity
        self.inboxes = Inboxes(pop.recipients, sc.inbox.capacity, self.evict_mode, self.warmup, self.horizon)
        self.response_window = INF if sc.inbox.response_window_days is None else float(sc.inbox.response_window_days)
        self.answered_slot = INF if sc.inbox.answered_slot_days is None else float(sc.inbox.answered_slot_days)
        self.refund_policy = sc.refund.policy
        self.refund_window = float(sc.refund.window_days)
        self.drop_when_broke = sc.sending.when_out_of_credits == "drop"
        self.max_wait = INF if sc.sending.max_wait_days is None else float(sc.sending.max_wait_days)
        self.p_followup = sc.sending.followup_probability
        self.fates = FateTimes(self.response_window, self.answered_slot, self.refund_policy, self.refund_window)

        self.plans = [sc.plans[name] for name in pop.plan_names]
        self.members = Members(self, track_value=sc.subscribers.enabled)
        self.ledgers = self.members.ledgers
        self.dynamics = SubscriberDynamics(self, streams)
        self.log = DeliveryLog(self.book, self.response_window, self.answered_slot, self.inboxes, pop.recipients,
                               self.members if sc.subscribers.enabled else None)
        self.log_appends = self.log.appenders()
        self.waiting: dict[int, deque] = {}
        self.wake_at: dict[int, float] = {}
        self.last_recipient = [-1] * pop.senders
        self.bounced_at: dict[int, int] = {}
        self.evicted_at: dict[int, int] = {}
        self.next_msg_id = 0
        self.simpy_events = 0

        self.wishes = WishStream(self, streams)

    # -- processes --------------------------------------------------------------------------------------------------
    def _wishes(self):
        """Every member's wishes to send, a window at a time, in time order.

        Wishes cannot affect each other's timing, so they are processed straight from the window's lists; the
        process only yields to SimPy when another event (a wake-up, a member joining or leaving) is due first, which
        keeps time order exact. At each month boundary subscriber dynamics decide the month (and a plan that may
        grow gets more member slots; windows never cross a boundary).

        Most InMails are sent when they are wished, to the recipient drawn for them, so their fate (open, response,
        when they leave the inbox, when a refund comes) is computed for the whole window in numpy (fates.py), and they
        are counted from the window's arrays; a follow-up that goes to the previous recipient instead, a wish that
        waits for a credit, and every InMail in an inbox that evicts take the general path (`_send`).
        """
        env, H, last, p_follow = self.env, self.horizon, self.last_recipient, self.p_followup
        waiting, ledgers, warmup, members = self.waiting, self.ledgers, self.warmup, self.members
        active, decide = members.active, self.behaviour.decide
        inboxes, capacity, evict_mode = self.inboxes, self.inbox_capacity, self.evict_mode
        occupancy, has_room, deliver = inboxes.occupancy, inboxes.has_room, inboxes.deliver
        month, boundary, t, window = 0, 0.0, 0.0, 0
        length = window_days(self.scenario.population.senders)
        while t < H:
            if t >= boundary:  # decide the month that starts here
                if env.peek() <= boundary:
                    yield env.timeout(boundary - env.now)
                self.log.flush()  # count what was delivered so far: members' value feeds the decisions
                self.wishes.make_room(self.dynamics.boundary(month, boundary))
                month += 1
                boundary = month * DAYS_PER_MONTH
            elif len(self.log) > 50_000:
                self.log.flush()  # keep the log short
            t_end = window_end(t, boundary, H, length)
            w = self.wishes.window(window, t, t_end)
            window += 1
            t_resp_w, leave_w, refund_w = self.fates.for_batch(w.times, w.kinds, w.dt_resps)
            times, plans, slots, valid, u_follow, targets = (
                w.times.tolist(), w.plans.tolist(), w.slots.tolist(), w.valid.tolist(), w.u_follow.tolist(),
                w.targets.tolist())
            leaves, refunds = leave_w.tolist(), refund_w.tolist()
            n = len(times)
            sent = bytearray(n)  # 1: sent as drawn, counted from the window's arrays
            sender_of = [0] * n
            # wishes, rejections and spent credits are counted per window: a window lies within one month
            tally = self._tally = [[0] * len(self.plans) for _ in range(6)]
            attempted, attempted_cohort, rejected, rejected_cohort, spent, spent_before = tally
            # the time of SimPy's next event: only a yield, a wish that starts waiting and the general path can
            # schedule one, so it is read again after those
            next_event = env.peek()
            for i in range(n):
                t = times[i]
                if next_event <= t:  # something else comes first: let SimPy run it
                    pause = t - env.now
                    if env.now + pause > t:  # never resume after t (at the horizon SimPy would stop first)
                        pause = math.nextafter(pause, 0.0)
                    yield env.timeout(pause)
                    self.simpy_events += 1
                    next_event = env.peek()
                plan = plans[i]
                members_p = active[plan]
                if slots[i] >= len(members_p):
                    continue  # an empty slot: no wish (thinning)
                s, cohort = members_p[slots[i]], t >= warmup
                attempted[plan] += 1
                if cohort:
                    attempted_cohort[plan] += 1
                if not valid[i]:
                    rejected[plan] += 1
                    if cohort:
                        rejected_cohort[plan] += 1
                    continue
                r = targets[i]
                prev = last[s]
                as_drawn = True
                if prev >= 0 and prev != r and u_follow[i] < p_follow:  # a follow-up to the previous recipient
                    r = prev
                    as_drawn = False
                last[s] = r
                queue = waiting.get(s)
                if queue:  # earlier wishes are still waiting: keep the order
                    queue.append((t, cohort, self._draws(w, i, r, as_drawn)))
                    continue
                lot = ledgers[s].take(t)
                if lot is None:
                    if self.drop_when_broke:
                        self._blocked(plan, t, cohort)
                    else:
                        waiting[s] = deque([(t, cohort, self._draws(w, i, r, as_drawn))])
                        self._schedule_wake(s, t)
                        next_event = env.peek()
                    continue
                if cohort:
                    spent[plan] += 1
                else:
                    spent_before[plan] += 1
                if as_drawn and not evict_mode:
                    if occupancy[r] >= capacity and not has_room(r, t):
                        self._bounce(s, plan, t, lot, cohort, r)
                        continue
                    if refunds[i] < H:  # untagged: only evict mode cancels a refund, and it takes `_send`
                        ledgers[s].refund_at(refunds[i], lot)
                    deliver(r, t, leaves[i], 0)
                    sent[i] = 1
                    sender_of[i] = s
                    continue
                if as_drawn:
                    dt, kind, dt_resp = float(w.dt_open[i]), int(w.kinds[i]), float(w.dt_resps[i])
                else:  # a follow-up: the new recipient's open delay, and the response decided again
                    _, dt, u_resp, delay, factor = self._draws(w, i, r, as_drawn)
                    kind, dt_resp = decide(dt, u_resp, delay, factor, t)
                self._send(s, plan, t, lot, cohort, r, dt, kind, dt_resp)
                next_event = env.peek()
            self._count_tally(month - 1)
            if n:
                mask = np.frombuffer(sent, dtype=np.bool_)
                if mask.any():
                    times_sent = w.times[mask]
                    self.log.add(np.asarray(sender_of, dtype=np.int64)[mask], w.plans[mask], times_sent,
                                 times_sent + w.dt_open[mask], w.kinds[mask], t_resp_w[mask],
                                 times_sent >= warmup, w.targets[mask])
            t = t_end

    def _draws(self, w, i: int, r: int, as_drawn: bool) -> tuple:
        """What a waiting wish keeps for when it is sent: recipient, open delay and the response's random numbers."""
        if as_drawn:
            dt = float(w.dt_open[i])
        else:  # a follow-up: the open delay is the new recipient's
            dt = self.behaviour.open_delay(float(self.pop.check_rate_array[r]), float(w.e_fresh[i]), float(w.e_late[i]))
        return r, dt, float(w.u_resp[i]), float(w.delay[i]), float(w.factor[i])

    def _count_tally(self, month: int) -> None:
        """Adds the window's wishes, rejections and spent credits to the book, in the window's month."""
        attempted, attempted_cohort, rejected, rejected_cohort, spent, spent_before = self._tally
        book = self.book
        base = min(month, book.months - 1) * book.P
        for p in range(book.P):
            book.ts["attempted"][base + p] += attempted[p]
            book.ts["rejected_invalid"][base + p] += rejected[p]
            book.cohort["attempted"][p] += attempted_cohort[p]
            book.cohort["rejected_invalid"][p] += rejected_cohort[p]
            book.ts["credits_spent"][base + p] += spent[p] + spent_before[p]
            book.credit_after["credits_spent"][p] += spent[p]
            book.credit_before["credits_spent"][p] += spent_before[p]
        self._tally = None

    def sender_joined(self, s: int) -> None:
        """Called by Members when a subscription starts: extend the per-sender lists."""
        self.last_recipient.append(-1)

    def drop_waiting(self, s: int, t: float) -> None:
        """A member leaves: wishes still waiting for a credit are dropped as blocked."""
        queue = self.waiting.pop(s, None)
        if queue:
            plan = self.members.sender_plan[s]
            for _t, cohort, _draws in queue:
                self._blocked(plan, t, cohort)
        self.wake_at.pop(s, None)

    def _blocked(self, plan: int, t: float, cohort: bool) -> None:
        self.book.event("blocked_no_credit", plan, t)
        if cohort:
            self.book.cohort["blocked_no_credit"][plan] += 1

    def _schedule_wake(self, s: int, t: float) -> None:
        """Wakes sender `s` when its next credit can arrive (a refresh or a refund), after time `t`."""
        ledger = self.ledgers[s]
        t_next = ledger.next_refresh if (ledger.active and ledger.credits_per_refresh > 0) else INF
        if ledger.refunds:
            t_next = min(t_next, ledger.refunds[0][0])
        queue = self.waiting.get(s)
        if queue and self.max_wait < INF:  # the oldest wish gives up when its wait runs out
            t_next = min(t_next, queue[0][0] + self.max_wait)
        if t_next < t:
            t_next = t
        if t_next < self.horizon and self.wake_at.get(s, INF) > t_next:
            self.wake_at[s] = t_next
            # the wish process may be ahead of env.now (it runs wishes straight from its batch), so schedule by
            # absolute time
            self.env.timeout(t_next - self.env.now).callbacks.append(partial(self._wake, s, t_next))

    def _wake(self, s: int, t: float, _event) -> None:
        # `t` is the intended time: env.now, reached as now + delay, may differ from it in the last bit
        self.simpy_events += 1
        if self.wake_at.get(s) == t:
            del self.wake_at[s]
        queue = self.waiting.get(s)
        if not queue:
            return
        plan = self.members.sender_plan[s]
        ledger = self.ledgers[s]
        while queue:
            t_wish, cohort, draws = queue[0]
            if t_wish + self.max_wait <= t:  # the same expression as the wake-up time: no rounding gap
                queue.popleft()
                self._blocked(plan, t_wish + self.max_wait, cohort)
                continue
            lot = ledger.spend(t)
            if lot is None:
                break
            queue.popleft()
            r, dt_open, u, delay, factor = draws
            kind, dt_resp = self.behaviour.decide(dt_open, u, delay, factor, t)  # the weekday of the actual send
            self._send(s, plan, t, lot, cohort, r, dt_open, kind, dt_resp)
        if queue:
            self._schedule_wake(s, t)
        else:
            del self.waiting[s]

    # -- one InMail ------------------------------------------------------------------------------------------------
    def _send(self, s, plan, t, lot, cohort, r, dt_open, kind, dt_resp) -> None:
        """Sends one InMail whose credit is spent: bounce it, or deliver it with the fate drawn for it."""
        inboxes = self.inboxes
        if inboxes.occupancy[r] >= self.inbox_capacity and not inboxes.has_room(r, t):
            if self.evict_mode:
                self._evicted(inboxes.evict(r, t), t)
            else:
                self._bounce(s, plan, t, lot, cohort, r)
                return
        t_open = t + dt_open
        t_resp, leave, refund_t = self.fates.for_one(t, kind, dt_resp)
        msg_id = self.next_msg_id
        self.next_msg_id = msg_id + 1
        if refund_t < self.horizon:
            self.ledgers[s].refund_at(refund_t, lot, msg_id)

        record = (msg_id, s, plan, r, t, t_open, kind, t_resp, lot, cohort, refund_t) if self.evict_mode else None
        inboxes.deliver(r, t, leave, msg_id, record)
        log_sender, log_plan, log_t, log_open, log_kind, log_resp, log_cohort, log_recipient = self.log_appends
        log_sender(s)
        log_plan(plan)
        log_t(t)
        log_open(t_open)
        log_kind(kind)
        log_resp(t_resp)
        log_cohort(cohort)
        log_recipient(r)

    def _bounce(self, s: int, plan: int, t: float, lot: float, cohort: bool, r: int) -> None:
        """An InMail refused by a full inbox: its credit comes back at once."""
        self.ledgers[s].refund_now(t, lot)
        self.book.event("bounced_inbox_full", plan, t)
        self.bounced_at[r] = self.bounced_at.get(r, 0) + 1
        if cohort:
            self.book.cohort["bounced_inbox_full"][plan] += 1

    def _evicted(self, record, te: float) -> None:
        """A conversation pushed out of a full inbox at `te`: what had not happened by then never will.

        Its fate was counted when it was delivered (DeliveryLog); withdraw what falls after `te` and count the
        eviction instead. A conversation already answered only loses its slot early: its InMail's fate stands.
        """
        msg_id, s, plan, r, t, t_open, kind, t_resp, lot, cohort, refund_t = record
        self.evicted_at[r] = self.evicted_at.get(r, 0) + 1
        if kind != NO_RESPONSE and t_resp <= te:
            return
        book, H = self.book, self.horizon
        expiry = t + self.response_window
        if kind != NO_RESPONSE:
            fate = "responded" if t_resp < H else "pending_end"
        else:
            fate = "expired_unanswered" if expiry < H else "pending_end"
        open_withdrawn = te < t_open < H
        if open_withdrawn:
            book.event("opened", plan, t_open, -1)
        if fate == "responded":
            book.event("responded", plan, t_resp, -1)
            if self.members.track_value:
                self.members.note_response(s, t_resp, -1)
        elif fate == "expired_unanswered":
            book.event("expired_unanswered", plan, expiry, -1)
        book.event("evicted", plan, te)
        if cohort:
            c = book.cohort
            c[fate][plan] -= 1
            c["evicted"][plan] += 1
            if fate == "responded":
                c[RESPONSE_KINDS[kind]][plan] -= 1
            if open_withdrawn:
                c["opened"][plan] -= 1
            book.delay(plan, t_open - t if open_withdrawn else None, t_resp - t if fate == "responded" else None, -1)
        ledger = self.ledgers[s]
        if refund_t > te and refund_t < INF and self.refund_policy == "on_response":
            ledger.cancel_refund(msg_id)
        elif self.refund_policy == "on_no_response" and refund_t == INF:
            when = t + self.refund_window  # the response that would have prevented the refund will not come
            if when < H:
                ledger.refund_at(when, lot, msg_id)
                if s in self.waiting:
                    self._schedule_wake(s, te)

    # -- the run ---------------------------------------------------------------------------------------------------
    def run(self) -> ReplicationResult:
        started = time.perf_counter()
        self.env.process(self._wishes())
        # The event loop makes no reference cycles (reference counting frees what it drops), while the cyclic
        # collector would rescan millions of long-lived ledgers, lots and heap entries again and again.
        # A finished world is a reference cycle that only the collector frees: collect once before switching it off,
        # so a process running replications one after another holds one world at a time.
        collecting = gc.isenabled()
        try:
            if collecting:
                gc.collect()
                gc.disable()
            self.env.run(until=self.horizon)
        finally:
            if collecting:
                gc.enable()
        self._close()
        from .summary import summarise  # the summary is long and read once; keep this module about the model

        result = summarise(self, self._figures())
        check_identities(result.metrics, where=f"scenario {self.scenario.name!r}")
        for plan, m in result.by_plan.items():
            check_identities(m, where=f"scenario {self.scenario.name!r}, plan {plan}")
        result.stats = {
            "wall_seconds": time.perf_counter() - started,
            "simpy_events": self.simpy_events,
            "events": self.simpy_events + self.book.lazy_events + self.inboxes.delivered_total
            + self.inboxes.departed_total,
            "inmails_attempted_all": sum(self.book.ts["attempted"]),
            "engine": "python",
        }
        return result

    def _figures(self):
        """The ledgers' and inboxes' part of the result, after checking that they conserve credits and conversations."""
        from sim.errors import AccountingError

        from .summary import Figures

        inboxes = self.inboxes
        problem = inboxes.check_conservation()
        if problem:
            raise AccountingError(f"scenario {self.scenario.name!r}: {problem}")
        for s, ledger in enumerate(self.ledgers):
            held = sum(n for _, n in ledger.lots)
            if held != ledger.balance:
                raise AccountingError(f"sender {s}: lots hold {held} credits but the balance is {ledger.balance}")

        def recipient_row(r: int) -> tuple[int, int, float]:
            return self.bounced_at.get(r, 0), self.evicted_at.get(r, 0), inboxes.days_full.get(r, 0.0)

        return Figures(
            balances=[ledger.balance for ledger in self.ledgers], occupancy=inboxes.occupancy,
            days_full_total=sum(inboxes.days_full.values()), occupancy_days=inboxes.occupancy_days,
            evicted_conversations=inboxes.evicted_total, delivered_to=self.log.delivered_to,
            recipient_row=recipient_row,
        )

    def _close(self) -> None:
        H = self.horizon
        for s, queue in self.waiting.items():
            plan = self.members.sender_plan[s]
            for t_wish, cohort, _draws in queue:
                if t_wish + self.max_wait < H:  # gave up waiting before the end
                    self._blocked(plan, t_wish + self.max_wait, cohort)
                    continue
                self._blocked(plan, t_wish, cohort)  # still waiting: counted as blocked when it was made
                if cohort:
                    self.book.cohort["waiting_end"][plan] += 1
        self.waiting = {}
        self.log.flush()
        last = math.nextafter(H, 0.0)  # the run covers [0, H): a refresh due at H is not part of it
        for ledger in self.ledgers:
            ledger.advance(last)
        self.inboxes.close()


__all__ = ["simulate", "World"]
