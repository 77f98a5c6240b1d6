"""The wish stream's window order (sim/world/wishes.py): wishes in time order, equal times in drawing order."""
import numpy as np

from sim.scenario.schema import DAYS_PER_MONTH
from sim.world.wishes import time_order, window_days, window_end


def test_equal_times_keep_the_order_they_were_drawn_in():
    times = np.array([1.0, 0.5, 1.0, 0.5, 0.25, 1.0])
    assert time_order(times).tolist() == [4, 1, 3, 0, 2, 5]


def test_the_order_is_a_stable_sorts_on_random_windows_with_and_without_ties():
    rng = np.random.default_rng(7)
    for n in (0, 1, 2, 1000, 30000):
        times = rng.random(n) * 4.0
        assert np.array_equal(time_order(times), np.argsort(times, kind="stable"))
        rounded = np.round(times, 1)  # many ties
        assert np.array_equal(time_order(rounded), np.argsort(rounded, kind="stable"))


def test_windows_are_cut_at_month_boundaries_and_the_horizon():
    assert window_days(1000) == DAYS_PER_MONTH  # small populations: a month per window
    assert window_days(50_000) == 4.0  # about 200,000 sender-days
    assert window_days(10_000_000) == 1.0
    assert window_end(0.0, boundary=10.0, horizon=100.0, length=4.0) == 4.0
    assert window_end(8.5, boundary=10.0, horizon=100.0, length=4.0) == 10.0
    assert window_end(98.0, boundary=120.0, horizon=99.0, length=4.0) == 99.0
