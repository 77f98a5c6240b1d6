"""Property: whatever text or overrides it is given, the loader returns a Scenario or raises ScenarioError.

Never a traceback of another kind: random YAML-ish text, random documents built from the schema's own keys, and
mutations (deleted, inserted, duplicated or swapped characters and lines) of the real scenario files.
"""
from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.errors import Problem, ScenarioError
from sim.scenario import Scenario, load_scenario_text
from sim.scenario import schema
from sim.scenario.fields import model_keys

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Every key the schema knows, plus near misses and the loader's own keys, so random documents often hit real paths.
SECTIONS = [m for m in vars(schema).values() if isinstance(m, type) and issubclass(m, BaseModel)]
KEYS = sorted({k for model in SECTIONS for k in model_keys(model)}
              | {"extends", "sweep", "dist", "mean", "sd", "low", "high", "value", "shape", "scale",
                 "premium_business", "gold", "credits_per_mont", "inbx", "<<"})
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["lognormal", "gamma", "bounce", "zipf", "wait", "on_response", "first_of_month", "", "1e5",
                     "2026-01-01", "yes", "~", "base.yaml", "linkedin_2026.yaml"]),
    st.text(max_size=8),
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=7), st.dictionaries(st.sampled_from(KEYS), inner, max_size=6)),
    max_leaves=30,
)
YAML_ALPHABET = st.sampled_from(list("abcdesx01.9-: \n\t[]{},#&*!|>'\"?%@`~=") + ["!!python/object:os.system ",
                                                                                 "&a ", "*a", "<<: ", "---\n"])


def loads_or_explains(text: str, filename: str = "fuzz.yaml", overrides=()) -> None:
    try:
        result = load_scenario_text(text, filename=filename, overrides=overrides)
    except ScenarioError as exc:
        assert exc.problems and all(isinstance(p, Problem) and p.message for p in exc.problems)
    else:
        assert isinstance(result, Scenario)


@FUZZ
@given(st.lists(YAML_ALPHABET, max_size=80).map("".join))
def test_random_text(text):
    loads_or_explains(text)


@FUZZ
@given(st.dictionaries(st.sampled_from(KEYS), DOCUMENTS, max_size=8))
def test_random_documents_from_schema_keys(document):
    loads_or_explains(yaml.safe_dump(document, allow_unicode=True))


@st.composite
def mutated_library_file(draw):
    path = draw(st.sampled_from(SCENARIOS))
    text = path.read_text()
    for _ in range(draw(st.integers(1, 4))):
        lines = text.splitlines(keepends=True)
        kind = draw(st.sampled_from(["delete", "insert", "duplicate_line", "swap_lines", "replace_value"]))
        if kind == "delete" and text:
            i = draw(st.integers(0, len(text) - 1))
            text = text[:i] + text[i + 1:]
        elif kind == "insert":
            i = draw(st.integers(0, len(text)))
            text = text[:i] + draw(YAML_ALPHABET) + text[i:]
        elif kind == "duplicate_line" and lines:
            i = draw(st.integers(0, len(lines) - 1))
            text = "".join(lines[:i + 1] + [lines[i]] + lines[i + 1:])
        elif kind == "swap_lines" and len(lines) > 1:
            i = draw(st.integers(0, len(lines) - 2))
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
            text = "".join(lines)
        elif kind == "replace_value" and lines:
            i = draw(st.integers(0, len(lines) - 1))
            key, sep, _ = lines[i].partition(":")
            if sep:
                lines[i] = f"{key}: {yaml.safe_dump(draw(SCALARS)).splitlines()[0]}\n"
                text = "".join(lines)
    return str(path), text


@FUZZ
@given(mutated_library_file())
def test_mutated_library_files(case):
    filename, text = case
    loads_or_explains(text, filename=filename)  # the real file name, so `extends:` still finds its parent


OVERRIDE_VALUES = st.lists(YAML_ALPHABET, max_size=6).map("".join) | SCALARS.map(
    lambda v: yaml.safe_dump(v).splitlines()[0])


@FUZZ
@given(st.lists(st.tuples(st.lists(st.sampled_from(KEYS + ["0", "[1]", "9", ""]), min_size=1, max_size=4),
                          st.sampled_from(["=", "", "=="]), OVERRIDE_VALUES), max_size=4))
def test_random_overrides(parts):
    overrides = [".".join(path) + sep + value for path, sep, value in parts]
    loads_or_explains("plans: {premium_business: {credits_per_month: 15}}\n", overrides=overrides)
