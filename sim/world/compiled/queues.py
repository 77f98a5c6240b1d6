"""The compiled core's queues: pending refunds, pending wake-ups, and the wishes waiting for a credit.

* Refunds: one binary min-heap over all senders (`ht` times, `hp` payloads sender << 32 | lot), applied in time
  order before the first wish or wake-up at or after their time.
* Wake-ups: one binary min-heap ordered as SimPy orders its events, by time and then by scheduling order (`wq`);
  `wp` is the payload sender << 2 | kind (0 refresh, 1 refund, 2 a waiting wish gives up) and `wi` the intended time.
* Waiting wishes: per-sender FIFOs linked through a pool of records (`pool_f[j]` = wish time, open delay, response
  uniform, response delay, length factor; `pool_i[j]` = recipient, next record), with a stack of free records.

The driver sizes every array before each window from bounds it can prove; a push that would still not fit is
counted in G[OVERFLOW] (the run then fails) and never writes out of bounds.
"""
import numpy as np
from numba import njit

from . import cache  # noqa: F401  (first: it sets where compiled code is cached)

from .layout import HEAP_MAX, OVERFLOW, QHEAD, QTAIL, WAITING, WAITING_MAX, WAKE_HEAP_MAX


@njit(cache=True, inline="always")
def push_refund(ht, hp, hs, t, p, G):
    if hs[0] >= ht.shape[0]:
        G[OVERFLOW] += 1
        return
    i = hs[0]
    hs[0] = i + 1
    while i > 0:
        parent = (i - 1) >> 1
        if ht[parent] <= t:
            break
        ht[i] = ht[parent]
        hp[i] = hp[parent]
        i = parent
    ht[i] = t
    hp[i] = p
    if hs[0] > G[HEAP_MAX]:
        G[HEAP_MAX] = hs[0]


@njit(cache=True, inline="always")
def pop_refund(ht, hp, hs):
    """Removes the top (read ht[0], hp[0] first)."""
    n = hs[0] - 1
    hs[0] = n
    if n == 0:
        return
    t = ht[n]
    p = hp[n]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n and ht[c + 1] < ht[c]:
            c += 1
        if ht[c] >= t:
            break
        ht[i] = ht[c]
        hp[i] = hp[c]
        i = c
    ht[i] = t
    hp[i] = p


@njit(cache=True, inline="always")
def push_wake(wt, wq, wp, wi, ws, t, q, p, ti, G):
    if ws[0] >= wt.shape[0]:
        G[OVERFLOW] += 1
        return
    i = ws[0]
    ws[0] = i + 1
    while i > 0:
        parent = (i - 1) >> 1
        if wt[parent] < t or (wt[parent] == t and wq[parent] <= q):
            break
        wt[i] = wt[parent]
        wq[i] = wq[parent]
        wp[i] = wp[parent]
        wi[i] = wi[parent]
        i = parent
    wt[i] = t
    wq[i] = q
    wp[i] = p
    wi[i] = ti
    if ws[0] > G[WAKE_HEAP_MAX]:
        G[WAKE_HEAP_MAX] = ws[0]


@njit(cache=True, inline="always")
def pop_wake(wt, wq, wp, wi, ws):
    """Removes the top (read wt[0], wq[0], wp[0], wi[0] first)."""
    n = ws[0] - 1
    ws[0] = n
    if n == 0:
        return
    t = wt[n]
    q = wq[n]
    p = wp[n]
    ti = wi[n]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n and (wt[c + 1] < wt[c] or (wt[c + 1] == wt[c] and wq[c + 1] < wq[c])):
            c += 1
        if wt[c] > t or (wt[c] == t and wq[c] >= q):
            break
        wt[i] = wt[c]
        wq[i] = wq[c]
        wp[i] = wp[c]
        wi[i] = wi[c]
        i = c
    wt[i] = t
    wq[i] = q
    wp[i] = p
    wi[i] = ti


@njit(cache=True, inline="always")
def enqueue(s, t, r, dto, u, delay, factor, S, pool_f, pool_i, free, nfree, G):
    """A wish of sender s waits for a credit, behind the sender's earlier waiting wishes."""
    if nfree[0] == 0:
        G[OVERFLOW] += 1
        return
    nfree[0] -= 1
    j = free[nfree[0]]
    pool_f[j, 0] = t
    pool_f[j, 1] = dto
    pool_f[j, 2] = u
    pool_f[j, 3] = delay
    pool_f[j, 4] = factor
    pool_i[j, 0] = r
    pool_i[j, 1] = -1
    tail = np.int64(S[s, QTAIL])
    if tail >= 0:
        pool_i[tail, 1] = j
    else:
        S[s, QHEAD] = j
    S[s, QTAIL] = j
    G[WAITING] += 1
    if G[WAITING] > G[WAITING_MAX]:
        G[WAITING_MAX] = G[WAITING]


@njit(cache=True, inline="always")
def dequeue(s, S, pool_i, free, nfree, G):
    """The oldest waiting wish of s leaves its queue (sent, or given up); its record goes back to the pool."""
    j = np.int64(S[s, QHEAD])
    nxt = pool_i[j, 1]
    S[s, QHEAD] = nxt
    if nxt < 0:
        S[s, QTAIL] = -1.0
    free[nfree[0]] = j
    nfree[0] += 1
    G[WAITING] -= 1
