"""Running validation cases and judging them: is the simulated mean within 4 standard errors of the theory?

The standard error is computed from the replications themselves (sd / sqrt(n)), so the tolerance follows from the
data and is never picked. With a t distribution on 19 degrees of freedom a correct engine falls outside 4 standard
errors about once in 1,300 checks; a systematic error of a few standard errors is caught. A measure whose
replications all agree (a deterministic schedule) must equal the theory to rounding.

Replications run through the executors of `sim.experiments` (in this process, or in a pool of worker processes);
each task runs one replication of one case and returns the numbers of its measures, so results never depend on how
many jobs ran them.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Callable, Iterable

from sim.experiments.executors import using
from sim.experiments.stats import summarize
from sim.world.engine import simulate

from .case import Case, Measure

TOLERANCE_SE = 4.0
EXACT = 1e-9  # relative tolerance when every replication gives the same number


@dataclass(frozen=True)
class Verdict:
    """A measure's theory against its simulated mean over the replications of its case."""

    case: str
    measure: Measure
    values: tuple[float, ...]
    mean: float
    sd: float
    ci95: tuple[float, float]

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def theory(self) -> float:
        return self.measure.theory

    @property
    def se(self) -> float:
        return self.sd / math.sqrt(self.n) if self.n > 1 else 0.0

    @property
    def z(self) -> float:
        """(mean - theory) / se; 0 or +-inf when se is 0."""
        diff = self.mean - self.theory
        if self.se > 0:
            return diff / self.se
        return 0.0 if self._exact() else math.copysign(math.inf, diff)

    def _exact(self) -> bool:
        return abs(self.mean - self.theory) <= EXACT * max(1.0, abs(self.theory))

    @property
    def passed(self) -> bool:
        if self.se == 0:
            return self._exact()
        return abs(self.mean - self.theory) <= TOLERANCE_SE * self.se


def verdict(case_key: str, measure: Measure, values: Iterable[float]) -> Verdict:
    values = tuple(float(v) for v in values)
    if not values:
        raise ValueError(f"{case_key}: no replication values for {measure.mechanism!r}")
    s = summarize(values)
    if s.n != len(values):
        raise ValueError(f"{case_key}: undefined values (NaN) for {measure.mechanism!r}")
    sd = s.sd or 0.0
    ci95 = s.ci95 if s.ci95 is not None else (s.mean, s.mean)
    return Verdict(case_key, measure, values, s.mean, sd, (float(ci95[0]), float(ci95[1])))


def replicate_measures(task: tuple[Case, int]) -> list[float]:
    """One replication of a case: the value of each of its measures (runs in a worker process)."""
    case, replication = task
    result = simulate(case.scenario, seed=case.seed, replication=replication)
    return [m.statistic(result) for m in case.measures]


def run_cases(cases: list[Case], jobs: int | None = None, executor: str = "local",
              on_case: Callable[[Case, list[Verdict]], None] | None = None) -> list[Verdict]:
    """Runs every replication of every case (spread over `jobs` processes) and judges each measure.

    `on_case(case, verdicts)` is called as each case is judged, in the order of `cases`.
    """
    tasks = [(case, r) for case in cases for r in range(case.replications)]
    ends = list(itertools.accumulate(case.replications for case in cases))
    values: list[list[float] | None] = [None] * len(tasks)
    verdicts: list[Verdict] = []
    next_case = 0
    with using(executor, jobs=jobs, most_tasks=len(tasks)) as runner:
        for index, result in runner.map_unordered(replicate_measures, tasks):
            values[index] = result
            # judge each case as soon as its replications and those of the cases before it are in
            while next_case < len(cases) and all(v is not None for v in values[:ends[next_case]]):
                verdicts.extend(_judge(cases[next_case], values, ends[next_case], on_case))
                next_case += 1
    return verdicts


def _judge(case: Case, values, end: int, on_case) -> list[Verdict]:
    rows = values[end - case.replications:end]
    judged = [verdict(case.key, m, [row[i] for row in rows]) for i, m in enumerate(case.measures)]
    if on_case is not None:
        on_case(case, judged)
    return judged
