"""A member's credits under monthly grants, a cap and a lifetime, solved exactly (no simulation).

With demand that is dropped when there is no credit (`when_out_of_credits: drop`) and no refunds, a member's credits
seen right after each refresh form a Markov chain: the state is what is left of each lot still alive, oldest first.
Between refreshes the member wishes to send a Poisson number of InMails (mean `demand_per_month` per month), each
spending the oldest credit. A lot granted at a refresh expires `lifetime_days` later: when that is a whole number of
months it dies at a refresh (before the new grant, as the ledger orders them), otherwise part-way through a month, so
the month splits into the days before that expiry and the days after, each with its own Poisson demand. At the
refresh `credits_per_month` arrive and whatever lifts the balance above the cap is forfeited, newest first.

`CreditChain` enumerates the states reachable from the first grant, builds the transition matrix with the expected
credits expired and forfeited on each step, and solves for the stationary distribution with numpy: the long-run
share of granted credits that are wasted follows. Because the chain can mix slowly (demand equal to the grant makes
the balance a driftless walk between 0 and the cap), `CreditChain.window` also gives the exact expectation over a
replication's window when every member is granted on the 1st, start-up included. `zero_demand_schedule` is the
deterministic path of a member who never sends.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import stats as st

from sim.scenario.schema import DAYS_PER_MONTH

# a lifetime within this share of a month of a whole number of months is treated as one (the ledger's clock agrees:
# a month is 30.4375 days, exact in binary, so lot dates and refresh dates are computed without rounding)
WHOLE_MONTH_TOLERANCE = 1e-9
MAX_STATES = 2000


@dataclass(frozen=True)
class CreditRules:
    """A plan's credit rules: grant per refresh, cap on the balance (None: none), lifetime in days (None: never)."""

    credits_per_month: int
    cap: int | None
    lifetime_days: float | None
    period_days: float = DAYS_PER_MONTH

    def __post_init__(self):
        if self.credits_per_month < 1:
            raise ValueError(f"credits_per_month must be >= 1, got {self.credits_per_month}")
        if self.cap is not None and self.cap < 0:
            raise ValueError(f"cap must be >= 0 or None, got {self.cap}")
        if self.lifetime_days is not None and self.lifetime_days <= 0:
            raise ValueError(f"lifetime_days must be > 0 or None, got {self.lifetime_days}")
        if self.period_days <= 0:
            raise ValueError(f"period_days must be > 0, got {self.period_days}")

    def segments(self) -> tuple[list[float], int]:
        """(lengths in days of the spans between a refresh and the next one, cut at the expiry of the oldest lot;
        the number of lots alive right after a refresh). The oldest lot dies at the end of the first span."""
        period = self.period_days
        if self.lifetime_days is None:
            return [period], 1
        months = self.lifetime_days / period
        whole = math.floor(months + WHOLE_MONTH_TOLERANCE)
        rest = self.lifetime_days - whole * period
        if rest <= WHOLE_MONTH_TOLERANCE * period:
            return [period], whole
        return [rest, period - rest], whole + 1

    def capped(self, n: int) -> int:
        return n if self.cap is None else min(n, self.cap)


def _spend(lots: tuple, n: int) -> tuple:
    """The lots after spending `n` credits, oldest first."""
    out = list(lots)
    for i, have in enumerate(out):
        if n == 0:
            break
        used = min(have, n)
        out[i] = have - used
        n -= used
    return tuple(out)


@lru_cache(maxsize=4096)
def _poisson(mean: float, n: int) -> tuple[tuple[float, ...], float]:
    """P(N = 0..n-1) and P(N >= n) for N ~ Poisson(mean)."""
    return tuple(st.poisson.pmf(np.arange(n), mean).tolist()), float(st.poisson.sf(n - 1, mean))


def _after_demand(lots: tuple, mean: float):
    """(probability, lots) after a Poisson(mean) number of wishes; wishes beyond the balance are dropped."""
    total = sum(lots)
    if total == 0 or mean == 0:
        yield 1.0, lots
        return
    pmf, tail = _poisson(mean, total)
    for n in range(total):
        yield pmf[n], _spend(lots, n)
    yield tail, tuple(0 for _ in lots)


def _refresh(rules: CreditRules, lots: tuple) -> tuple[tuple, int]:
    """Grant at a refresh, then the cap, newest credits first: (lots, credits forfeited). Without a lifetime only
    the balance matters, so the lots are merged into one."""
    lots = lots + (rules.credits_per_month,)
    total = sum(lots)
    if rules.lifetime_days is None:
        return (rules.capped(total),), total - rules.capped(total)
    excess = forfeited = total - rules.capped(total)
    out = list(lots)
    for i in range(len(out) - 1, -1, -1):
        take = min(out[i], excess)
        out[i] -= take
        excess -= take
    return tuple(out), forfeited


