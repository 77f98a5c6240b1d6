"""The recipients' inboxes: a fixed number of conversation slots each, freed when a conversation leaves.

An InMail that reaches an inbox takes a slot until it leaves: deleted unanswered at the end of the response window,
or archived some days after it was answered, or pushed out by a newer InMail when the inbox is full and the rule is
`evict_oldest`. When the inbox is full and the rule is `bounce`, the new InMail is refused (its credit is refunded by
the sender's ledger).

The time a conversation leaves is known when it arrives, so slots are freed lazily: each inbox keeps a heap of
departure times and pops the due ones when a new InMail arrives, or at the end. This is exact for every quantity the
engine reports (occupancy, time at capacity, bounces) and keeps the simulation's event queue free of departures.
All recipients live in flat lists indexed by recipient id; only inboxes that ever received an InMail get a heap.
"""
from __future__ import annotations

import heapq
import math
from collections import deque

import numpy as np

INF = math.inf


class Inboxes:
    """Every recipient's inbox, with capacity `capacity` conversations, observed over [window_start, horizon)."""

    def __init__(self, recipients: int, capacity: int, evict_oldest: bool, window_start: float, horizon: float):
        if recipients < 1:
            raise ValueError(f"recipients must be >= 1, got {recipients}")
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        if not 0 <= window_start < horizon:
            raise ValueError(f"need 0 <= window_start < horizon, got {window_start}, {horizon}")
        self.capacity = capacity
        self.evict_oldest = evict_oldest
        self.window_start = window_start
        self.horizon = horizon
        self.occupancy = [0] * recipients
        self.departures: list = [None] * recipients  # recipient -> heap of leave times ((time, msg_id) to evict)
        self.arrival_order: dict[int, deque] = {}  # recipient -> deque of (msg_id, leave_time), evict mode only
        self.evicted_ids: set = set()
        self.full_since: dict[int, float] = {}
        self.days_full: dict[int, float] = {}
        self.delivered_total = 0
        self.departed_total = 0
        self.evicted_total = 0
        self.occupancy_days = 0.0  # integral of occupancy over the window, all recipients

    def _clip(self, t: float) -> float:
        return min(max(t, self.window_start), self.horizon)

    def _leave(self, r: int, t: float) -> None:
        occ = self.occupancy[r]
        if occ == self.capacity:
            since = self.full_since.pop(r)
            if since < self.window_start:
                since = self.window_start
            span = (t if t < self.horizon else self.horizon) - since  # t >= since; both clipped to the window
            if span > 0:
                self.days_full[r] = self.days_full.get(r, 0.0) + span
        self.occupancy[r] = occ - 1

    def flush(self, r: int, t: float) -> None:
        """Frees the slots of conversations that left inbox `r` at or before `t`."""
        heap = self.departures[r]
        if not heap:
            return
        if not self.evict_oldest:  # departures are plain times
            while heap and heap[0] <= t:
                self._leave(r, heapq.heappop(heap))
                self.departed_total += 1
            return
        evicted = self.evicted_ids
        while heap and heap[0][0] <= t:
            leave_time, msg_id = heapq.heappop(heap)
            if msg_id in evicted:
                evicted.discard(msg_id)
                continue
            self._leave(r, leave_time)
            self.departed_total += 1
        order = self.arrival_order.get(r)
        if order:  # forget departed conversations at the front, so the order does not grow without bound
            while order and order[0][1] <= t:
                order.popleft()

    def has_room(self, r: int, t: float) -> bool:
        """Whether inbox `r` has a free slot at `t` (after freeing what left before)."""
        if self.occupancy[r] < self.capacity:
            return True
        self.flush(r, t)
        return self.occupancy[r] < self.capacity

    def deliver(self, r: int, t: float, leave_time: float, msg_id: int, record=None) -> None:
        """Puts a conversation into inbox `r` at `t`; it will leave at `leave_time` (inf: never).

        `record` is whatever the caller needs back if the conversation is evicted. Conversations that left by `t`
        are freed first, so an inbox holds only what is really in it (memory stays proportional to occupancy).
        The time a conversation spends in the inbox is added with `add_stays`, in bulk.
        """
        heap = self.departures[r]
        if heap is None:
            heap = self.departures[r] = []
        elif heap and (heap[0] if not self.evict_oldest else heap[0][0]) <= t:
            self.flush(r, t)
        occ = self.occupancy[r] + 1
        self.occupancy[r] = occ
        if occ == self.capacity:
            self.full_since[r] = t
        self.delivered_total += 1
        if self.evict_oldest:
            if leave_time < INF:
                heapq.heappush(heap, (leave_time, msg_id))
            order = self.arrival_order.get(r)
            if order is None:
                order = self.arrival_order[r] = deque()
            order.append((msg_id, leave_time, record))
        elif leave_time < INF:
            heapq.heappush(heap, leave_time)

    def add_stays(self, arrivals, leaves) -> None:
        """Adds to the occupancy integral the stays of delivered conversations (numpy arrays of times)."""
        start, end = self.window_start, self.horizon
        stay = np.clip(leaves, start, end) - np.clip(arrivals, start, end)
        self.occupancy_days += float(stay.sum())

    def stay_days(self, t: float, leave_time: float) -> float:
        """Days of a conversation from `t` to `leave_time` that fall in the observation window."""
        return self._clip(leave_time) - self._clip(t)

    def evict(self, r: int, t: float):
        """Removes the oldest conversation still in full inbox `r` at `t` (call `has_room` first).

        Returns the `record` it was delivered with.
        """
        order = self.arrival_order[r]
        while True:
            msg_id, leave_time, record = order.popleft()
            if leave_time > t:  # those that left by t were freed by has_room
                break
        if leave_time < INF:
            self.evicted_ids.add(msg_id)
        self._leave(r, t)
        self.evicted_total += 1
        self.occupancy_days -= self.stay_days(t, leave_time)
        return record

    def close(self) -> None:
        """Frees everything that left by the horizon and closes the time-at-capacity spans still open."""
        last = math.nextafter(self.horizon, 0.0)  # the run covers [0, horizon)
        for r, heap in enumerate(self.departures):
            if heap:
                self.flush(r, last)
        for r, since in self.full_since.items():
            span = self.horizon - self._clip(since)
            if span > 0:
                self.days_full[r] = self.days_full.get(r, 0.0) + span
        self.full_since = {}

    def check_conservation(self) -> str | None:
        """Conversations in inboxes must equal those delivered minus those that left or were evicted."""
        held = sum(self.occupancy)
        expected = self.delivered_total - self.departed_total - self.evicted_total
        if held != expected:
            return f"inboxes hold {held} conversations, expected {expected} (delivered - left - evicted)"
        return None
