"""What a recipient does with an InMail: when it is opened, whether and how it is answered, and when.

A recipient checks the inbox at the times of a Poisson process with the recipient's own rate (checks per day). At a
check, an unopened InMail is opened with probability `p_fresh` while it is within the unread window and `p_late`
after. Thinning a Poisson process gives a Poisson process, so the first open comes after an exponential time of rate
`rate * p_fresh` if that falls inside the unread window `w`, and otherwise at `w` plus an exponential time of rate
`rate * p_late`; the engine draws that time directly instead of simulating every check. (Two InMails in one inbox
are opened independently; the per-InMail open time has exactly the law of the check-by-check model.)

Once opened, the recipient replies, accepts or declines with the scenario's probabilities, scaled by the factor of
the body-length band (LinkedIn's 2022 study) and of the day of the week the InMail was sent, after a delay drawn
from the response-delay distribution. An InMail that is neither opened nor answered within the response window is
deleted unanswered. Every InMail consumes the same random numbers whatever its fate, so that variants of a scenario
see the same draws (common random numbers).
"""
from __future__ import annotations

import math
from bisect import bisect_left

from sim.scenario.schema import Inbox, Recipients
from sim.streams import Batched, Streams

INF = math.inf
NO_RESPONSE, REPLY, ACCEPT, DECLINE = 0, 1, 2, 3
RESPONSE_KINDS = {REPLY: "replied", ACCEPT: "accepted", DECLINE: "declined"}


class Behaviour:
    """Draws the fate of each delivered InMail: open delay, response kind and response delay (days after delivery)."""

    def __init__(self, recipients: Recipients, inbox: Inbox, streams: Streams):
        self.unread_days = inbox.unread_window_hours / 24.0
        self.response_window = INF if inbox.response_window_days is None else float(inbox.response_window_days)
        self.p_fresh = recipients.open_probability_fresh
        self.p_late = recipients.open_probability_late
        self.p_reply = recipients.reply_probability
        self.p_accept = recipients.accept_probability
        self.p_decline = recipients.decline_probability
        total = self.p_reply + self.p_accept + self.p_decline
        self.max_factor = INF if total == 0 else 1.0 / total  # a factor may not push the total above 1
        bands = recipients.body_length_factors
        self.band_bounds = [b.max_chars for b in bands[:-1]]
        self.band_factors = [b.factor for b in bands]
        self.day_factors = list(recipients.send_day_factors)
        open_rng, response_rng, delay_rng = streams("open"), streams("response"), streams("response_delay")
        self.next_exp = Batched(open_rng.standard_exponential)
        self.next_u = Batched(response_rng.random)
        delay = recipients.response_delay_days
        self.next_delay = Batched(lambda n: delay.sample(delay_rng, n))

    def length_factor(self, body_chars: int) -> float:
        return self.band_factors[bisect_left(self.band_bounds, body_chars)]

    def open_delay(self, checks_per_day: float) -> float:
        """Days from delivery to the first open (inf if never), before any expiry."""
        e_fresh, e_late = self.next_exp(), self.next_exp()
        a = checks_per_day * self.p_fresh
        if a > 0:
            dt = e_fresh / a
            if dt <= self.unread_days:
                return dt
        b = checks_per_day * self.p_late
        return self.unread_days + e_late / b if b > 0 else INF

    def fate(self, checks_per_day: float, body_chars: int, send_time: float) -> tuple[float, int, float]:
        """(open delay, response kind, response delay), delays in days after delivery, inf when it never happens.

        Within the response window only: an InMail opened or answered after it would have been deleted is not.
        """
        dt_open = self.open_delay(checks_per_day)
        u = self.next_u()
        delay = self.next_delay()
        window = self.response_window
        if dt_open >= window:
            return INF, NO_RESPONSE, INF
        factor = self.band_factors[bisect_left(self.band_bounds, body_chars)]
        factor *= self.day_factors[int(send_time) % 7]
        if factor > self.max_factor:
            factor = self.max_factor
        threshold = self.p_reply * factor
        if u < threshold:
            kind = REPLY
        else:
            threshold += self.p_accept * factor
            if u < threshold:
                kind = ACCEPT
            elif u < threshold + self.p_decline * factor:
                kind = DECLINE
            else:
                return dt_open, NO_RESPONSE, INF
        dt_resp = dt_open + delay
        if dt_resp >= window:
            return dt_open, NO_RESPONSE, INF
        return dt_open, kind, dt_resp
