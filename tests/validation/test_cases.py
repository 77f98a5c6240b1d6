"""The engine against theory: every validation case, run over its seeded replications, lies within 4 standard errors.

Fast cases run in the normal suite, slow ones in the `slow` group (which CI runs too). A failure names the mechanism,
the theory, the simulated mean and how many standard errors apart they are; `run_sim.py validate-model` writes the
same comparison as docs/validation.md.
"""
import dataclasses

import pytest

from sim.experiments.executors import default_jobs
from sim.validation.cases import all_cases, select
from sim.validation.check import run_cases
from sim.validation.inbox_cases import erlang_case
from sim.validation.theory import erlang_b

CASES = all_cases()
FAST = [c for c in CASES if not c.slow]
SLOW = [c for c in CASES if c.slow]


def _assert_within_theory(case):
    for v in run_cases([case], jobs=default_jobs()):
        assert v.passed, (
            f"{v.measure.mechanism}: theory {v.theory:.6g}, simulated {v.mean:.6g} over {v.n} replications "
            f"(se {v.se:.3g}, z = {v.z:+.2f})"
        )


@pytest.mark.parametrize("case", FAST, ids=[c.key for c in FAST])
def test_fast_case_matches_theory(case):
    _assert_within_theory(case)


@pytest.mark.slow
@pytest.mark.parametrize("case", SLOW, ids=[c.key for c in SLOW])
def test_slow_case_matches_theory(case):
    _assert_within_theory(case)


def test_a_wrong_rule_is_caught():
    # the capacity-3 case's replications judged against a capacity of 4: the check must have the power to see it
    case = next(c for c in FAST if c.key == "erlang_c3")
    load = 2.0
    wrong = dataclasses.replace(case.measures[0], theory=erlang_b(4, load))
    judged = run_cases([dataclasses.replace(case, measures=(wrong,))], jobs=default_jobs())
    assert not judged[0].passed and judged[0].z > 10


def test_the_suite_is_well_formed():
    keys = [c.key for c in CASES]
    assert len(set(keys)) == len(keys)
    assert FAST and SLOW and CASES[: len(FAST)] == FAST  # fast ones first
    assert select(CASES, fast_only=True) == FAST and select(CASES, fast_only=False) == CASES
    for case in CASES:
        # a standard error from fewer than 20 replications is itself too uncertain for a 4-SE rule
        assert case.replications >= 20 or case.key.startswith("credit_schedule"), case.key
        assert all(m.about and m.mechanism for m in case.measures)
    with pytest.raises(ValueError, match="at least one measure"):
        dataclasses.replace(erlang_case(1, 1.0, replications=20), measures=())
