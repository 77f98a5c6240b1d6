"""What a validation case reads from one replication: a metric, a ratio of counts, a ratio of monthly flows.

Each reader is a module-level function bound with `functools.partial`, so a case can be sent to worker processes.
A reader also checks the assumptions its theory rests on (e.g. no InMail was blocked for want of credit in a case
that assumes ample credits) and raises `AssumptionBroken` rather than return a number the theory does not cover.
"""
from __future__ import annotations

from functools import partial
from typing import Callable

from sim.metrics import ReplicationResult

Statistic = Callable[[ReplicationResult], float]


class AssumptionBroken(ValueError):
    """A replication left the setting in which the case's theory holds: the case itself must be fixed."""


def _metric(name: str, result: ReplicationResult) -> float:
    return float(result.metrics[name])


def _ratio(numerator: tuple[str, ...], denominator: tuple[str, ...], result: ReplicationResult) -> float:
    m = result.metrics
    den = sum(m[name] for name in denominator)
    if not den:
        raise AssumptionBroken(f"{' + '.join(denominator)} is 0 in a replication: the case has too few events")
    return sum(m[name] for name in numerator) / den


def _flow_ratio(numerator: str, denominator: str, from_day: float, result: ReplicationResult) -> float:
    rows = [row for row in result.timeseries if row["month_start_day"] >= from_day - 1e-9]
    den = sum(row[denominator] for row in rows)
    if not den:
        raise AssumptionBroken(f"no {denominator} in the monthly flows from day {from_day:g}")
    return sum(row[numerator] for row in rows) / den


def _requiring_zero(names: tuple[str, ...], statistic: Statistic, result: ReplicationResult) -> float:
    broken = [f"{name}={result.metrics[name]:g}" for name in names if result.metrics[name]]
    if broken:
        raise AssumptionBroken("the case assumes none of these happen, but: " + ", ".join(broken))
    return statistic(result)


def metric(name: str) -> Statistic:
    """A headline metric of the replication, e.g. `open_rate`."""
    return partial(_metric, name)


def ratio(numerator: tuple[str, ...], denominator: tuple[str, ...]) -> Statistic:
    """sum(numerator metrics) / sum(denominator metrics), e.g. bounced / (bounced + delivered)."""
    return partial(_ratio, tuple(numerator), tuple(denominator))


def flow_ratio(numerator: str, denominator: str, from_day: float) -> Statistic:
    """Ratio of two monthly flows summed over the months that start on or after `from_day`.

    Flows are counted when they happen, so once the flows are stationary (from a month that starts after every lag
    between the two events has passed) their ratio has no horizon edge effect, unlike the censored cohort funnel.
    """
    return partial(_flow_ratio, numerator, denominator, from_day)


def requiring_zero(names: tuple[str, ...], statistic: Statistic) -> Statistic:
    """`statistic`, after checking that each metric in `names` is 0 in the replication."""
    return partial(_requiring_zero, tuple(names), statistic)


SCHEDULE_FLOWS = {"granted": "credits_granted", "expired": "credits_expired", "forfeited": "credits_forfeited_cap",
                  "balance_end": "credits_balance_end"}


def _schedule_deviation(expected: tuple[dict, ...], members: int, result: ReplicationResult) -> float:
    rows = sorted(result.timeseries, key=lambda row: row["month"])
    if len(rows) != len(expected):
        raise AssumptionBroken(f"{len(rows)} months in the time series, the schedule has {len(expected)}")
    return float(sum(
        abs(row[column] / members - month[key]) for row, month in zip(rows, expected)
        for key, column in SCHEDULE_FLOWS.items()
    ))


def schedule_deviation(expected: list[dict], members: int) -> Statistic:
    """Credits per member by which the monthly grants, expiries, forfeits and month-end balances of a one-plan
    replication differ from `expected` (rows of `credit_chain.zero_demand_schedule`), summed over months."""
    return partial(_schedule_deviation, tuple(expected), members)


def _scaled(name: str, factor: float, result: ReplicationResult) -> float:
    return float(result.metrics[name]) * factor


def scaled(name: str, factor: float) -> Statistic:
    """A headline metric times `factor`, e.g. the balance at the horizon per member."""
    return partial(_scaled, name, factor)
