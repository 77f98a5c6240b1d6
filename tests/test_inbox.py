"""Inboxes: capacity, lazy departures, eviction, time at capacity and occupancy accounting."""
import math

import numpy as np
import pytest

from sim.world.inbox import Inboxes


def test_capacity_then_room_after_a_departure():
    boxes = Inboxes(3, capacity=2, evict_oldest=False, window_start=0.0, horizon=100.0)
    boxes.deliver(0, 1.0, leave_time=8.0, msg_id=1)
    boxes.deliver(0, 2.0, leave_time=math.inf, msg_id=2)
    assert not boxes.has_room(0, 7.99)
    assert boxes.has_room(0, 8.0)
    assert boxes.occupancy[0] == 1
    assert boxes.has_room(1, 0.0)  # other inboxes are untouched


def test_time_at_capacity_is_measured_from_full_to_first_departure():
    boxes = Inboxes(1, capacity=2, evict_oldest=False, window_start=0.0, horizon=100.0)
    boxes.deliver(0, 1.0, 20.0, 1)
    boxes.deliver(0, 5.0, 30.0, 2)  # full from 5 to 20
    boxes.close()
    assert boxes.days_full[0] == pytest.approx(15.0)
    assert boxes.occupancy[0] == 0


def test_time_at_capacity_is_clipped_to_the_window():
    boxes = Inboxes(1, capacity=1, evict_oldest=False, window_start=10.0, horizon=50.0)
    boxes.deliver(0, 2.0, 30.0, 1)
    assert boxes.has_room(0, 40.0)
    boxes.deliver(0, 40.0, math.inf, 2)
    boxes.close()
    assert boxes.days_full[0] == pytest.approx((30 - 10) + (50 - 40))


def test_evict_removes_the_oldest_conversation_still_present():
    boxes = Inboxes(1, capacity=2, evict_oldest=True, window_start=0.0, horizon=100.0)
    boxes.deliver(0, 1.0, 3.0, 1, record="first")  # leaves at 3
    boxes.deliver(0, 2.0, math.inf, 2, record="second")
    assert boxes.has_room(0, 4.0)  # the first one left at 3
    boxes.deliver(0, 4.0, math.inf, 3, record="third")
    assert not boxes.has_room(0, 5.0)
    assert boxes.evict(0, 5.0) == "second"
    assert boxes.occupancy[0] == 1
    assert boxes.check_conservation() is None


def test_evicted_conversation_does_not_leave_twice():
    boxes = Inboxes(1, capacity=1, evict_oldest=True, window_start=0.0, horizon=100.0)
    boxes.deliver(0, 0.0, 10.0, 1, record="a")
    assert not boxes.has_room(0, 5.0)
    boxes.evict(0, 5.0)
    boxes.deliver(0, 5.0, 50.0, 2, record="b")
    boxes.close()
    assert boxes.occupancy[0] == 0
    assert boxes.departed_total == 1 and boxes.evicted_total == 1
    assert boxes.check_conservation() is None


def test_occupancy_integral_follows_littles_law_for_known_stays():
    boxes = Inboxes(2, capacity=10, evict_oldest=False, window_start=0.0, horizon=10.0)
    boxes.deliver(0, 1.0, 4.0, 1)   # 3 days
    boxes.deliver(1, 2.0, 20.0, 2)  # 8 days within the window
    boxes.add_stays(np.array([1.0, 2.0]), np.array([4.0, 20.0]))
    assert boxes.occupancy_days == pytest.approx(11.0)


@pytest.mark.parametrize(
    "args", [(0, 5, False, 0.0, 10.0), (3, 0, False, 0.0, 10.0), (3, 5, False, 10.0, 10.0)]
)
def test_bad_construction_raises_value_error(args):
    with pytest.raises(ValueError):
        Inboxes(*args)
