"""The straightforward SimPy model of the benchmark rules: the yardstick the engine's speed is measured against.

It is written the way a newcomer to SimPy would write it, on purpose: one Python object per sender, recipient, credit
lot and message; a process per sender that sleeps until its next wish to send, a process per billing anniversary
schedule, a process per credit lot that waits for its expiry, and a process per InMail that walks it through its life
(wait for a credit, reach the inbox, be looked at check by check until opened, be answered or deleted, free its slot).
Every random number is one call into Python's `random`. Nothing is batched, merged or decided ahead of time.

It reads the same `Scenario` as the engine (see `benchmarks/workload.py`) and mirrors the engine's rules for the
settings that scenario uses; any other setting (warm-up, Zipf targeting, eviction, another refund policy, subscriber
dynamics) is refused with a `ValueError` rather than silently simulated differently. `tests/test_naive_reference.py`
checks that both models give the same rates, so the speed ratio compares two models of the same thing.
"""
from __future__ import annotations

import math
import random
import time
from collections import deque

import simpy

from sim.scenario.schema import DAYS_PER_MONTH, Scenario


def check_supported(scenario: Scenario) -> None:
    """Raises ValueError naming the first setting the naive model does not implement."""
    unsupported = {
        "warmup_days": (scenario.warmup_days, 0),
        "targeting.kind": (scenario.targeting.kind, "uniform"),
        "inbox.when_full": (scenario.inbox.when_full, "bounce"),
        "refund.lot": (scenario.refund.lot, "original"),
        "subscribers.enabled": (scenario.subscribers.enabled, False),
    }
    for key, (value, supported) in unsupported.items():
        if value != supported:
            raise ValueError(f"naive model supports only {key}={supported!r}, got {value!r}")
    if scenario.refund.policy not in ("on_response", "none"):
        policy = scenario.refund.policy
        raise ValueError(f"naive model supports only refund.policy 'on_response' or 'none', got {policy!r}")


def scalar_draw(dist, rng: random.Random):
    """A function that draws one value of a scenario distribution per call, with Python's `random`."""
    kind = dist.dist
    if kind == "fixed":
        return lambda: dist.value
    if kind == "exponential":
        rate = 1.0 / dist.mean_
        return lambda: rng.expovariate(rate)
    if kind == "uniform":
        return lambda: rng.uniform(dist.low, dist.high)
    if kind == "lognormal":
        sigma2 = math.log1p((dist.sd / dist.mean_) ** 2)
        mu, sigma = math.log(dist.mean_) - sigma2 / 2, math.sqrt(sigma2)
        return lambda: rng.lognormvariate(mu, sigma)
    if kind == "gamma":
        shape = (dist.mean_ / dist.sd) ** 2
        scale = dist.mean_ / shape
        return lambda: rng.gammavariate(shape, scale)
    if kind == "weibull":
        return lambda: rng.weibullvariate(dist.scale, dist.shape)
    raise ValueError(f"unknown distribution {kind!r}")


class Lot:
    """Credits granted together: they share a grant time and an expiry time."""

    def __init__(self, granted_at: float, expires_at: float, credits: int):
        self.granted_at = granted_at
        self.expires_at = expires_at
        self.remaining = credits
        self.expired = False


class Sender:
    """A paying member: a plan, credit lots (oldest first), wishes waiting for a credit, the last recipient."""

    def __init__(self, plan, anniversary: float):
        self.plan = plan
        self.anniversary = anniversary
        self.lots: list[Lot] = []
        self.waiting: deque = deque()
        self.previous_recipient = None

    def balance(self) -> int:
        return sum(lot.remaining for lot in self.lots)

    def take_credit(self) -> Lot | None:
        for lot in self.lots:
            if lot.remaining > 0:
                lot.remaining -= 1
                return lot
        return None


class Recipient:
    """A member who can receive InMails: how often they look, and how many conversations their inbox holds now."""

    def __init__(self, checks_per_day: float):
        self.checks_per_day = checks_per_day
        self.conversations = 0


