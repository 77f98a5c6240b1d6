"""What a recipient does with an InMail: when it is opened, whether and how it is answered, and when.

A recipient checks the inbox at the times of a Poisson process with the recipient's own rate (checks per day). At a
check, an unopened InMail is opened with probability `p_fresh` while it is within the unread window and `p_late`
after. Thinning a Poisson process gives a Poisson process, so the first open comes after an exponential time of rate
`rate * p_fresh` if that falls inside the unread window `w`, and otherwise at `w` plus an exponential time of rate
`rate * p_late`; the engine draws that time directly instead of simulating every check. (Two InMails in one inbox
are opened independently; the per-InMail open time has exactly the law of the check-by-check model.)

Once opened, the recipient replies, accepts or declines with the scenario's probabilities, scaled by the factor of
the body-length band (LinkedIn's 2022 study) and of the day of the week the InMail was sent, after a delay drawn
from the response-delay distribution. An InMail not answered within the response window (opened or not) is deleted
unanswered; an open or a response that would come after that never happens. Every InMail consumes the same random numbers whatever its fate, so that variants of a scenario
see the same draws (common random numbers).
"""
from __future__ import annotations

import math

import numpy as np

from sim.scenario.schema import Inbox, Recipients

INF = math.inf
NO_RESPONSE, REPLY, ACCEPT, DECLINE = 0, 1, 2, 3
RESPONSE_KINDS = {REPLY: "replied", ACCEPT: "accepted", DECLINE: "declined"}


class Behaviour:
    """Draws the fate of InMails: open delay, response kind and response delay (days after delivery).

    Random numbers are drawn for a batch of InMails at once (`draw`); the response is decided per InMail when it is
    delivered (`decide`), because it depends on the day it is sent.
    """

    def __init__(self, recipients: Recipients, inbox: Inbox):
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
        self.day_array = np.asarray(self.day_factors, dtype=float)
        self.band_bound_array = np.array(self.band_bounds, dtype=float)
        self.band_factor_array = np.array(self.band_factors, dtype=float)
        self.delay_dist = recipients.response_delay_days

    def open_delay(self, checks_per_day: float, e_fresh: float, e_late: float) -> float:
        """Days from delivery to the first open (inf if never or after the response window), from two unit
        exponential draws: the scalar twin of the batch formula in `draw`, for InMails whose recipient changed."""
        a = checks_per_day * self.p_fresh
        if a > 0:
            dt = e_fresh / a
            if dt <= self.unread_days:
                return dt if dt < self.response_window else INF
        b = checks_per_day * self.p_late
        dt = self.unread_days + e_late / b if b > 0 else INF
        return dt if dt < self.response_window else INF

    def draw(self, checks_per_day: np.ndarray, body_chars: np.ndarray, open_rng, response_rng, delay_rng):
        """For a batch of InMails: open delays (days after delivery, inf if never, before expiry), the two unit
        exponentials they came from, the uniforms that decide the response, the response delays (days after the
        open) and the body-length factors. The generators are the caller's (one set per plan)."""
        n = len(body_chars)
        e = open_rng.standard_exponential((2, n))
        u = response_rng.random(n)
        delay = self.delay_dist.sample(delay_rng, n)
        with np.errstate(divide="ignore", invalid="ignore"):
            fresh = e[0] / (checks_per_day * self.p_fresh)
            late = self.unread_days + e[1] / (checks_per_day * self.p_late)
        fresh = np.where(np.isnan(fresh), INF, fresh)
        late = np.where(np.isnan(late), INF, late)
        dt_open = np.where(fresh <= self.unread_days, fresh, late)
        dt_open[dt_open >= self.response_window] = INF
        factor = self.band_factor_array[np.searchsorted(self.band_bound_array, body_chars, side="left")]
        return dt_open, e[0], e[1], u, delay, factor

    def decide_batch(self, dt_open, u, delay, factor, send_times):
        """`decide` for a batch of InMails delivered at `send_times`, with the same arithmetic (same results)."""
        f = factor * self.day_array[send_times.astype(np.int64) % 7]
        f = np.minimum(f, self.max_factor)
        t1 = self.p_reply * f
        t2 = t1 + self.p_accept * f
        t3 = t2 + self.p_decline * f
        kind = np.where(u < t1, REPLY, np.where(u < t2, ACCEPT, np.where(u < t3, DECLINE, NO_RESPONSE)))
        dt_resp = dt_open + delay
        answered = (kind != NO_RESPONSE) & (dt_open != INF) & (dt_resp < self.response_window)
        return np.where(answered, kind, NO_RESPONSE), np.where(answered, dt_resp, INF)

    def decide(self, dt_open: float, u: float, delay: float, factor: float, send_time: float):
        """(response kind, response delay after delivery) for one opened InMail sent at `send_time`."""
        if dt_open == INF:
            return NO_RESPONSE, INF
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
                return NO_RESPONSE, INF
        dt_resp = dt_open + delay
        if dt_resp >= self.response_window:
            return NO_RESPONSE, INF
        return kind, dt_resp
