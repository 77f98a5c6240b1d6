"""The compiled per-wish loop: `World._wishes`, `World._wake`, `World._send` and `World._close` of the Python
engine (engine.py) over the flat arrays of layout.py, for the rules that support.py accepts.

It consumes the engine's own wishes (wishes.py draws them, a window at a time) and reproduces the engine's event
order, so that every integer it books equals the engine's:

* refunds due at or before a wish or a wake-up are applied first (a ledger applies its due refunds when touched),
  after that ledger's expiries and refreshes due before them;
* wake-ups of waiting senders run in SimPy's order: by the time SimPy computes (now + (t - now)), then by the order
  they were scheduled; a sender that waits is woken at its next refresh, at each of its refunds, and when its oldest
  wish gives up (sending.max_wait_days), as `World._schedule_wake` schedules them;
* a wish that waited is sent with the open delay fixed at its wish time and a response decided for the weekday of
  the actual send; a follow-up's open delay is that of its new recipient.

Arrays are passed one by one (numba compiles each function once for these types; see layout.py for what each
holds). Message events are booked in the month of their time, a window's wishes, rejections and credits spent at
the wish in the window's month (`wm`), as the engine's book does.
"""
import numpy as np
from numba import njit

from . import cache  # noqa: F401  (first: it sets where compiled code is cached)

from .arena import inbox_add
from .behaviour import decide, inbox_flush, open_delay
from .layout import (
    ATT, BLK, BOUNCED, BOUNCED_R, DELIV, DELIVERED_R, DS_OPEN, DS_RESPOND, EXPUN, FOLLOWUPS, FS_OCC_DAYS,
    FULL_SINCE, INF, LAST, NREF, OCC, OPENED, P_DROP, P_FOLLOW, P_H, P_INBOX_CAP, P_INV_MONTH,
    P_MAX_WAIT, P_MONTHS, P_POLICY, P_REFUND_WIN, P_RESP_WIN, P_SLOT, P_WARMUP, PENDING, PL_CREDITS, PLAN,
    POLICY_ON_NO_RESPONSE, POLICY_ON_RESPONSE, QHEAD, REFUND_WAKES, REJ, RESP, SCHED_NOW, SCHED_SEQ, SENT_AFTER_WAIT,
    SEQNO, SPENT, WAITEND, WAKES, WSEQ, DAYS_FULL_R, DUE, INACTIVE, P_MONTH_DAYS, P_TRACK_VALUE, NFIN,
)
from .ledger import advance, credit, return_credit, take
from .queues import dequeue, enqueue, pop_refund, pop_wake, push_refund, push_wake


@njit(cache=True, inline="always")
def event(CC, p, k, t, P):
    """Book.event: a message event at t < horizon, in its month (ignored at or after the horizon)."""
    if t < P[P_H]:
        months = np.int64(P[P_MONTHS])
        m = np.int64(t * P[P_INV_MONTH])
        if m >= months:
            m = months - 1
        CC[p, m, k] += 1


@njit(cache=True, inline="always")
def delay_bin(ED, x):
    """The histogram bin of delay x: the last edge at or below it (bisect_right(edges, x) - 1)."""
    i = ED.shape[0] - 2
    while i > 0 and ED[i] > x:
        i -= 1
    return i


