"""The validation report, docs/validation.md: one table row per measure, then what each case checks and why.

Numbers are printed to the precision the replications support: two significant digits of the standard error, so a
reader can see at a glance how far the simulated mean lies from the theory and how wide the tolerance is.
"""
from __future__ import annotations

import math

from sim.report.content import Document, Note, Paragraph, Section, Table
from sim.report.markdown import render

from .case import Case
from .check import TOLERANCE_SE, Verdict


def decimals_for(se: float) -> int:
    """Decimal places that show two significant digits of `se` (4 when se is 0: an exact result)."""
    if se <= 0 or not math.isfinite(se):
        return 4
    return max(0, 1 - math.floor(math.log10(se)))


def _num(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return "0" if float(text) == 0 and decimals == 0 else text


def verdict_text(v: Verdict) -> str:
    if v.se == 0:
        return "pass (exact)" if v.passed else "FAIL (not exact)"
    return f"{'pass' if v.passed else 'FAIL'} (z = {v.z:+.2f})"


def summary_table(verdicts: list[Verdict]) -> Table:
    rows = []
    for v in verdicts:
        d = decimals_for(v.se)
        simulated = _num(v.mean, d) if v.se == 0 else f"{_num(v.mean, d)} [{_num(v.ci95[0], d)}, {_num(v.ci95[1], d)}]"
        rows.append([v.measure.mechanism, _num(v.theory, d), simulated, str(v.n), verdict_text(v)])
    return Table(
        ["Mechanism", "Theory", "Simulated: mean [95% interval]", "Replications", "Verdict"], rows,
        highlighted=[not v.passed for v in verdicts],
        highlight_note=f"the simulated mean is more than {TOLERANCE_SE:g} standard errors from the theory",
        numeric=[False, True, True, True, False],
    )


def _case_section(case: Case, verdicts: list[Verdict]) -> Section:
    sc = case.scenario
    blocks = [Note(
        f"Scenario: {sc.population.senders} senders, {sc.population.recipients} recipients, "
        f"{sc.horizon_days:.6g} days of which a warm-up of {sc.warmup_days:.6g}; {case.replications} replication"
        f"{'s' if case.replications > 1 else ''} with root seed {case.seed}{' (slow group)' if case.slow else ''}."
    )]
    for v in verdicts:
        d = decimals_for(v.se)
        numbers = (f"theory {_num(v.theory, d)}, simulated {_num(v.mean, d)}"
                   + (f" (standard error {v.se:.2g})" if v.se > 0 else "") + f": {verdict_text(v)}.")
        blocks.append(Paragraph(f"{v.measure.mechanism}: {numbers} {v.measure.about}"))
    return Section(case.title, blocks)


def render_report(cases: list[Case], verdicts: list[Verdict], fast_only: bool) -> str:
    """The Markdown text of validation.md for `verdicts` (in case order)."""
    by_case = {case.key: [v for v in verdicts if v.case == case.key] for case in cases}
    failed = sum(not v.passed for v in verdicts)
    outcome = ("every simulated mean lies within the tolerance" if not failed
               else f"{failed} of {len(verdicts)} simulated means lie OUTSIDE the tolerance")
    intro = Section("Summary", [
        Paragraph(
            "Each mechanism of the engine that has a closed form is run in a small scenario built so that the theory "
            "applies exactly, over many seeded replications. The simulated mean must lie within "
            f"{TOLERANCE_SE:g} standard errors of the theory, the standard error being computed from the "
            "replications (sd / sqrt(n)); a deterministic result must match exactly. With at least 20 replications "
            f"a correct engine misses by chance about once in a thousand checks. Result: {outcome}."
        ),
        summary_table(verdicts),
        Note(
            "Regenerate with: python run_sim.py validate-model" + (" --fast (slow cases left out)" if fast_only else "")
            + ". The same cases run in the test suite: python -m pytest tests/validation (add -m 'not slow' for the "
            "fast ones)."
        ),
    ])
    sections = [intro] + [_case_section(case, by_case[case.key]) for case in cases if by_case[case.key]]
    subtitle = (f"{len(verdicts)} checks in {len(sections) - 1} scenarios"
                + (", slow cases left out" if fast_only else "") + ".")
    return render(Document("Model validation: the engine against theory", subtitle, sections))
