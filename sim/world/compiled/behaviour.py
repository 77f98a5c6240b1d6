"""A recipient's open delay and response, and an inbox's slots, for the compiled core: the scalar twins of
`Behaviour.open_delay`, `Behaviour.decide` and `Inboxes.flush` (bounce mode), with the same arithmetic."""
import numpy as np
from numba import njit

from . import cache  # noqa: F401  (first: it sets where compiled code is cached)

from .arena import leave_times
from .layout import (
    DAYS_FULL_R, DEPARTED, FULL_SINCE, INF, NFIN, OCC, P_DAY0, P_H, P_INBOX_CAP, P_MAXF, P_PACCEPT, P_PDECLINE,
    P_PFRESH, P_PLATE, P_PREPLY, P_RESP_WIN, P_UNREAD, P_WARMUP,
)


@njit(cache=True, inline="always")
def open_delay(rate, e_fresh, e_late, P):
    """Days from delivery to the first open (inf: never, or not before the response window ends)."""
    rw = P[P_RESP_WIN]
    unread = P[P_UNREAD]
    a = rate * P[P_PFRESH]
    if a > 0:
        dt = e_fresh / a
        if dt <= unread:
            return dt if dt < rw else INF
    b = rate * P[P_PLATE]
    dt = unread + e_late / b if b > 0 else INF
    return dt if dt < rw else INF


@njit(cache=True, inline="always")
def decide(dt_open, u, delay, factor, t, P):
    """(kind, days from delivery to the response) for an InMail sent at t: kind 0 no response, 1 reply, 2 accept,
    3 decline; the send-day factor is that of t."""
    if dt_open == INF:
        return 0, INF
    factor *= P[P_DAY0 + (int(t) % 7)]
    if factor > P[P_MAXF]:
        factor = P[P_MAXF]
    th = P[P_PREPLY] * factor
    if u < th:
        kind = 1
    else:
        th += P[P_PACCEPT] * factor
        if u < th:
            kind = 2
        elif u < th + P[P_PDECLINE] * factor:
            kind = 3
        else:
            return 0, INF
    dt_resp = dt_open + delay
    if dt_resp >= P[P_RESP_WIN]:
        return 0, INF
    return kind, dt_resp


@njit(cache=True, inline="always")
def inbox_flush(Q, A, r, t, G, P):
    """Frees the slots of inbox r whose conversations left at or before t, earliest first; a full inbox that frees a
    slot ends a span of time at capacity (counted within [warm-up, horizon))."""
    cap = np.int64(P[P_INBOX_CAP])
    H = P[P_H]
    w0 = P[P_WARMUP]
    o = np.int64(Q[r, OCC])
    n = np.int64(Q[r, NFIN])
    held = leave_times(Q, A, r)
    while n > 0:
        j = 0
        m = held[0]
        for k in range(1, n):
            if held[k] < m:
                m = held[k]
                j = k
        if m > t:
            break
        if o == cap:
            since = Q[r, FULL_SINCE]
            if since < w0:
                since = w0
            span = (m if m < H else H) - since
            if span > 0:
                Q[r, DAYS_FULL_R] += span
        o -= 1
        n -= 1
        held[j] = held[n]
        G[DEPARTED] += 1
    Q[r, OCC] = o
    Q[r, NFIN] = n
