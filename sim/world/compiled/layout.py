"""Where the compiled core keeps its state: the column of every field in its flat float64 arrays.

The compiled core (kernel.py) works on a few numpy arrays instead of Python objects, so that numba can run the
per-InMail loop without the interpreter:

* `P`, the scenario's numbers (horizon, windows, probabilities, the seven send-day factors);
* `PL[plan, :]`, each plan's credit rule;
* `S[sender, :]`, one row per sender (256 bytes for lifetimes up to 5 months): its credit ledger (balance, the lots
  as a ring of grant-numbered slots, the next refresh, the earliest time anything changes) and its queue of wishes
  waiting for a credit;
* `Q[recipient, :]`, one row per recipient: occupancy, when the inbox became full, time spent full, deliveries,
  bounces, and the leave times of its conversations that will leave (in the row, or in the arena `A`: arena.py);
* `CC[plan, row, flow]`, the book's integer counters: rows 0..months-1 the monthly flows, row `months` the cohort
  and credit flows after the warm-up, row `months + 1` the credit flows before it;
* `AS[plan, slot]`, the sender id in each slot of a plan's member list (`ACNT[plan]` slots are filled), and
  `RM[sender, month]`, the responses each subscription received by month (when churn depends on them);
* `CLK`, SimPy's clock as the Python engine would have it: [now, the time the wish process paused at (nan: none)];
* `G`, run-wide integer counters (and the bounds the driver checks), `DS`/`OH`/`RH` the delay sums and histograms.
"""
import numpy as np

INF = np.inf

# scenario numbers P[...]
(P_H, P_WARMUP, P_RESP_WIN, P_SLOT, P_REFUND_WIN, P_FOLLOW, P_UNREAD, P_PFRESH, P_PLATE, P_PREPLY, P_PACCEPT,
 P_PDECLINE, P_MAXF, P_POLICY, P_DROP, P_INV_MONTH, P_MONTHS, P_INBOX_CAP, P_MAX_WAIT, P_MONTH_DAYS,
 P_TRACK_VALUE) = range(21)
P_DAY0 = 21  # the seven send-day factors follow
NP = 28
POLICY_NONE, POLICY_ON_RESPONSE, POLICY_ON_NO_RESPONSE = 0, 1, 2
POLICIES = {"none": POLICY_NONE, "on_response": POLICY_ON_RESPONSE, "on_no_response": POLICY_ON_NO_RESPONSE}

# plan table PL[plan, ...]
PL_LIFETIME, PL_PERIOD, PL_CREDITS, PL_CAP, PL_INITIAL = range(5)
NPL = 5

# sender row S[s, ...]: ledger, last recipient, waiting queue (pool indices, -1: none), wake bookkeeping
DUE, BAL, FIRST, LAST, NXT, NREF, QHEAD, QTAIL = range(8)
PLAN = 8
SCHED_NOW, SCHED_SEQ, WSEQ = 9, 10, 11  # SimPy's time and order at the sender's last wake-scheduling point
INACTIVE, CLOSING = 12, 13  # cancelled (1.0: no more refreshes); when credits kept after cancelling lapse
LOTN = 16  # the lot ring (K slots): credits left in lot g at LOTN + (g & (K - 1)), its grant time K columns later


def sender_width(K: int) -> int:
    """Columns of a sender row with a lot ring of K slots (32 floats, one 256-byte row, for K = 8)."""
    return LOTN + 2 * K


# recipient row Q[r, ...]
OCC, FULL_SINCE, DAYS_FULL_R, DELIVERED_R, BOUNCED_R, NFIN, OFF, SIZE = range(8)
INLINE = 8  # NFIN: conversations that will leave; their leave times in the row from INLINE on while they fit, else
QW = 16  # in the arena at [OFF, OFF + SIZE) (arena.py); a row is 128 bytes

# book counters CC[plan, row, k]
(ATT, REJ, BLK, WAITEND, BOUNCED, DELIV, OPENED, RESP, REPLIED, ACCEPTED, DECLINED, EXPUN, PENDING,
 GRANTED, SPENT, REFUNDED, EXPIRED, FORFEITED, LOST) = range(19)
NK = 19
FLOW_NAMES = ["attempted", "rejected_invalid", "blocked_no_credit", "waiting_end", "bounced_inbox_full", "delivered",
              "opened", "responded", "replied", "accepted", "declined", "expired_unanswered", "pending_end",
              "credits_granted", "credits_spent", "credits_refunded", "credits_expired", "credits_forfeited_cap",
              "credits_lost_cancellation"]

# run-wide counters G[...]
(WAITING, WAITING_MAX, WAKES, REFUND_WAKES, SENT_AFTER_WAIT, OVERFLOW, WAKE_HEAP_MAX, HEAP_MAX, FOLLOWUPS, SEQNO,
 DEPARTED, CREDIT_EVENTS) = range(12)
NG = 12
G_NAMES = ["waiting_now", "waiting_max", "wakes", "refund_wakes", "sent_after_wait", "overflow", "wake_heap_max",
           "heap_max", "followups", "schedules", "departed", "credit_events"]

# float sums DS[plan, ...] and run-wide FS[...]
DS_OPEN, DS_RESPOND = 0, 1
FS_OCC_DAYS = 0
