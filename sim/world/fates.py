"""When a delivered InMail's future happens: its response, its departure from the inbox and its credit's refund.

An InMail's fate is drawn when it is delivered (behaviour.py): whether it is answered (`kind`) and how many days
after delivery (`dt_resp`). Three times follow from that and the scenario's rules. The response comes at delivery
plus the delay. The conversation leaves the inbox `answered_slot` days after the response, or, unanswered, at the
end of the response window. The credit comes back at the response when the refund policy is `on_response` and the
response falls within the refund window, at the end of the refund window when the policy is `on_no_response` and
no response came within it, and never otherwise.

The engine computes these times for a whole window of InMails at once (`for_batch`) and for one InMail whose fate
changed (`for_one`: a follow-up to another recipient, a wish sent later); both do the same floating-point
operations in the same order, so an InMail gets the same times whichever way it went.
"""
from __future__ import annotations

import math

import numpy as np

from .behaviour import NO_RESPONSE

INF = math.inf
REFUND_POLICIES = ("on_response", "on_no_response", "none")


class FateTimes:
    """The rules that turn a drawn fate into times (days; inf: never)."""

    def __init__(self, response_window: float, answered_slot: float, refund_policy: str, refund_window: float):
        if response_window <= 0:
            raise ValueError(f"response_window must be > 0 (inf: none), got {response_window}")
        if answered_slot < 0:
            raise ValueError(f"answered_slot must be >= 0 (inf: never archived), got {answered_slot}")
        if refund_policy not in REFUND_POLICIES:
            raise ValueError(f"refund_policy must be one of {', '.join(REFUND_POLICIES)}, got {refund_policy!r}")
        if refund_window <= 0:
            raise ValueError(f"refund_window must be > 0, got {refund_window}")
        self.response_window = response_window
        self.answered_slot = answered_slot
        self.refund_policy = refund_policy
        self.refund_window = refund_window

    def for_one(self, t: float, kind: int, dt_resp: float) -> tuple[float, float, float]:
        """(response time, leave time, refund time) of one InMail delivered at `t`."""
        t_resp = t + dt_resp
        if kind != NO_RESPONSE:
            leave = t_resp + self.answered_slot
        else:
            leave = t + self.response_window
        refund = INF
        if self.refund_policy == "on_response":
            if kind != NO_RESPONSE and dt_resp <= self.refund_window:
                refund = t_resp
        elif self.refund_policy == "on_no_response":
            if kind == NO_RESPONSE or dt_resp > self.refund_window:
                refund = t + self.refund_window
        return t_resp, leave, refund

    def for_batch(self, times: np.ndarray, kinds: np.ndarray, dt_resps: np.ndarray):
        """`for_one` for arrays of InMails: three arrays, element for element the same floats."""
        answered = kinds != NO_RESPONSE
        t_resp = times + dt_resps
        with np.errstate(invalid="ignore"):
            leave = np.where(answered, t_resp + self.answered_slot, times + self.response_window)
        if self.refund_policy == "on_response":
            refund = np.where(answered & (dt_resps <= self.refund_window), t_resp, INF)
        elif self.refund_policy == "on_no_response":
            refund = np.where(~answered | (dt_resps > self.refund_window), times + self.refund_window, INF)
        else:
            refund = np.full(len(times), INF)
        return t_resp, leave, refund
