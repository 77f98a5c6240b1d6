"""The generated scenario reference: up to date with the schema, and complete."""
from __future__ import annotations

from typing import get_args, get_origin

from pydantic import BaseModel

from sim.scenario import Scenario, reference
from sim.scenario.distributions import Distribution
from sim.scenario.fields import distribution_members, unwrap


def schema_paths(model: type[BaseModel], prefix: str = ""):
    """Every documented key path, written as in the reference (`plans.NAME.x`, `...factors[].x`)."""
    for name, info in model.model_fields.items():
        path = prefix + (info.alias or name)
        yield path
        annotation, _ = unwrap(info.annotation)
        origin, args = get_origin(annotation), get_args(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from schema_paths(annotation, path + ".")
        elif origin is dict and isinstance(args[1], type) and issubclass(args[1], BaseModel):
            yield from schema_paths(args[1], path + ".NAME.")
        elif origin is list and isinstance(args[0], type) and issubclass(args[0], BaseModel):
            yield from schema_paths(args[0], path + "[].")


def test_committed_reference_is_up_to_date():
    committed = reference.DOC_PATH.read_text(encoding="utf-8")
    assert committed == reference.render(), "docs/scenarios.md is out of date: run python -m sim.scenario.reference"


def test_every_key_has_a_row_with_a_meaning():
    text = reference.render()
    rows = {line.split("|")[1].strip().strip("`"): line for line in text.splitlines() if line.startswith("| `")}
    paths = list(schema_paths(Scenario))
    assert len(paths) > 50
    for path in paths:
        assert path in rows, f"{path} is not documented"
        meaning = rows[path].rstrip(" |").rsplit("|", 1)[1].strip()
        assert meaning, f"{path} has no meaning"


def test_every_distribution_is_documented_once_with_its_parameters():
    text = reference.render()
    for member in distribution_members(get_args(Distribution)[0]):
        tag = get_args(member.model_fields["dist"].annotation)[0]
        rows = [line for line in text.splitlines() if line.startswith(f"| `{tag}` |")]
        assert len(rows) == 1
        for name, info in member.model_fields.items():
            if name != "dist":
                assert f"`{info.alias or name}`" in rows[0]


def test_defaults_and_ranges_are_shown():
    rows = {line.split("|")[1].strip().strip("`"): [c.strip() for c in line.split("|")[2:-1]]
            for line in reference.render().splitlines() if line.startswith("| `")}
    assert rows["recipients.reply_probability"][1:3] == [f"`{Scenario().recipients.reply_probability:g}`",
                                                          "between 0 and 1"]
    assert rows["plans.NAME.balance_cap"][2] == ">= 0, or null"
    assert rows["inbox.when_full"][0] == "one of 'bounce', 'evict_oldest'"


def test_check_mode_tells_stale_from_current(tmp_path, capsys):
    out = tmp_path / "scenarios.md"
    assert reference.main(["--check", "--out", str(out)]) == 1
    assert reference.main(["--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == reference.render()
    assert reference.main(["--check", "--out", str(out)]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["scenarios.md"]  # no temporary file left behind


def test_flow_writes_compact_yaml():
    assert reference.flow({"dist": "lognormal", "mean": 800.0, "sd": None, "xs": [1, 0.5, True]}) == \
        "{dist: lognormal, mean: 800, sd: null, xs: [1, 0.5, true]}"
    assert reference.flow("") == '""'
