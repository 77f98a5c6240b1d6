"""SimPy's event queue, for the events the compiled engine leaves to Python: members joining, leaving, switching.

Subscriber dynamics (subscribers.py) schedule their changes with `env.timeout(delay).callbacks.append(...)`; this
queue offers that much of SimPy's interface. Its events and the kernel's wake-ups are numbered by one counter (the
kernel's G[SEQNO]), so the two kinds interleave exactly as SimPy would order them: by time, then by the order in
which they were scheduled. Its clock is the kernel's CLK[0].
"""
from __future__ import annotations

import heapq
import math

from .layout import SEQNO


class Scheduled:
    """A scheduled event: what runs when it fires."""

    __slots__ = ("callbacks",)

    def __init__(self):
        self.callbacks: list = []


class Timeline:
    def __init__(self, clock, counters):
        self.clock = clock  # the kernel's CLK: [SimPy's now, ...]
        self.counters = counters  # the kernel's G: G[SEQNO] numbers every scheduled event
        self.heap: list[tuple[float, int, Scheduled]] = []

    @property
    def now(self) -> float:
        return float(self.clock[0])

    def timeout(self, delay: float) -> Scheduled:
        if delay < 0:
            raise ValueError(f"delay must be >= 0, got {delay}")
        self.counters[SEQNO] += 1
        event = Scheduled()
        heapq.heappush(self.heap, (self.now + delay, int(self.counters[SEQNO]), event))
        return event

    def next_key(self) -> tuple[float, int]:
        """(SimPy time, scheduling order) of the next event; (inf, 0) when there is none."""
        return (self.heap[0][0], self.heap[0][1]) if self.heap else (math.inf, 0)

    def step(self) -> None:
        """Runs the next event at its time."""
        when, _, event = heapq.heappop(self.heap)
        self.clock[0] = when
        for callback in event.callbacks:
            callback(event)