@njit(cache=True, inline="always")
def send(s, t, coh, g, r, dto, kind, dtr, S, K, ht, hp, hs, Q, A, AT, CC, G, FS, DS, HC, ED, RM, PL, P):
    """An InMail whose credit (lot g) is spent: bounced by a full inbox (the credit comes back at once), or delivered
    with its fate (open, response, expiry, refund) counted now."""
    H = P[P_H]
    p = np.int64(S[s, PLAN])
    after = np.int64(P[P_MONTHS])
    cap = np.int64(P[P_INBOX_CAP])
    if Q[r, OCC] >= cap:
        inbox_flush(Q, A, r, t, G, P)
        if Q[r, OCC] >= cap:
            event(CC, p, BOUNCED, t, P)
            if coh:
                CC[p, after, BOUNCED] += 1
            Q[r, BOUNCED_R] += 1.0
            return_credit(S, s, g, t, CC, G, PL, P, K)
            return
    t_resp = t + dtr
    leave = t_resp + P[P_SLOT] if kind != 0 else t + P[P_RESP_WIN]
    policy = P[P_POLICY]
    refund_t = INF
    if policy == POLICY_ON_RESPONSE:
        if kind != 0 and dtr <= P[P_REFUND_WIN]:
            refund_t = t_resp
    elif policy == POLICY_ON_NO_RESPONSE:
        if kind == 0 or dtr > P[P_REFUND_WIN]:
            refund_t = t + P[P_REFUND_WIN]
    if refund_t < H:
        push_refund(ht, hp, hs, refund_t, (np.int64(s) << 32) | np.int64(g), G)
    if Q[r, NFIN] > 0:
        inbox_flush(Q, A, r, t, G, P)
    if leave < INF:  # a conversation that never leaves is only counted
        inbox_add(Q, A, AT, r, leave, G)
    o = np.int64(Q[r, OCC]) + 1
    Q[r, OCC] = o
    if o == cap:
        Q[r, FULL_SINCE] = t
    Q[r, DELIVERED_R] += 1.0
    event(CC, p, DELIV, t, P)
    t_open = t + dto
    opened = t_open < H
    if opened:
        event(CC, p, OPENED, t_open, P)
    expiry = t + P[P_RESP_WIN]
    if kind != 0 and t_resp < H:
        event(CC, p, RESP, t_resp, P)
        fate = RESP
        if P[P_TRACK_VALUE] != 0.0:  # Members.note_response: responses by the month they come in
            m = np.int64(t_resp / P[P_MONTH_DAYS])
            RM[s, m if m < after else after - 1] += 1
    elif kind == 0 and expiry < H:
        event(CC, p, EXPUN, expiry, P)
        fate = EXPUN
    else:
        fate = PENDING
    if coh:
        CC[p, after, DELIV] += 1
        CC[p, after, fate] += 1
        if fate == RESP:
            CC[p, after, RESP + kind] += 1
            d = t_resp - t
            DS[p, DS_RESPOND] += d
            HC[1, delay_bin(ED, d)] += 1
        if opened:
            CC[p, after, OPENED] += 1
            d = t_open - t
            DS[p, DS_OPEN] += d
            HC[0, delay_bin(ED, d)] += 1
    w0 = P[P_WARMUP]
    a = t if t > w0 else w0
    b = leave if leave < H else H
    if b > a:
        FS[FS_OCC_DAYS] += b - a


@njit(cache=True, inline="always")
def schedule_point(s, S, CLK, wt, wq, wp, wi, ws, pool_f, G, PL, P):
    """`World._schedule_wake` for s (a wish starts waiting, or a wake leaves wishes waiting).

    The engine schedules one SimPy timeout at min(next refresh, earliest pending refund, oldest wish gives up), at
    SimPy time now + (t_next - now) (now: the time of the last SimPy event, not of the wish), in scheduling order.
    Each point records (now, order) for the sender: the refresh and give-up wakes are pushed with that key (older
    ones become stale), a refund wake gets it when the refund is applied."""
    G[SEQNO] += 1
    q = G[SEQNO]
    now = CLK[0]
    S[s, SCHED_NOW] = now
    S[s, SCHED_SEQ] = q
    S[s, WSEQ] = q
    nr = S[s, NREF]
    if S[s, INACTIVE] == 0.0 and PL[np.int64(S[s, PLAN]), PL_CREDITS] > 0 and nr < P[P_H]:
        push_wake(wt, wq, wp, wi, ws, now + (nr - now), q, np.int64(s) << 2, nr, G)
    tg = pool_f[np.int64(S[s, QHEAD]), 0] + P[P_MAX_WAIT]
    if tg < P[P_H]:
        push_wake(wt, wq, wp, wi, ws, now + (tg - now), q, (np.int64(s) << 2) | 2, tg, G)