class Counts:
    """The headline counters, named as in docs/outputs.md."""

    NAMES = (
        "inmails_attempted", "inmails_rejected_invalid", "inmails_blocked_no_credit", "inmails_waiting_end",
        "inmails_bounced_inbox_full", "inmails_delivered", "inmails_opened", "inmails_responded",
        "inmails_replied", "inmails_accepted", "inmails_declined", "inmails_expired_unanswered",
        "inmails_evicted", "inmails_pending_end", "credits_initial", "credits_granted", "credits_spent",
        "credits_refunded", "credits_expired", "credits_forfeited_cap", "credits_lost_cancellation",
        "credits_balance_end",
    )

    def __init__(self):
        for name in self.NAMES:
            setattr(self, name, 0)

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.NAMES}


class NaiveWorld:
    """One replication of the scenario, with everything an object and every life a process."""

    def __init__(self, scenario: Scenario, seed: int, replication: int = 0):
        check_supported(scenario)
        self.scenario = scenario
        self.env = simpy.Environment()
        self.rng = rng = random.Random(f"naive:{seed}:{replication}")
        self.counts = Counts()
        messages, recipients, inbox = scenario.messages, scenario.recipients, scenario.inbox
        self.subject_length = scalar_draw(messages.subject_length_chars, rng)
        self.body_length = scalar_draw(messages.body_length_chars, rng)
        self.response_delay = scalar_draw(recipients.response_delay_days, rng)
        check_rate = scalar_draw(recipients.checks_per_day, rng)
        self.unread_window = inbox.unread_window_hours / 24.0
        self.response_window = math.inf if inbox.response_window_days is None else inbox.response_window_days
        self.respond_probability = (
            recipients.reply_probability + recipients.accept_probability + recipients.decline_probability
        )

        names = [name for name in scenario.plan_mix if scenario.plan_mix[name] > 0]
        shares = [scenario.plan_mix[name] for name in names]
        self.senders = []
        for _ in range(scenario.population.senders):
            plan = scenario.plans[rng.choices(names, shares)[0]]
            anniversary = rng.uniform(0, DAYS_PER_MONTH) if plan.refresh == "anniversary" else 0.0
            self.senders.append(Sender(plan, anniversary))
        self.recipients = [Recipient(check_rate()) for _ in range(scenario.population.recipients)]

        for sender in self.senders:
            if sender.anniversary > 0:
                # the member subscribed before time 0: the refresh one month before the first anniversary in the
                # window has already happened, so everyone starts with a grant (held at time 0: credits_initial)
                self.refresh(sender, sender.anniversary - DAYS_PER_MONTH)
            if sender.plan.initial_credits:
                self.add_lot(sender, sender.plan.initial_credits, 0.0)
            self.env.process(self.refreshes(sender))
            self.env.process(self.wishes(sender))

    # --- credits -------------------------------------------------------------------------------------------------
    def add_lot(self, sender: Sender, credits: int, granted_at: float) -> None:
        plan = sender.plan
        lifetime = math.inf if plan.credit_lifetime_days is None else plan.credit_lifetime_days
        lot = Lot(granted_at, granted_at + lifetime, credits)
        sender.lots.append(lot)
        self.count_credits("credits_granted", granted_at, credits)
        if lifetime != math.inf:
            self.env.process(self.expiry(sender, lot))

    def count_credits(self, flow: str, at: float, credits: int) -> None:
        """Flows before time 0 (the end of a warm-up of length 0) make up the balance held at time 0."""
        if at >= 0:
            setattr(self.counts, flow, getattr(self.counts, flow) + credits)
        elif flow == "credits_granted":
            self.counts.credits_initial += credits
        else:
            self.counts.credits_initial -= credits

    def refresh(self, sender: Sender, at: float) -> None:
        """Grants the plan's credits, then caps the balance: the newest credits are the ones forfeited."""
        plan = sender.plan
        self.add_lot(sender, plan.credits_per_month, at)
        if plan.balance_cap is not None:
            excess = sender.balance() - plan.balance_cap
            for lot in reversed(sender.lots):
                if excess <= 0:
                    break
                lost = min(excess, lot.remaining)
                lot.remaining -= lost
                excess -= lost
                self.count_credits("credits_forfeited_cap", at, lost)
        self.hand_out_credits(sender)

    def refreshes(self, sender: Sender):
        """Refreshes at each billing anniversary from the first one in the window on."""
        yield self.env.timeout(sender.anniversary)
        while True:
            self.refresh(sender, self.env.now)
            yield self.env.timeout(DAYS_PER_MONTH)

    def expiry(self, sender: Sender, lot: Lot):
        yield self.env.timeout(max(0.0, lot.expires_at - self.env.now))
        self.count_credits("credits_expired", lot.expires_at, lot.remaining)
        lot.remaining = 0
        lot.expired = True
        sender.lots.remove(lot)

    def refund(self, sender: Sender, lot: Lot) -> None:
        """Returns a credit to the lot it came from; a lot past its lifetime takes it back only to expire it."""
        self.counts.credits_refunded += 1
        if lot.expired:
            self.counts.credits_expired += 1
            return
        lot.remaining += 1
        self.hand_out_credits(sender)

    def hand_out_credits(self, sender: Sender) -> None:
        """Gives fresh credits to the wishes that wait for one, oldest wish first."""
        while sender.waiting and sender.balance() > 0:
            wish = sender.waiting.popleft()
            wish.succeed(sender.take_credit())

    # --- senders -------------------------------------------------------------------------------------------------
    def wishes(self, sender: Sender):
        rate = sender.plan.inmails_per_month / DAYS_PER_MONTH
        if rate <= 0:
            return
        while True:
            yield self.env.timeout(self.rng.expovariate(rate))
            self.env.process(self.inmail(sender))

    def choose_recipient(self, sender: Sender) -> Recipient:
        if sender.previous_recipient is not None and self.rng.random() < self.scenario.sending.followup_probability:
            return sender.previous_recipient
        recipient = self.recipients[self.rng.randrange(len(self.recipients))]
        sender.previous_recipient = recipient
        return recipient

    def is_valid(self) -> tuple[bool, float]:
        """Draws a new InMail's subject, body and HTML; returns whether the limits accept it, and its body length."""
        messages = self.scenario.messages
        subject, body = round(self.subject_length()), round(self.body_length())  # whole characters
        html = self.rng.random() < messages.html_probability
        valid = (
            subject <= messages.subject_limit_chars
            and body <= messages.body_limit_chars
            and (messages.html_allowed or not html)
        )
        return valid, body

    # --- one InMail ----------------------------------------------------------------------------------------------
    def inmail(self, sender: Sender):
        env, counts, rng = self.env, self.counts, self.rng
        counts.inmails_attempted += 1
        valid, body = self.is_valid()
        if not valid:
            counts.inmails_rejected_invalid += 1
            return
        recipient = self.choose_recipient(sender)
        lot = sender.take_credit()
        if lot is None:
            if self.scenario.sending.when_out_of_credits == "drop":
                counts.inmails_blocked_no_credit += 1
                return
            wish = env.event()
            sender.waiting.append(wish)
            max_wait = self.scenario.sending.max_wait_days
            if max_wait is None:
                lot = yield wish
            else:
                yield wish | env.timeout(max_wait)
                if not wish.triggered:
                    sender.waiting.remove(wish)
                    counts.inmails_blocked_no_credit += 1
                    return
                lot = wish.value
        counts.credits_spent += 1
        sent_at = env.now

        if recipient.conversations >= self.scenario.inbox.capacity:
            counts.inmails_bounced_inbox_full += 1
            self.refund(sender, lot)
            return
        recipient.conversations += 1
        counts.inmails_delivered += 1
        deleted_at = sent_at + self.response_window

        # the recipient looks at Poisson times; at each look an unopened InMail is opened with a probability that
        # depends on whether it is still fresh
        recipients = self.scenario.recipients
        while True:
            gap = rng.expovariate(recipient.checks_per_day) if recipient.checks_per_day > 0 else math.inf
            if env.now + gap >= deleted_at:
                yield from self.delete_unanswered(recipient, deleted_at)
                return
            yield env.timeout(gap)
            fresh = env.now - sent_at < self.unread_window
            if rng.random() < (recipients.open_probability_fresh if fresh else recipients.open_probability_late):
                break
        counts.inmails_opened += 1

        if rng.random() >= self.respond_probability * self.response_factor(body, sent_at):
            yield from self.delete_unanswered(recipient, deleted_at)
            return
        delay = self.response_delay()
        if env.now + delay >= deleted_at:
            yield from self.delete_unanswered(recipient, deleted_at)
            return
        yield env.timeout(delay)
        counts.inmails_responded += 1
        kind = rng.random() * self.respond_probability
        if kind < recipients.reply_probability:
            counts.inmails_replied += 1
        elif kind < recipients.reply_probability + recipients.accept_probability:
            counts.inmails_accepted += 1
        else:
            counts.inmails_declined += 1
        if self.scenario.refund.policy == "on_response" and env.now - sent_at <= self.scenario.refund.window_days:
            self.refund(sender, lot)
        if self.scenario.inbox.answered_slot_days is not None:
            yield env.timeout(self.scenario.inbox.answered_slot_days)
            recipient.conversations -= 1

    def response_factor(self, body: float, sent_at: float) -> float:
        recipients = self.scenario.recipients
        for band in recipients.body_length_factors:
            if band.max_chars is None or body <= band.max_chars:
                length_factor = band.factor
                break
        return length_factor * recipients.send_day_factors[int(sent_at) % 7]

    def delete_unanswered(self, recipient: Recipient, deleted_at: float):
        if deleted_at == math.inf:
            return  # never deleted: the conversation keeps its slot to the horizon
        yield self.env.timeout(deleted_at - self.env.now)
        self.counts.inmails_expired_unanswered += 1
        recipient.conversations -= 1

    # --- the run -------------------------------------------------------------------------------------------------
    def run(self) -> dict:
        """Runs to the horizon and returns `{"metrics": {...}, "stats": {"events": n, "wall_seconds": s}}`."""
        started = time.perf_counter()
        env, horizon, events = self.env, self.scenario.horizon_days, 0
        while env.peek() < horizon:
            env.step()
            events += 1
        counts = self.counts
        for sender in self.senders:
            counts.inmails_waiting_end += len(sender.waiting)
            counts.credits_balance_end += sender.balance()
        counts.inmails_blocked_no_credit += counts.inmails_waiting_end
        counts.inmails_pending_end = (
            counts.inmails_delivered - counts.inmails_responded - counts.inmails_expired_unanswered
        )
        check_accounting(counts)
        metrics = {name: float(value) for name, value in counts.as_dict().items()}
        delivered = counts.inmails_delivered
        metrics["open_rate"] = counts.inmails_opened / delivered if delivered else math.nan
        metrics["response_rate"] = counts.inmails_responded / delivered if delivered else math.nan
        return {"metrics": metrics, "stats": {"events": events, "wall_seconds": time.perf_counter() - started}}


def check_accounting(counts: Counts) -> None:
    """The two identities of docs/outputs.md; a failure is a bug in this model."""
    credits_in = counts.credits_initial + counts.credits_granted + counts.credits_refunded
    credits_out = (
        counts.credits_spent + counts.credits_expired + counts.credits_forfeited_cap
        + counts.credits_lost_cancellation + counts.credits_balance_end
    )
    if credits_in != credits_out:
        raise AssertionError(f"naive model lost credits: in {credits_in}, out {credits_out}")
    reached = (
        counts.inmails_rejected_invalid + counts.inmails_blocked_no_credit
        + counts.inmails_bounced_inbox_full + counts.inmails_delivered
    )
    if counts.inmails_attempted != reached:
        raise AssertionError(f"naive model lost InMails: attempted {counts.inmails_attempted}, accounted {reached}")


def simulate_naive(scenario: Scenario, seed: int, replication: int = 0) -> dict:
    """One replication of the naive model: the engine's headline counts, plus how many SimPy events it took."""
    return NaiveWorld(scenario, seed, replication).run()
