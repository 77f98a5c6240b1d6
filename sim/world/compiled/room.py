"""Room for the compiled core's queues (queues.py), grown between windows to what a window can need at most.

Bounds, for a window of n wishes with w wishes already waiting: sends <= n + w, and each send pushes at most one
refund; each scheduling point (a wish that starts waiting, <= n; a wake-up that leaves wishes waiting, <= the
refund wake-ups, themselves <= the refunds applied, plus <= 3 refresh wake-ups per waiting sender, a window
spanning at most two refreshes) pushes at most two wake-ups (a refresh and a give-up); records taken from the pool
<= n. A push beyond these is counted as an overflow and fails the run (it never writes out of bounds).
"""
from __future__ import annotations

import numpy as np


def aligned_zeros(shape, align: int = 64) -> np.ndarray:
    """A zeroed float64 array whose data starts on an `align`-byte boundary (a row then never straddles a cache
    line more than it must)."""
    n = int(np.prod(shape))
    raw = np.zeros(n + align // 8, dtype=np.float64)
    offset = (-raw.ctypes.data % align) // 8
    return raw[offset:offset + n].reshape(shape)


def _grow(a: np.ndarray, need: int) -> np.ndarray:
    size = len(a)
    while size < need:
        size *= 2
    if size == len(a):
        return a
    b = np.empty((size,) + a.shape[1:], a.dtype)
    b[:len(a)] = a
    return b


class Room:
    """The refund heap, the wake-up heap and the pool of waiting wishes (see queues.py for what each holds)."""

    def __init__(self, size: int):
        if size < 1:
            raise ValueError(f"size must be >= 1, got {size}")
        self.ht, self.hp, self.hs = np.empty(size), np.empty(size, np.int64), np.zeros(1, np.int64)
        self.wt, self.wq = np.empty(size), np.empty(size, np.int64)
        self.wp, self.wi, self.ws = np.empty(size, np.int64), np.empty(size), np.zeros(1, np.int64)
        self.pool_f, self.pool_i = np.empty((size, 5)), np.empty((size, 2), np.int64)
        self.free, self.nfree = np.arange(size - 1, -1, -1, dtype=np.int64), np.array([size], np.int64)
        self.grows = 0

    def ensure(self, n: int, waiting: int) -> None:
        """Room for a window of `n` wishes while `waiting` wishes wait."""
        sends = n + waiting
        hs, ws = int(self.hs[0]), int(self.ws[0])
        ht = _grow(self.ht, hs + sends + 1)
        if ht is not self.ht:
            self.ht, self.hp, self.grows = ht, _grow(self.hp, len(ht)), self.grows + 1
        wt = _grow(self.wt, ws + 2 * hs + 12 * sends + 2 * n + 1)
        if wt is not self.wt:
            self.wt, self.grows = wt, self.grows + 1
            self.wq, self.wp, self.wi = (_grow(a, len(wt)) for a in (self.wq, self.wp, self.wi))
        if self.nfree[0] < n:
            old = size = len(self.pool_f)
            while size - old + self.nfree[0] < n:
                size *= 2
            self.pool_f, self.pool_i = _grow(self.pool_f, size), _grow(self.pool_i, size)
            free = _grow(self.free, size)
            k = int(self.nfree[0])
            free[k:k + size - old] = np.arange(size - 1, old - 1, -1, dtype=np.int64)
            self.free = free
            self.nfree[0] = k + size - old
            self.grows += 1