@njit(cache=True)
def wake(s, t, S, K, ht, hp, hs, CLK, wt, wq, wp, wi, ws, Q, A, AT, pool_f, pool_i, free, nfree, CC, G, FS, DS, HC, ED,
         RM, PL, P):
    """`World._wake`: spend what can be spent at t on the waiting wishes, oldest first; wait again if some remain."""
    G[WAKES] += 1
    w0 = P[P_WARMUP]
    mw = P[P_MAX_WAIT]
    after = np.int64(P[P_MONTHS])
    while S[s, QHEAD] >= 0:
        j = np.int64(S[s, QHEAD])
        t_wish = pool_f[j, 0]
        if t_wish + mw <= t:  # the oldest wish gave up: blocked when its wait ran out
            p = np.int64(S[s, PLAN])
            event(CC, p, BLK, t_wish + mw, P)
            if t_wish >= w0:
                CC[p, after, BLK] += 1
            dequeue(s, S, pool_i, free, nfree, G)
            continue
        g = take(S, s, t, CC, G, PL, P, K)
        if g < 0:
            break
        credit(CC, G, np.int64(S[s, PLAN]), SPENT, t, 1, P)  # spent at the wake's time
        dequeue(s, S, pool_i, free, nfree, G)
        G[SENT_AFTER_WAIT] += 1
        dto = pool_f[j, 1]
        kind, dtr = decide(dto, pool_f[j, 2], pool_f[j, 3], pool_f[j, 4], t, P)  # the weekday of the actual send
        send(s, t, t_wish >= w0, g, pool_i[j, 0], dto, kind, dtr, S, K, ht, hp, hs, Q, A, AT, CC, G, FS, DS, HC, ED, RM,
             PL, P)
    if S[s, QHEAD] >= 0:
        schedule_point(s, S, CLK, wt, wq, wp, wi, ws, pool_f, G, PL, P)


@njit(cache=True)
def run_events(tlim, ts, qs, S, K, ht, hp, hs, CLK, wt, wq, wp, wi, ws, Q, A, AT, pool_f, pool_i, free, nfree, CC, G,
               FS, DS, HC, ED, RM, PL, P):
    """Applies the refunds due at or before tlim and runs the wake-ups due at or before tlim, in time order (refunds
    first at a tie; wake-ups in SimPy's order), stopping before a subscriber event that SimPy would run first: at
    SimPy time ts, scheduled in order qs (ts = inf: none). Returns whether a wake-up (a SimPy event of the
    Python engine) ran."""
    ran = False
    rlim = tlim if tlim < ts else ts
    while True:
        tr = ht[0] if hs[0] > 0 else INF
        tw = wt[0] if ws[0] > 0 else INF
        if tr <= tw:
            if tr > rlim:
                return ran
            p = hp[0]
            pop_refund(ht, hp, hs)
            s = p >> 32
            g = p & 0xFFFFFFFF
            if tr >= S[s, DUE]:
                advance(S, s, tr, CC, G, PL, P, K)
            return_credit(S, s, g, tr, CC, G, PL, P, K)
            if S[s, QHEAD] >= 0:  # a waiting sender wakes at each of its refunds (scheduled at its last point)
                G[REFUND_WAKES] += 1
                now = S[s, SCHED_NOW]
                push_wake(wt, wq, wp, wi, ws, now + (tr - now), np.int64(S[s, SCHED_SEQ]), (s << 2) | 1, tr, G)
        else:
            q = wq[0]
            if tw > tlim or tw > ts or (tw == ts and q > qs):
                return ran
            p = wp[0]
            ti = wi[0]
            pop_wake(wt, wq, wp, wi, ws)
            s = p >> 2
            if (p & 3) != 1 and S[s, WSEQ] != q:  # superseded by a later scheduling point of the sender
                continue
            if S[s, QHEAD] < 0:  # nothing waits any more: the engine had no such event
                continue
            CLK[0] = tw
            ran = True
            wake(s, ti, S, K, ht, hp, hs, CLK, wt, wq, wp, wi, ws, Q, A, AT, pool_f, pool_i, free, nfree, CC, G, FS, DS,
                 HC, ED, RM, PL, P)


