"""Credit ledgers as rows of a float64 array: the compiled twin of `sim.world.ledger.CreditLedger`.

A sender's credits come in lots, one per grant, each expiring `lifetime` days after it was granted; credits are
spent oldest lot first; a refresh adds the plan's credits and forfeits what the balance cap does not allow, taking
it from the newest lots. Lots are numbered by grant (g = 0, 1, 2, ...) and kept in a ring of K slots (slot g & (K-1)),
wide enough for every lot that can be alive at once; a refunded credit goes back to the lot it was spent from, or
expires at once if that lot has expired. Expiries and refreshes are applied lazily, when the ledger is next touched
(`take`, or a refund) at or after `DUE`, in time order with the expiry first at a tie, exactly as
`CreditLedger.advance` does. Every credit flow is booked by `credit` in the month and the warm-up side of its time.

A cancelled ledger (INACTIVE) gets no more refreshes: its balance was lost at the cancellation, or it lapses at
CLOSING, the end of the paid cycle; a refund that comes back to a ledger whose credits are gone is lost with them.
"""
import numpy as np
from numba import njit

from . import cache  # noqa: F401  (first: it sets where compiled code is cached)

from .layout import (
    BAL, CLOSING, CREDIT_EVENTS, DUE, EXPIRED, FIRST, FORFEITED, GRANTED, INACTIVE, INF, LAST, LOST, LOTN, NREF,
    NXT, P_INV_MONTH, P_MONTHS, P_WARMUP, PL_CAP, PL_CREDITS, PL_INITIAL, PL_LIFETIME, PL_PERIOD, PLAN, QHEAD, QTAIL,
    REFUNDED, WSEQ,
)


@njit(cache=True, inline="always")
def credit(CC, G, p, k, t, n, P):
    """Book.credit_recorder: a credit flow of n at t (before 0: at 0), by month and before/after the warm-up."""
    if t < 0:
        t = 0.0
    months = np.int64(P[P_MONTHS])
    m = np.int64(t * P[P_INV_MONTH])
    if m >= months:
        m = months - 1
    CC[p, m, k] += n
    if t >= P[P_WARMUP]:
        CC[p, months, k] += n
    else:
        CC[p, months + 1, k] += n
    G[CREDIT_EVENTS] += 1


@njit(cache=True, inline="always")
def _recompute_due(S, s, L, M):
    d = S[s, CLOSING] if S[s, INACTIVE] != 0.0 else S[s, NREF]
    f = np.int64(S[s, FIRST])
    if f < S[s, NXT]:
        e = S[s, LOTN + 1 + M + (f & M)] + L
        if e < d:
            d = e
    S[s, DUE] = d


@njit(cache=True, inline="always")
def _skip_empty(S, s, M):
    f = np.int64(S[s, FIRST])
    nx = np.int64(S[s, NXT])
    while f < nx and S[s, LOTN + (f & M)] == 0.0:
        f += 1
    S[s, FIRST] = f


@njit(cache=True, inline="always")
def _forfeit_newest(S, s, t, over, CC, G, P, M):
    """The credits over the cap are forfeited, taken from the newest lots."""
    credit(CC, G, np.int64(S[s, PLAN]), FORFEITED, t, np.int64(over), P)
    S[s, BAL] -= over
    h = np.int64(S[s, NXT]) - 1
    while over > 0:
        k = S[s, LOTN + (h & M)]
        if k > over:
            k = over
        S[s, LOTN + (h & M)] -= k
        over -= k
        h -= 1
    _skip_empty(S, s, M)


@njit(cache=True, inline="always")
def _lose_all(S, s, t, CC, G, P, K):
    if S[s, BAL] > 0:
        credit(CC, G, np.int64(S[s, PLAN]), LOST, t, np.int64(S[s, BAL]), P)
    for k in range(K):
        S[s, LOTN + k] = 0.0
    S[s, BAL] = 0.0
    S[s, FIRST] = S[s, NXT]


