"""Probability distributions a scenario can name, e.g. `{dist: lognormal, mean: 800, sd: 400}`.

Each is parameterised by what an analyst knows (a mean and a spread, in the unit of the quantity) rather than by the
textbook parameters, validated at construction, and draws a numpy batch with `sample(rng, n)`. `mean()` is the exact
mean, used by tests and reports.
"""
from __future__ import annotations

import math
from typing import Annotated, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def mean(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError


class Fixed(_Dist):
    """Always the same value."""

    dist: Literal["fixed"]
    value: float = Field(ge=0, description="the value")

    def sample(self, rng, n):
        return np.full(n, self.value, dtype=float)

    def mean(self):
        return self.value


class Exponential(_Dist):
    """Memoryless waiting time with the given mean."""

    dist: Literal["exponential"]
    mean_: float = Field(alias="mean", gt=0, description="mean")
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)

    def sample(self, rng, n):
        return rng.exponential(self.mean_, n)

    def mean(self):
        return self.mean_


class Uniform(_Dist):
    """Uniform between low and high."""

    dist: Literal["uniform"]
    low: float = Field(ge=0, description="lower bound")
    high: float = Field(ge=0, description="upper bound, >= low")

    @model_validator(mode="after")
    def _order(self):
        if self.high < self.low:
            raise ValueError(f"high must be >= low, got low={self.low}, high={self.high}")
        return self

    def sample(self, rng, n):
        return rng.uniform(self.low, self.high, n)

    def mean(self):
        return (self.low + self.high) / 2


class LogNormal(_Dist):
    """Right-skewed positive quantity with the given mean and standard deviation (not those of its logarithm)."""

    dist: Literal["lognormal"]
    mean_: float = Field(alias="mean", gt=0, description="mean")
    sd: float = Field(gt=0, description="standard deviation")
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)

    def _params(self):
        sigma2 = math.log1p((self.sd / self.mean_) ** 2)
        return math.log(self.mean_) - sigma2 / 2, math.sqrt(sigma2)

    def sample(self, rng, n):
        mu, sigma = self._params()
        return rng.lognormal(mu, sigma, n)

    def mean(self):
        return self.mean_


class Gamma(_Dist):
    """Positive quantity with the given mean and standard deviation (shape = (mean/sd)^2)."""

    dist: Literal["gamma"]
    mean_: float = Field(alias="mean", gt=0, description="mean")
    sd: float = Field(gt=0, description="standard deviation")
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)

    def sample(self, rng, n):
        shape = (self.mean_ / self.sd) ** 2
        return rng.gamma(shape, self.mean_ / shape, n)

    def mean(self):
        return self.mean_


class Weibull(_Dist):
    """Weibull with shape k and scale lambda: shape < 1 gives many quick and a long tail of late values."""

    dist: Literal["weibull"]
    shape: float = Field(gt=0, description="shape k")
    scale: float = Field(gt=0, description="scale lambda, in the unit of the quantity")

    def sample(self, rng, n):
        return self.scale * rng.weibull(self.shape, n)

    def mean(self):
        return self.scale * math.gamma(1 + 1 / self.shape)


Distribution = Annotated[
    Union[Fixed, Exponential, Uniform, LogNormal, Gamma, Weibull], Field(discriminator="dist")
]
DISTRIBUTION_NAMES = ("fixed", "exponential", "uniform", "lognormal", "gamma", "weibull")
