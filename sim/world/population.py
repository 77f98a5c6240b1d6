"""Senders and recipients as flat arrays, the plan mix, and who gets targeted.

Senders are numbered 0..N-1 and grouped by plan in the order of the plan mix, so a plan is a contiguous id range.
Plan sizes follow the mix by largest remainder (deterministic, so two variants of a scenario have the same members).
Each sender has a billing phase: with `anniversary` refresh it is uniform over the month, which staggers grants;
with `first_of_month` it is 0. Each recipient has an inbox-check rate drawn from the scenario's distribution.

Targeting picks recipients uniformly, or by Zipf popularity: the recipient of rank k (recipient id k-1) is chosen
with weight 1/k^s, so with s around 1 a few recipients get a large share of all InMails.
"""
from __future__ import annotations

import math

import numpy as np

from sim.scenario.schema import DAYS_PER_MONTH, Scenario
from sim.streams import Streams


def plan_sizes(n: int, mix: dict[str, float]) -> dict[str, int]:
    """Members per plan: `n` split by `mix` with the largest-remainder rule (sums to exactly n)."""
    names = list(mix)
    raw = [n * mix[p] for p in names]
    sizes = [math.floor(x) for x in raw]
    order = sorted(range(len(names)), key=lambda i: (-(raw[i] - sizes[i]), i))
    for i in order[: n - sum(sizes)]:
        sizes[i] += 1
    return dict(zip(names, sizes))


class Population:
    """The members of one replication: senders by plan, their billing phases, recipients and their check rates."""

    def __init__(self, scenario: Scenario, streams: Streams):
        # plans in the mix first; plans outside it start empty (members may join or move to them)
        self.plan_names = list(scenario.plan_mix) + [p for p in scenario.plans if p not in scenario.plan_mix]
        mix = {p: scenario.plan_mix.get(p, 0.0) for p in self.plan_names}
        sizes = plan_sizes(scenario.population.senders, mix)
        self.plan_sizes = [sizes[p] for p in self.plan_names]
        self.plan_start = list(np.concatenate([[0], np.cumsum(self.plan_sizes)[:-1]]).astype(int))
        self.senders = scenario.population.senders
        self.recipients = scenario.population.recipients
        self.sender_plan = np.repeat(np.arange(len(self.plan_names)), self.plan_sizes).tolist()

        phase_rng = streams("billing_phase")
        phases = phase_rng.random(self.senders) * DAYS_PER_MONTH
        for i, name in enumerate(self.plan_names):
            if scenario.plans[name].refresh == "first_of_month":
                start = self.plan_start[i]
                phases[start : start + self.plan_sizes[i]] = 0.0
        self.billing_phase = phases.tolist()

        # an array, not a list: at 10,000,000 recipients a list of floats would take 320 MB
        self.check_rate_array = scenario.recipients.checks_per_day.sample(streams("check_rate"), self.recipients)

        pop = scenario.targeting
        if pop.kind == "zipf" and pop.exponent > 0:
            weights = np.arange(1, self.recipients + 1, dtype=float) ** (-pop.exponent)
            self._cdf = np.cumsum(weights)
            self._cdf /= self._cdf[-1]
        else:
            self._cdf = None

    def target_weights(self) -> np.ndarray:
        """Probability that an InMail goes to each recipient (for tests and reports)."""
        if self._cdf is None:
            return np.full(self.recipients, 1.0 / self.recipients)
        return np.diff(np.concatenate([[0.0], self._cdf]))

    def next_recipients(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """The targets of `n` InMails, drawn from `rng`."""
        if self._cdf is None:
            return rng.integers(0, self.recipients, n)
        draw = np.searchsorted(self._cdf, rng.random(n), side="right")
        return np.minimum(draw, self.recipients - 1)