@njit(cache=True, inline="always")
def _add_lot_at(S, s, t, n, L, M):
    """n credits in a lot dated t, the newest: merged with the newest lot if it has the same date (or if credits
    never expire and some lot holds credits)."""
    nx = np.int64(S[s, NXT])
    if nx > 0 and (S[s, LOTN + 1 + M + ((nx - 1) & M)] == t or (L == INF and S[s, FIRST] < nx)):
        S[s, LOTN + ((nx - 1) & M)] += n
        if S[s, FIRST] > nx - 1:  # the newest lot had been emptied (forfeited): it holds credits again
            S[s, FIRST] = nx - 1
    else:
        S[s, LOTN + 1 + M + (nx & M)] = t
        S[s, LOTN + (nx & M)] = n
        S[s, NXT] = nx + 1
    S[s, BAL] += n
    _skip_empty(S, s, M)


@njit(cache=True)
def advance(S, s, t, CC, G, PL, P, K):
    """Applies the expiries and refreshes due at or before t, in time order, the expiry first at a tie."""
    p = np.int64(S[s, PLAN])
    L = PL[p, PL_LIFETIME]
    M = K - 1
    while True:
        f = np.int64(S[s, FIRST])
        nx = np.int64(S[s, NXT])
        t_exp = S[s, LOTN + 1 + M + (f & M)] + L if f < nx else INF
        inactive = S[s, INACTIVE] != 0.0
        t_ref = S[s, CLOSING] if inactive else S[s, NREF]
        if t_exp <= t_ref:
            if t_exp > t:
                S[s, DUE] = t_exp
                return
            n = S[s, LOTN + (f & M)]
            S[s, BAL] -= n
            credit(CC, G, p, EXPIRED, t_exp, np.int64(n), P)
            S[s, LOTN + (f & M)] = 0.0
            S[s, FIRST] = f + 1
            _skip_empty(S, s, M)
        else:
            if t_ref > t:
                S[s, DUE] = t_ref
                return
            if inactive:  # the end of the paid cycle: the credits kept since the cancellation lapse
                _lose_all(S, s, t_ref, CC, G, P, K)
                S[s, CLOSING] = INF
                continue
            n = PL[p, PL_CREDITS]
            if n > 0:
                if L == INF and f < nx:  # credits that never expire are alike: one lot holds them all
                    S[s, LOTN + ((nx - 1) & M)] += n
                else:
                    S[s, LOTN + 1 + M + (nx & M)] = t_ref
                    S[s, LOTN + (nx & M)] = n
                    nx += 1
                    S[s, NXT] = nx
                S[s, BAL] += n
                credit(CC, G, p, GRANTED, t_ref, np.int64(n), P)
            cap = PL[p, PL_CAP]
            if cap >= 0 and S[s, BAL] > cap:
                _forfeit_newest(S, s, t_ref, S[s, BAL] - cap, CC, G, P, M)
            S[s, NREF] = t_ref + PL[p, PL_PERIOD]


@njit(cache=True, inline="always")
def take(S, s, t, CC, G, PL, P, K):
    """Spends the oldest credit at t; returns its lot (grant number), or -1 when the balance is 0."""
    if t >= S[s, DUE]:
        advance(S, s, t, CC, G, PL, P, K)
    if S[s, BAL] == 0.0:
        return -1
    M = K - 1
    f = np.int64(S[s, FIRST])
    S[s, LOTN + (f & M)] -= 1.0
    S[s, BAL] -= 1.0
    if S[s, LOTN + (f & M)] == 0.0:
        _skip_empty(S, s, M)
        _recompute_due(S, s, PL[np.int64(S[s, PLAN]), PL_LIFETIME], M)
    return f


@njit(cache=True, inline="always")
def return_credit(S, s, g, t, CC, G, PL, P, K):
    """A credit of lot g comes back at t (the ledger already advanced to t): to its lot, or expired with it."""
    p = np.int64(S[s, PLAN])
    credit(CC, G, p, REFUNDED, t, 1, P)
    if S[s, INACTIVE] != 0.0 and S[s, CLOSING] == INF:  # the member left and took nothing with them
        credit(CC, G, p, LOST, t, 1, P)
        return
    M = K - 1
    L = PL[p, PL_LIFETIME]
    if L == INF:  # credits that never expire are alike: back to the one lot
        _add_lot_at(S, s, t, 1.0, L, M)
        return
    if S[s, NXT] - g > K or S[s, LOTN + 1 + M + (g & M)] + L <= t:
        credit(CC, G, p, EXPIRED, t, 1, P)
        return
    S[s, LOTN + (g & M)] += 1.0
    S[s, BAL] += 1.0
    if g < S[s, FIRST]:
        S[s, FIRST] = g
    e = S[s, LOTN + 1 + M + (g & M)] + L
    if e < S[s, DUE]:
        S[s, DUE] = e


