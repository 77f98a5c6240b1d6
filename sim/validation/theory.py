"""Closed forms that the engine's mechanisms must reproduce: what the validation suite compares against.

Each function states a known result in the engine's own terms (days, credits, InMails):

- An inbox that bounces when full, receives Poisson InMails and drops unanswered ones after a fixed response window
  is a loss system M/G/c/c. The share of InMails that bounce is Erlang's B formula for c slots and offered load
  lambda * window (insensitivity: only the mean holding time matters), and by Little's law the mean number of
  conversations held is the carried load, lambda * (1 - B) * window.
- The same inbox evicting its oldest conversation instead of bouncing holds the last min(c, N) arrivals of the
  window, N Poisson with mean a; a conversation is evicted when c more arrive within its window.
- A recipient who checks at Poisson times of rate r and opens at a check with probability p_fresh in the unread
  window w and p_late after it opens after a time T with P(T > x) = exp(-r h(x)), h(x) = p_fresh min(x, w) +
  p_late max(x - w, 0). When r itself varies between recipients, P(T > x) is the Laplace transform of r's law at
  h(x). An answer comes a response delay after the open, and only within the response window.
- Refunds: `on_response` returns the credit when the answer comes within N days, `on_no_response` when it does not.
- A member's credits under monthly grants, a cap and a lifetime, with Poisson demand that is dropped when there is
  no credit, form a Markov chain observed at each refresh (see `credit_chain`).

The funnel of a replication follows the InMails sent after the warm-up to the horizon, so an InMail sent s days
before the horizon is only watched for s days; `cohort_average` folds that censoring into a theory value.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from scipy import integrate
from scipy import stats as st

from sim.scenario.distributions import Exponential, Fixed, Gamma, LogNormal, Uniform, Weibull


# -- queues ----------------------------------------------------------------------------------------------------------
def erlang_b(servers: int, offered_load: float) -> float:
    """Blocking probability of an M/G/c/c loss system, by the stable recursion B(k) = a B(k-1) / (k + a B(k-1))."""
    if servers < 0:
        raise ValueError(f"servers must be >= 0, got {servers}")
    if offered_load < 0:
        raise ValueError(f"offered_load must be >= 0, got {offered_load}")
    b = 1.0
    for k in range(1, servers + 1):
        b = offered_load * b / (k + offered_load * b)
    return b


def evict_oldest_inbox(slots: int, offered_load: float) -> tuple[float, float]:
    """(P(full), mean occupancy) of an inbox that evicts its oldest conversation when full, whose conversations
    otherwise stay a fixed window: it holds the last min(c, N) arrivals of the window, N ~ Poisson(a)."""
    if slots < 1 or offered_load < 0:
        raise ValueError(f"need slots >= 1 and offered_load >= 0, got {slots}, {offered_load}")
    n = st.poisson(offered_load)
    full = float(n.sf(slots - 1))
    occupancy = float(sum(k * n.pmf(k) for k in range(slots)) + slots * full)
    return full, occupancy


def littles_law(arrival_rate: float, mean_time_in_system: float) -> float:
    """L = lambda W: mean number in a system from its arrival rate and the mean time each arrival spends in it."""
    if arrival_rate < 0 or mean_time_in_system < 0:
        raise ValueError(f"rate and time must be >= 0, got {arrival_rate}, {mean_time_in_system}")
    return arrival_rate * mean_time_in_system


# -- random quantities of a scenario -------------------------------------------------------------------------------
def laplace_transform(dist, s: float) -> float:
    """E[exp(-s R)] for a scenario distribution R (closed forms where they exist, numerical otherwise)."""
    if s < 0:
        raise ValueError(f"s must be >= 0, got {s}")
    if isinstance(dist, Fixed):
        return math.exp(-s * dist.value)
    if isinstance(dist, Exponential):
        return 1.0 / (1.0 + s * dist.mean())
    if isinstance(dist, Gamma):
        shape = (dist.mean() / dist.sd) ** 2
        return (1.0 + s * dist.mean() / shape) ** (-shape)
    if isinstance(dist, Uniform):
        width = dist.high - dist.low
        if width == 0 or s == 0:
            return math.exp(-s * dist.low)
        return (math.exp(-s * dist.low) - math.exp(-s * dist.high)) / (s * width)
    return float(scipy_distribution(dist).expect(lambda r: math.exp(-s * r)))


def scipy_distribution(dist):
    """The frozen scipy distribution with the law of a continuous scenario distribution."""
    if isinstance(dist, Exponential):
        return st.expon(scale=dist.mean())
    if isinstance(dist, Gamma):
        shape = (dist.mean() / dist.sd) ** 2
        return st.gamma(shape, scale=dist.mean() / shape)
    if isinstance(dist, LogNormal):
        mu, sigma = dist._params()
        return st.lognorm(sigma, scale=math.exp(mu))
    if isinstance(dist, Uniform):
        return st.uniform(loc=dist.low, scale=dist.high - dist.low)
    if isinstance(dist, Weibull):
        return st.weibull_min(dist.shape, scale=dist.scale)
    raise ValueError(f"no continuous law for {dist!r}")


# -- opening and answering -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Recipient:
    """How recipients open and answer, in the scenario's terms (days; `response_window` None: never deleted)."""

    checks_per_day: object  # a scenario distribution
    p_fresh: float
    p_late: float
    unread_days: float
    response_window: float | None
    p_response: float  # reply + accept + decline, with the body-length and weekday factors applied
    response_delay: object  # a scenario distribution: days from the open to the answer

    def __post_init__(self):
        for name in ("p_fresh", "p_late", "p_response"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be a probability in [0, 1], got {getattr(self, name)}")
        if self.unread_days < 0:
            raise ValueError(f"unread_days must be >= 0, got {self.unread_days}")
        if self.response_window is not None and self.response_window <= 0:
            raise ValueError(f"response_window must be > 0 or None, got {self.response_window}")

    def open_cdf(self, x: float) -> float:
        """P(opened within x days of delivery); opens after the response window never happen."""
        if self.response_window is not None:
            x = min(x, self.response_window)
        if x <= 0:
            return 0.0
        w = self.unread_days
        hazard = self.p_fresh * min(x, w) + self.p_late * max(x - w, 0.0)
        return 1.0 - laplace_transform(self.checks_per_day, hazard)

    def partial_mean_open(self, x: float) -> float:
        """E[T; T <= x] for the open time T: x F(x) - integral of F over [0, x]."""
        if x <= 0:
            return 0.0
        return x * self.open_cdf(x) - _integral(self.open_cdf, 0.0, x, self._kinks(x))

    def answered_by(self, x: float) -> float:
        """P(opened, then answered, within x days of delivery), the answer also within the response window."""
        if self.response_window is not None:
            x = min(x, self.response_window)
        if x <= 0:
            return 0.0
        delay = self.response_delay
        if isinstance(delay, Fixed):
            reached = self.open_cdf(x - delay.value) if x > delay.value else 0.0
        else:
            law = scipy_distribution(delay)
            reached = _integral(lambda y: law.pdf(y) * self.open_cdf(x - y), 0.0, x, [x - self.unread_days])
        return self.p_response * reached

    def mean_time_in_inbox(self, answered_slot_days: float) -> float:
        """Mean days a conversation holds its slot: an answered one until `answered_slot_days` after the answer,
        an unanswered one for the whole response window (which must be finite)."""
        window = self.response_window
        if window is None:
            raise ValueError("a finite response window is needed for a finite time in the inbox")
        # E[(Z + slot - window); Z < window] for the answer time Z = slot P(Z < window) - integral of P(Z <= z)
        answered = self.answered_by(window)
        gain = answered_slot_days * answered - _integral(self.answered_by, 0.0, window, self._kinks(window))
        return window + gain

    def _kinks(self, x: float) -> list[float]:
        return [p for p in (self.unread_days, self.response_window) if p is not None and 0 < p < x]


def cohort_average(within: Callable[[float], float], cohort_days: float, kinks=()) -> float:
    """The mean over a cohort of InMails sent uniformly over the last `cohort_days` before the horizon of what each
    shows by the horizon, when an InMail watched for s days shows `within(s)`: e.g. with within(s) = P(opened within
    s days), the share of the cohort opened by the horizon. `kinks` are the points where `within` bends."""
    if cohort_days <= 0:
        raise ValueError(f"cohort_days must be > 0, got {cohort_days}")
    return _integral(within, 0.0, cohort_days, kinks) / cohort_days


def _integral(f, a: float, b: float, kinks=()) -> float:
    points = sorted(p for p in kinks if a < p < b)
    value, _ = integrate.quad(f, a, b, points=points or None, limit=200, epsabs=1e-11, epsrel=1e-9)
    return value


# -- refunds -----------------------------------------------------------------------------------------------------
def refund_share(recipient: Recipient, policy: str, window_days: float) -> float:
    """Expected share of spent credits that come back: `on_response` when the answer comes within `window_days`,
    `on_no_response` when it does not, `none` never."""
    if policy == "none":
        return 0.0
    answered = recipient.answered_by(window_days)
    if policy == "on_response":
        return answered
    if policy == "on_no_response":
        return 1.0 - answered
    raise ValueError(f"policy must be on_response, on_no_response or none, got {policy!r}")
