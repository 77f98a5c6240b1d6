"""Leave times of the conversations in the inboxes: in the recipient's row while they fit, else in a growing arena.

A recipient's finite leave times (conversations that will leave the inbox) sit in its row, Q[r, INLINE:QW], while
there are at most QW - INLINE of them; beyond that they move to a chunk of the arena: Q[r, OFF] its start, Q[r, SIZE]
its length (0: none, the row is used), Q[r, NFIN] how many are in use. A full chunk moves to a new chunk of twice the
size at the top of the arena; the old one becomes garbage, collected between windows when it outweighs the live
chunks. So most deliveries touch one 128-byte row, an inbox costs memory in proportion to what it holds whatever its
capacity, and a popular recipient with hundreds of conversations needs no wider rows for everyone else.

The kernel never grows the arena; the driver makes sure before every window that it cannot run out: a window of d
sends allocates at most 4 x (live chunk space) + 36 d + 32 slots (a recipient's chunks form a doubling series that
ends below twice its final count, at most its count before the window plus its deliveries, or at the first chunk of
2 x (QW - INLINE) when it leaves its row).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from . import cache  # noqa: F401  (first: it sets where compiled code is cached)

from .layout import INLINE, NFIN, OFF, OVERFLOW, QW, SIZE

FIRST_CHUNK = 2 * (QW - INLINE)
TOP, LIVE = 0, 1  # AT[TOP]: first free slot of the arena; AT[LIVE]: slots in chunks in use


@njit(cache=True, inline="always")
def leave_times(Q, A, r):
    """The slots holding inbox r's leave times (the first Q[r, NFIN] are in use): its row, or its arena chunk."""
    size = np.int64(Q[r, SIZE])
    if size == 0:
        return Q[r, INLINE:]
    start = np.int64(Q[r, OFF])
    return A[start:start + size]


@njit(cache=True, inline="always")
def inbox_add(Q, A, AT, r, leave, G):
    """Adds a leave time to inbox r (moving its leave times to a chunk twice the size when they fill their place)."""
    n = np.int64(Q[r, NFIN])
    size = np.int64(Q[r, SIZE])
    if size == 0 and n < QW - INLINE:
        Q[r, INLINE + n] = leave
        Q[r, NFIN] = n + 1
        return
    if n == size or size == 0:
        grown = FIRST_CHUNK if size == 0 else 2 * size
        start = AT[TOP]
        if start + grown > A.shape[0]:
            G[OVERFLOW] += 1
            return
        held = leave_times(Q, A, r)
        for k in range(n):
            A[start + k] = held[k]
        AT[TOP] = start + grown
        AT[LIVE] += grown - size
        Q[r, OFF] = start
        Q[r, SIZE] = grown
    A[np.int64(Q[r, OFF]) + n] = leave
    Q[r, NFIN] = n + 1


@njit(cache=True)
def _compact(Q, A, B):
    top = 0
    for r in range(Q.shape[0]):
        size = np.int64(Q[r, SIZE])
        if size:
            old = np.int64(Q[r, OFF])
            for k in range(np.int64(Q[r, NFIN])):
                B[top + k] = A[old + k]
            Q[r, OFF] = top
            top += size
    return top


class Arena:
    def __init__(self, size: int = 1 << 16):
        self.A = np.zeros(size)
        self.AT = np.zeros(2, dtype=np.int64)

    def ensure(self, Q: np.ndarray, sends: int) -> None:
        """Room for `sends` deliveries; collects the garbage first when it outweighs the live chunks."""
        top, live = int(self.AT[TOP]), int(self.AT[LIVE])
        need = 4 * live + 36 * sends + 2 * FIRST_CHUNK
        if top + need <= len(self.A):
            return
        size = len(self.A)
        while size < live + need or (top - live > live and size < 2 * (live + need)):
            size *= 2
        if top - live > live or size > len(self.A):
            B = np.zeros(size)
            self.AT[TOP] = _compact(Q, self.A, B)
            self.A = B