@njit(cache=True)
def drop_waiting(s, t, S, pool_f, pool_i, free, nfree, CC, G, P):
    """`World.drop_waiting`: a member leaves at t; the wishes still waiting for a credit are blocked at t, and the
    wake-ups scheduled for them lapse."""
    p = np.int64(S[s, PLAN])
    after = np.int64(P[P_MONTHS])
    while S[s, QHEAD] >= 0:
        event(CC, p, BLK, t, P)
        if pool_f[np.int64(S[s, QHEAD]), 0] >= P[P_WARMUP]:
            CC[p, after, BLK] += 1
        dequeue(s, S, pool_i, free, nfree, G)
    S[s, WSEQ] = -1.0


@njit(cache=True)
def process_window(wm, start, ts, qs, static, senders, times, plans, slots, valid, u_follow, target, dt_open, e_fresh,
                   e_late, u_resp, delay, factor, kinds, dt_resps, AS, ACNT, check_rate, S, K, ht, hp, hs, CLK, wt, wq,
                   wp, wi, ws, Q, A, AT, pool_f, pool_i, free, nfree, CC, G, FS, DS, HC, ED, RM, PL, P):
    """`World._wishes` for the wishes of one window of month wm from index `start`, with the refunds and wake-ups
    that fall between them. A wish's sender is senders[i] (-1: an empty slot) when the window is `static`, else the
    member in its plan's slot now (AS, ACNT). Returns the index of the first wish not processed: the window's
    length, or the index of a wish that a subscriber event (at SimPy time ts, order qs) must come before (the caller
    runs it, then calls again from there)."""
    p_follow = P[P_FOLLOW]
    w0 = P[P_WARMUP]
    after = np.int64(P[P_MONTHS])
    drop = P[P_DROP] != 0
    for i in range(start, times.shape[0]):
        t = times[i]
        paused = CLK[1] == CLK[1]  # not nan: the wish process yielded before this wish, at SimPy time CLK[1]
        if ts <= t:  # the wish process yields; SimPy runs what is due before the subscriber event, then the event
            if not paused:
                CLK[1] = CLK[0]
            run_events(ts, ts, qs, S, K, ht, hp, hs, CLK, wt, wq, wp, wi, ws, Q, A, AT, pool_f, pool_i, free, nfree, CC,
                       G, FS, DS, HC, ED, RM, PL, P)
            return i
        if paused or (hs[0] > 0 and ht[0] <= t) or (ws[0] > 0 and wt[0] <= t):
            now0 = CLK[1] if paused else CLK[0]
            if run_events(t, INF, 0, S, K, ht, hp, hs, CLK, wt, wq, wp, wi, ws, Q, A, AT, pool_f, pool_i, free, nfree,
                          CC, G, FS, DS, HC, ED, RM, PL, P) or paused:
                # the wish process yielded timeout(t - now) and resumes at SimPy time now + pause, never after t
                pause = t - now0
                if now0 + pause > t:
                    pause = np.nextafter(pause, 0.0)
                CLK[0] = now0 + pause
            CLK[1] = np.nan
        p = plans[i]
        if static:  # no member joins or leaves within the window: the driver looked the senders up
            s = senders[i]
            if s < 0:
                continue  # an empty slot: no wish (thinning)
        else:
            if slots[i] >= ACNT[p]:
                continue
            s = AS[p, slots[i]]
        coh = t >= w0
        CC[p, wm, ATT] += 1
        if coh:
            CC[p, after, ATT] += 1
        if not valid[i]:
            CC[p, wm, REJ] += 1
            if coh:
                CC[p, after, REJ] += 1
            continue
        r = target[i]
        prev = np.int64(S[s, LAST])
        as_drawn = True
        if prev >= 0 and prev != r and u_follow[i] < p_follow:  # a follow-up to the previous recipient
            r = prev
            as_drawn = False
            G[FOLLOWUPS] += 1
        S[s, LAST] = r
        if S[s, QHEAD] >= 0:  # earlier wishes still wait: keep the order
            dto = dt_open[i] if as_drawn else open_delay(check_rate[r], e_fresh[i], e_late[i], P)
            enqueue(s, t, r, dto, u_resp[i], delay[i], factor[i], S, pool_f, pool_i, free, nfree, G)
            continue
        g = take(S, s, t, CC, G, PL, P, K)
        if g < 0:
            if drop:
                event(CC, p, BLK, t, P)
                if coh:
                    CC[p, after, BLK] += 1
                continue
            dto = dt_open[i] if as_drawn else open_delay(check_rate[r], e_fresh[i], e_late[i], P)
            enqueue(s, t, r, dto, u_resp[i], delay[i], factor[i], S, pool_f, pool_i, free, nfree, G)
            schedule_point(s, S, CLK, wt, wq, wp, wi, ws, pool_f, G, PL, P)
            continue
        # World._count_tally: spent at the wish, in the window's month, after or before the warm-up by the cohort
        CC[p, wm, SPENT] += 1
        CC[p, after if coh else after + 1, SPENT] += 1
        if as_drawn:
            dto = dt_open[i]
            kind = kinds[i]
            dtr = dt_resps[i]
        else:  # the new recipient's open delay, and the response decided for it
            dto = open_delay(check_rate[r], e_fresh[i], e_late[i], P)
            kind, dtr = decide(dto, u_resp[i], delay[i], factor[i], t, P)
        send(s, t, coh, g, r, dto, kind, dtr, S, K, ht, hp, hs, Q, A, AT, CC, G, FS, DS, HC, ED, RM, PL, P)
    return times.shape[0]