def _within_month(rules: CreditRules, state: tuple, demand_per_month: float, days: float):
    """Outcomes of the first `days` days after a refresh from `state`: [(probability, lots, credits expired)].
    The oldest lot dies at the end of the first span, if that span is over by then."""
    spans, _ = rules.segments()
    outcomes = [(1.0, state, 0)]
    elapsed = 0.0
    for i, length in enumerate(spans):
        used = min(length, days - elapsed)
        if used <= 0:
            break
        expires = i == 0 and rules.lifetime_days is not None and used == length
        step = []
        for p, lots, expired in outcomes:
            for q, after in _after_demand(lots, demand_per_month * used / rules.period_days):
                step.append((p * q, after[1:], expired + after[0]) if expires else (p * q, after, expired))
        outcomes = step
        elapsed += length
    return outcomes


def _month(rules: CreditRules, state: tuple, demand_per_month: float) -> list[tuple[float, tuple, int, int]]:
    """Outcomes of one month from `state`: (probability, next state, credits expired, credits forfeited)."""
    result = []
    for p, lots, expired in _within_month(rules, state, demand_per_month, rules.period_days):
        nxt, forfeited = _refresh(rules, lots)
        result.append((p, nxt, expired, forfeited))
    return result


@dataclass(frozen=True)
class Window:
    """Expected credits per member over a replication's window after the warm-up."""

    granted: float
    expired: float
    forfeited: float
    balance_end: float

    @property
    def waste_share(self) -> float:
        return (self.expired + self.forfeited) / self.granted


class CreditChain:
    """The Markov chain of a member's lots seen right after each refresh, from the first grant on.

    With Poisson demand (dropped when out of credit) and no refunds: `transition[i, j]` is the probability of going
    from state i to state j in a month, `expired[i]` and `forfeited[i]` the expected credits expired during the month
    and forfeited at its closing refresh. State 0 is the first grant.
    """

    def __init__(self, rules: CreditRules, demand_per_month: float):
        if demand_per_month < 0:
            raise ValueError(f"demand_per_month must be >= 0, got {demand_per_month}")
        if rules.cap is None and rules.lifetime_days is None:
            raise ValueError("credits with neither a cap nor a lifetime can pile up without bound: no finite chain")
        self.rules = rules
        self.demand = demand_per_month
        _, alive = rules.segments()
        self.first_forfeit = rules.credits_per_month - rules.capped(rules.credits_per_month)
        first = rules.credits_per_month - self.first_forfeit
        start = (first,) if rules.lifetime_days is None else (0,) * (alive - 1) + (first,)
        index = {start: 0}
        self.states = [start]
        rows, expired, forfeited = [], [], []
        k = 0
        while k < len(self.states):
            row: dict[int, float] = {}
            e = f = 0.0
            for p, nxt, exp_n, forf_n in _month(rules, self.states[k], demand_per_month):
                if nxt not in index:
                    if len(self.states) >= MAX_STATES:
                        raise ValueError(f"more than {MAX_STATES} credit states: choose smaller grants or caps")
                    index[nxt] = len(self.states)
                    self.states.append(nxt)
                row[index[nxt]] = row.get(index[nxt], 0.0) + p
                e += p * exp_n
                f += p * forf_n
            rows.append(row)
            expired.append(e)
            forfeited.append(f)
            k += 1
        n = len(self.states)
        self.transition = np.zeros((n, n))
        for i, row in enumerate(rows):
            for j, p in row.items():
                self.transition[i, j] = p
        self.expired = np.array(expired)
        self.forfeited = np.array(forfeited)
        self.stationary = stationary_distribution(self.transition)

    # -- the long run ------------------------------------------------------------------------------------------
    @property
    def expired_per_month(self) -> float:
        return float(self.stationary @ self.expired)

    @property
    def forfeited_per_month(self) -> float:
        return float(self.stationary @ self.forfeited)

    @property
    def waste_share(self) -> float:
        """Long-run share of granted credits that expire or are forfeited at the cap."""
        return (self.expired_per_month + self.forfeited_per_month) / self.rules.credits_per_month

    def distance_from_stationary(self, months: int) -> float:
        """Largest total-variation distance from the stationary law after `months` months, over every start."""
        power = np.linalg.matrix_power(self.transition, months)
        return float(0.5 * np.abs(power - self.stationary).sum(axis=1).max())

    # -- one replication's window --------------------------------------------------------------------------------
    def window(self, warmup_months: int, horizon_days: float) -> Window:
        """Expected credits per member counted after a warm-up of `warmup_months` whole months, to the horizon,
        when every member is granted on the 1st of the month (day 0, one period, ...) from the first grant on.
        Counts follow the engine: an event at the end of the warm-up counts in the window, one at the horizon too."""
        period = self.rules.period_days
        last = math.floor(horizon_days / period + WHOLE_MONTH_TOLERANCE)  # the last refresh at or before the horizon
        tail = horizon_days - last * period
        if not 0 <= warmup_months <= last:
            raise ValueError(f"the warm-up ({warmup_months} months) must end by the last refresh (month {last})")
        spans, _ = self.rules.segments()
        expires_at_refresh = len(spans) == 1
        laws = [np.eye(len(self.states))[0]]
        for _ in range(last):
            laws.append(laws[-1] @ self.transition)
        granted = (last - warmup_months + 1) * self.rules.credits_per_month
        # forfeits happen at the refresh closing a month; those at the first grant only when the window starts at 0
        forfeited = sum(laws[j] @ self.forfeited for j in range(max(warmup_months - 1, 0), last))
        forfeited += self.first_forfeit if warmup_months == 0 else 0
        if expires_at_refresh:  # a month's expiry falls on its closing refresh
            months = range(max(warmup_months - 1, 0), last)
        else:  # part-way through the month, after the first span
            months = range(warmup_months, last + (1 if spans[0] <= tail + 1e-12 else 0))
        expired = sum(laws[j] @ self.expired for j in months)
        held = np.array([
            sum(p * sum(lots) for p, lots, _ in _within_month(self.rules, state, self.demand, tail))
            for state in self.states
        ])
        return Window(float(granted), float(expired), float(forfeited), float(laws[last] @ held))


