"""docs/validation.md: a row per measure with theory, simulated interval and verdict, and a paragraph per case."""
from sim.validation import statistics as stat
from sim.validation.case import Case, Measure, scenario
from sim.validation.check import verdict
from sim.validation.report import decimals_for, render_report


def _case():
    sc = scenario("tiny", horizon=40.0, warmup=5.0, senders=5, recipient_count=50, inmails_per_month=10)
    measures = (Measure("Share of something", stat.metric("open_rate"), 0.25, "Because of a theorem."),
                Measure("An exact count", stat.metric("inmails_attempted"), 3.0, "Deterministic."))
    return Case("tiny", "A tiny case", sc, 20, measures)


def test_decimals_show_two_digits_of_the_standard_error():
    assert decimals_for(0.0013) == 4
    assert decimals_for(0.018) == 3
    assert decimals_for(2.5) == 1
    assert decimals_for(0.0) == 4


def test_report_has_the_table_and_flags_a_failure():
    case = _case()
    good = verdict("tiny", case.measures[0], [0.24, 0.26] * 10)
    bad = verdict("tiny", case.measures[1], [4.0] * 20)
    text = render_report([case], [good, bad], fast_only=True)
    assert "| Mechanism | Theory | Simulated: mean [95% interval] | Replications | Verdict |" in text
    assert "| Share of something | 0.2500 | 0.2500 [0.2452, 0.2548] | 20 | pass (z = +0.00) |" in text
    assert "**FAIL (not exact)**" in text and "1 of 2 simulated means lie OUTSIDE the tolerance" in text
    assert "## A tiny case" in text and "Because of a theorem." in text
    assert "validate-model --fast" in text
    assert "every simulated mean lies within" in render_report([case], [good], fast_only=False)