@njit(cache=True)
def finish(S, K, ht, hp, hs, CLK, wt, wq, wp, wi, ws, Q, A, AT, pool_f, pool_i, free, nfree, CC, G, FS, DS, HC, ED, RM,
           PL, P):
    """`World._close`: refunds and wake-ups before the horizon; wishes still waiting are blocked (when their wait ran
    out, or else at their wish time and, in the cohort, waiting at the end); every ledger and inbox up to just
    before the horizon, and the spans at capacity still open closed at it."""
    H = P[P_H]
    w0 = P[P_WARMUP]
    mw = P[P_MAX_WAIT]
    after = np.int64(P[P_MONTHS])
    last = np.nextafter(H, 0.0)
    run_events(last, INF, 0, S, K, ht, hp, hs, CLK, wt, wq, wp, wi, ws, Q, A, AT, pool_f, pool_i, free, nfree, CC, G,
               FS, DS, HC, ED, RM, PL, P)
    for s in range(S.shape[0]):
        p = np.int64(S[s, PLAN])
        while S[s, QHEAD] >= 0:
            tw = pool_f[np.int64(S[s, QHEAD]), 0]
            if tw + mw < H:  # gave up waiting before the end
                event(CC, p, BLK, tw + mw, P)
                if tw >= w0:
                    CC[p, after, BLK] += 1
            else:
                event(CC, p, BLK, tw, P)
                if tw >= w0:
                    CC[p, after, BLK] += 1
                    CC[p, after, WAITEND] += 1
            dequeue(s, S, pool_i, free, nfree, G)
    for s in range(S.shape[0]):
        advance(S, s, last, CC, G, PL, P, K)
    cap = np.int64(P[P_INBOX_CAP])
    for r in range(Q.shape[0]):
        if Q[r, NFIN] > 0:
            inbox_flush(Q, A, r, last, G, P)
        if Q[r, OCC] == cap:
            since = Q[r, FULL_SINCE] if Q[r, FULL_SINCE] > w0 else w0
            if H - since > 0:
                Q[r, DAYS_FULL_R] += H - since