def stationary_distribution(transition: np.ndarray) -> np.ndarray:
    """pi with pi P = pi and sum(pi) = 1, for a chain with one recurrent class."""
    n = transition.shape[0]
    rows_sum = transition.sum(axis=1)
    if not np.allclose(rows_sum, 1.0, atol=1e-9):
        raise ValueError(f"rows of a transition matrix must sum to 1, got {rows_sum.min()!r}..{rows_sum.max()!r}")
    system = np.vstack([transition.T - np.eye(n), np.ones((1, n))])
    rhs = np.zeros(n + 1)
    rhs[-1] = 1.0
    pi, *_ = np.linalg.lstsq(system, rhs, rcond=None)
    pi = np.clip(pi, 0.0, None)
    return pi / pi.sum()


# -- a member who never sends ---------------------------------------------------------------------------------------
def zero_demand_schedule(rules: CreditRules, horizon_days: float) -> list[dict[str, int]]:
    """Month by month (refresh on the 1st, i.e. at day month * period): credits granted, expired and forfeited in
    the month and the balance at its end, for a member who never spends. Ties: expiry before the grant."""
    period = rules.period_days
    months = max(1, math.ceil(horizon_days / period - 1e-9))
    rows = [dict(granted=0, expired=0, forfeited=0, balance_end=0) for _ in range(months)]
    lots: dict[int, int] = {}  # refresh index -> credits left of that grant
    for k in range(months):
        for j in sorted(lots):  # lots that died by this refresh (a whole-month lifetime dies at the refresh itself)
            if _expiry_month(rules, j) is not None and _expiry_month(rules, j) <= k and _expires_at_refresh(rules):
                rows[k]["expired"] += lots.pop(j)
        held = sum(lots.values())
        size = rules.capped(held + rules.credits_per_month) - held
        rows[k]["granted"] += rules.credits_per_month
        rows[k]["forfeited"] += rules.credits_per_month - size
        if size:
            lots[k] = size
        if not _expires_at_refresh(rules):  # lots dying part-way through this month
            for j in sorted(lots):
                when = _expiry_time(rules, j)
                if when is not None and when < (k + 1) * period and when <= horizon_days:
                    rows[k]["expired"] += lots.pop(j)
        rows[k]["balance_end"] = sum(lots.values())
    return rows


def _expires_at_refresh(rules: CreditRules) -> bool:
    spans, _ = rules.segments()
    return len(spans) == 1


def _expiry_time(rules: CreditRules, refresh_index: int) -> float | None:
    if rules.lifetime_days is None:
        return None
    return refresh_index * rules.period_days + rules.lifetime_days


def _expiry_month(rules: CreditRules, refresh_index: int) -> int | None:
    when = _expiry_time(rules, refresh_index)
    return None if when is None else math.floor(when / rules.period_days + WHOLE_MONTH_TOLERANCE)
