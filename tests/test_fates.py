"""The times that follow from a delivered InMail's fate: response, departure from the inbox, refund."""
import math
import re

import numpy as np
import pytest

from sim.world.behaviour import ACCEPT, DECLINE, NO_RESPONSE, REPLY
from sim.world.fates import FateTimes

INF = math.inf


def test_an_answered_inmail_leaves_after_the_answered_slot_and_is_refunded_on_response():
    fates = FateTimes(response_window=7.0, answered_slot=30.0, refund_policy="on_response", refund_window=90.0)
    assert fates.for_one(10.0, REPLY, 2.5) == (12.5, 42.5, 12.5)


def test_an_unanswered_inmail_leaves_at_the_end_of_the_response_window_and_is_not_refunded_on_response():
    fates = FateTimes(7.0, 30.0, "on_response", 90.0)
    assert fates.for_one(10.0, NO_RESPONSE, INF) == (INF, 17.0, INF)


def test_a_response_after_the_refund_window_earns_no_refund_on_response_but_one_on_no_response():
    assert FateTimes(INF, 30.0, "on_response", 7.0).for_one(0.0, ACCEPT, 8.0)[2] == INF
    assert FateTimes(INF, 30.0, "on_no_response", 7.0).for_one(0.0, ACCEPT, 8.0)[2] == 7.0
    assert FateTimes(INF, 30.0, "on_no_response", 7.0).for_one(0.0, DECLINE, 6.0)[2] == INF
    assert FateTimes(INF, 30.0, "none", 7.0).for_one(0.0, NO_RESPONSE, INF)[2] == INF


def test_never_archived_and_never_deleted_conversations_never_leave():
    fates = FateTimes(INF, INF, "none", 90.0)
    assert fates.for_one(3.0, REPLY, 1.0)[1] == INF
    assert fates.for_one(3.0, NO_RESPONSE, INF)[1] == INF


@pytest.mark.parametrize("policy", ["on_response", "on_no_response", "none"])
@pytest.mark.parametrize("windows", [(7.0, 30.0, 90.0), (INF, INF, 5.0), (3.0, 0.0, 2.0)])
def test_the_batch_gives_the_same_floats_as_one_at_a_time(policy, windows):
    response_window, answered_slot, refund_window = windows
    fates = FateTimes(response_window, answered_slot, policy, refund_window)
    rng = np.random.default_rng(7)
    n = 2000
    times = rng.random(n) * 365
    kinds = rng.integers(0, 4, n)
    dt_resps = np.where(kinds == NO_RESPONSE, INF, rng.exponential(4.0, n))
    batch = fates.for_batch(times, kinds, dt_resps)
    for i in range(n):
        one = fates.for_one(float(times[i]), int(kinds[i]), float(dt_resps[i]))
        assert one == tuple(float(column[i]) for column in batch)  # exact: same operations, same order


@pytest.mark.parametrize("args, message", [
    ((0.0, 30.0, "none", 90.0), "response_window must be > 0 (inf: none), got 0.0"),
    ((7.0, -1.0, "none", 90.0), "answered_slot must be >= 0 (inf: never archived), got -1.0"),
    ((7.0, 30.0, "sometimes", 90.0), "refund_policy must be one of on_response, on_no_response, none, got 'sometimes'"),
    ((7.0, 30.0, "none", 0.0), "refund_window must be > 0, got 0.0"),
])
def test_bad_rules_are_refused_at_construction(args, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        FateTimes(*args)
