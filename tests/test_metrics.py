"""The delivery log counts InMails given one at a time and in batches alike, by month, plan, fate and recipient."""
import math

import numpy as np
import pytest

from sim.metrics import Book, DeliveryLog
from sim.world.inbox import Inboxes

INF = math.inf


def _log(recipients=10):
    book = Book(["a"], horizon=365.0, warmup=0.0)
    inboxes = Inboxes(recipients, 2, False, 0.0, 365.0)
    return book, DeliveryLog(book, 7.0, 30.0, inboxes, recipients)


def test_single_inmails_and_batches_are_counted_alike():
    book, log = _log()
    sender, plan, t, t_open, kind, t_resp, cohort, recipient = log.appenders()
    for append, value in zip((sender, plan, t, t_open, kind, t_resp, cohort, recipient),
                             (0, 0, 1.0, 2.0, 1, 3.0, True, 4)):
        append(value)  # answered on day 3
    log.add(np.array([1, 2]), np.array([0, 0]), np.array([40.0, 41.0]), np.array([INF, 42.0]), np.array([0, 0]),
            np.array([INF, INF]), np.array([True, True]), np.array([4, 5]))  # one never opened, one opened
    assert len(log) == 3
    log.flush()
    assert len(log) == 0
    assert log.delivered_to.tolist() == [0, 0, 0, 0, 2, 1, 0, 0, 0, 0]
    assert book.ts["delivered"][:2] == [1, 2]  # months are 30.4 days: day 1 in month 0, days 40-41 in month 1
    assert book.ts["opened"][:2] == [1, 1]
    assert book.ts["responded"][:2] == [1, 0]
    assert book.ts["expired_unanswered"][:2] == [0, 2]
    assert book.cohort["delivered"] == [3]
    assert book.cohort["replied"] == [1]
    assert book.cohort["expired_unanswered"] == [2]
    assert book.open_delay_sum == [pytest.approx(2.0)]  # 1 day (single) + 1 day (batch)
    # stays: answered day 1 -> 33 (response + 30 days), unanswered 40 -> 47 and 41 -> 48
    assert log.inboxes.occupancy_days == pytest.approx(32.0 + 7.0 + 7.0)


def test_flushing_an_empty_log_changes_nothing():
    book, log = _log()
    log.flush()
    assert sum(book.ts["delivered"]) == 0 and log.delivered_to.sum() == 0


def test_a_log_needs_recipients():
    book = Book(["a"], horizon=365.0, warmup=0.0)
    with pytest.raises(ValueError, match="recipients must be >= 1, got 0"):
        DeliveryLog(book, 7.0, 30.0, Inboxes(1, 1, False, 0.0, 365.0), 0)