@njit(cache=True, inline="always")
def _open_row(S, s, p, first_refresh):
    S[s, PLAN] = p
    S[s, NREF] = first_refresh
    S[s, LAST] = -1.0
    S[s, QHEAD] = -1.0
    S[s, QTAIL] = -1.0
    S[s, WSEQ] = -1.0
    S[s, CLOSING] = INF


@njit(cache=True)
def init_ledgers(first_refresh, plan, S, CC, G, PL, P, K):
    """Members._ledger for the starting members: the last refresh before 0 at first_refresh, advanced to 0, then
    the plan's initial credits as a lot dated 0 (merged with a refresh lot at 0), not capped until the next refresh."""
    M = K - 1
    for s in range(plan.shape[0]):
        p = np.int64(plan[s])
        _open_row(S, s, p, first_refresh[s])
        advance(S, s, 0.0, CC, G, PL, P, K)
        n = PL[p, PL_INITIAL]
        if n > 0:
            _add_lot_at(S, s, 0.0, n, PL[p, PL_LIFETIME], M)
            credit(CC, G, p, GRANTED, 0.0, np.int64(n), P)
            _recompute_due(S, s, PL[p, PL_LIFETIME], M)


@njit(cache=True)
def open_joined(S, s, p, t, first_refresh, first_of_month, CC, G, PL, P, K):
    """Members._open_joined: a subscription joining plan p at t. On the anniversary rule its first refresh is at t
    (initial credits merged into that lot); on the first-of-month rule it gets the plan's credits at t (capped) and
    its initial credits on top (not capped), and refreshes from `first_refresh` on."""
    M = K - 1
    _open_row(S, s, p, first_refresh)
    advance(S, s, t, CC, G, PL, P, K)
    if first_of_month:
        n = PL[p, PL_CREDITS]
        if n > 0:
            _add_lot_at(S, s, t, n, PL[p, PL_LIFETIME], M)
            credit(CC, G, p, GRANTED, t, np.int64(n), P)
        cap = PL[p, PL_CAP]
        if cap >= 0 and S[s, BAL] > cap:
            _forfeit_newest(S, s, t, S[s, BAL] - cap, CC, G, P, M)
    n = PL[p, PL_INITIAL]
    if n > 0:
        _add_lot_at(S, s, t, n, PL[p, PL_LIFETIME], M)
        credit(CC, G, p, GRANTED, t, np.int64(n), P)
    _recompute_due(S, s, PL[p, PL_LIFETIME], M)


@njit(cache=True)
def cancel(S, s, t, keep, CC, G, PL, P, K):
    """CreditLedger.cancel at t (the refunds due by then already applied): no more refreshes; the balance is lost now,
    or (keep) at the next refresh time, the end of the paid cycle. Returns that time (inf: nothing kept)."""
    advance(S, s, t, CC, G, PL, P, K)
    if S[s, INACTIVE] != 0.0:
        return S[s, CLOSING]
    S[s, INACTIVE] = 1.0
    if keep:
        S[s, CLOSING] = S[s, NREF]
    else:
        _lose_all(S, s, t, CC, G, P, K)
    _recompute_due(S, s, PL[np.int64(S[s, PLAN]), PL_LIFETIME], K - 1)
    return S[s, CLOSING]


@njit(cache=True)
def lots_problem(S, K):
    """The first sender whose lots do not add up to its balance (-1 if none): the ledgers' conservation check."""
    M = K - 1
    for s in range(S.shape[0]):
        held = 0.0
        for g in range(np.int64(S[s, FIRST]), np.int64(S[s, NXT])):
            held += S[s, LOTN + (g & M)]
        if held != S[s, BAL]:
            return s
    return -1
