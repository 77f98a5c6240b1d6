"""What many replications say about a metric: a mean with a 95% interval, and the difference between two variants.

One replication of a stochastic world is one draw; the answer to "what is the response rate" is the mean over
independent replications with a Student-t interval around it. The answer to "does this pricing change raise
revenue" is the mean of the per-replication differences (variant minus base, both arms run on the same random
numbers), with its own t interval: because the arms share their randomness the differences vary far less than the
arms do, so this paired interval is much narrower than the unpaired (Welch) one computed as if the arms were
independent. Both are offered so a report can show what the common random numbers bought.

A metric may be undefined in a replication (cost per response with no response at all): such values (None or NaN)
are left out and `n` says how many were used. With fewer than two usable values there is a mean but no spread and
no interval (None).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Optional

import numpy as np

CONFIDENCE = 0.95


def _as_float(value) -> float:
    if value is None:
        return math.nan
    return float(value)


def clean(values: Iterable) -> np.ndarray:
    """The usable values as a float array: None, NaN and infinities dropped."""
    arr = np.array([_as_float(v) for v in values], dtype=float)
    return arr[np.isfinite(arr)]


def t_quantile(probability: float, dof: float) -> float:
    """The `probability` quantile of Student's t distribution with `dof` degrees of freedom."""
    from scipy.special import stdtrit  # what scipy.stats.t.ppf computes, without scipy.stats' import time

    return float(stdtrit(dof, probability))


def _t_interval(mean: float, sd: float, n: int, confidence: float) -> tuple[float, float]:
    half = t_quantile(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
    return (mean - half, mean + half)


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")


@dataclass(frozen=True)
class Summary:
    """Mean, standard deviation (ddof=1) and t interval of one metric over replications."""

    mean: Optional[float]
    sd: Optional[float]
    ci95: Optional[tuple[float, float]]
    n: int

    @property
    def half_width(self) -> Optional[float]:
        return None if self.ci95 is None else (self.ci95[1] - self.ci95[0]) / 2

    @property
    def relative_half_width(self) -> Optional[float]:
        """Half-width over |mean|: the precision target of `--until-ci` (infinite when the mean is 0)."""
        if self.half_width is None:
            return None
        if self.mean == 0:
            return 0.0 if self.half_width == 0 else math.inf
        return self.half_width / abs(self.mean)

    def to_dict(self) -> dict:
        return {"mean": self.mean, "sd": self.sd, "ci95": None if self.ci95 is None else list(self.ci95), "n": self.n}


def summarize(values: Iterable, confidence: float = CONFIDENCE) -> Summary:
    """Summary of one metric's per-replication values (None/NaN ignored)."""
    _check_confidence(confidence)
    x = clean(values)
    n = len(x)
    if n == 0:
        return Summary(None, None, None, 0)
    mean = float(x.mean())
    if n == 1:
        return Summary(mean, None, None, 1)
    sd = float(x.std(ddof=1))
    return Summary(mean, sd, _t_interval(mean, sd, n, confidence), n)


@dataclass(frozen=True)
class Difference:
    """Variant minus base for one metric: the mean difference, its interval, and the relative change."""

    base_mean: Optional[float]
    variant_mean: Optional[float]
    diff: Optional[float]
    se: Optional[float]  # standard error of the difference
    ci95: Optional[tuple[float, float]]
    n: int
    method: str  # "paired" or "welch"

    @property
    def relative_change(self) -> Optional[float]:
        """diff / |base mean| (None when the base mean is 0 or unknown)."""
        if self.diff is None or not self.base_mean:
            return None
        return self.diff / abs(self.base_mean)

    @property
    def excludes_zero(self) -> Optional[bool]:
        """Whether the interval lies wholly on one side of zero (None without an interval)."""
        if self.ci95 is None:
            return None
        return bool(self.ci95[0] > 0 or self.ci95[1] < 0)

    @property
    def half_width(self) -> Optional[float]:
        return None if self.ci95 is None else (self.ci95[1] - self.ci95[0]) / 2

    def to_dict(self) -> dict:
        return {
            "base_mean": self.base_mean,
            "variant_mean": self.variant_mean,
            "diff": self.diff,
            "se": self.se,
            "ci95": None if self.ci95 is None else list(self.ci95),
            "relative_change": self.relative_change,
            "excludes_zero": self.excludes_zero,
            "n": self.n,
            "method": self.method,
        }


def paired_difference(base: Iterable, variant: Iterable, confidence: float = CONFIDENCE) -> Difference:
    """Mean of variant[r] - base[r] over replications r with a t interval; pairs with a missing side are dropped."""
    _check_confidence(confidence)
    b = np.array([_as_float(v) for v in base], dtype=float)
    v = np.array([_as_float(x) for x in variant], dtype=float)
    if len(b) != len(v):
        raise ValueError(f"paired values need one per replication in both arms, got {len(b)} and {len(v)}")
    keep = np.isfinite(b) & np.isfinite(v)
    b, v = b[keep], v[keep]
    n = len(b)
    if n == 0:
        return Difference(None, None, None, None, None, 0, "paired")
    d = v - b
    diff = float(d.mean())
    if n == 1:
        return Difference(float(b.mean()), float(v.mean()), diff, None, None, 1, "paired")
    sd = float(d.std(ddof=1))
    ci95 = _t_interval(diff, sd, n, confidence)
    return Difference(float(b.mean()), float(v.mean()), diff, sd / math.sqrt(n), ci95, n, "paired")


def welch_difference(base: Iterable, variant: Iterable, confidence: float = CONFIDENCE) -> Difference:
    """Interval for mean(variant) - mean(base) treating the arms as independent samples (Welch-Satterthwaite)."""
    _check_confidence(confidence)
    b, v = clean(base), clean(variant)
    n = min(len(b), len(v))
    if n == 0:
        return Difference(None, None, None, None, None, 0, "welch")
    bm, vm = float(b.mean()), float(v.mean())
    diff = vm - bm
    if len(b) < 2 or len(v) < 2:
        return Difference(bm, vm, diff, None, None, n, "welch")
    var_b, var_v = b.var(ddof=1) / len(b), v.var(ddof=1) / len(v)
    se = math.sqrt(var_b + var_v)
    if se == 0:
        return Difference(bm, vm, diff, 0.0, (diff, diff), n, "welch")
    dof = (var_b + var_v) ** 2 / (var_b**2 / (len(b) - 1) + var_v**2 / (len(v) - 1))
    half = t_quantile(0.5 + confidence / 2, dof) * se
    return Difference(bm, vm, diff, se, (diff - half, diff + half), n, "welch")
