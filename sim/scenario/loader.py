"""YAML in, a validated Scenario out: inheritance, overrides, and every problem reported at once with its position.

A scenario file states only what differs from the defaults, or from another file it `extends:`. Loading one:

1. reads the file safely (`yaml_source`): plain values only, each key's line and column kept;
2. follows `extends: other.yaml` (a path relative to the file) and deep-merges the child over the parent, down any
   chain; a cycle is an error naming the files. Mappings merge key by key; a list, a scalar, or a distribution
   (a mapping with a `dist:` key) replaces the parent's value whole;
3. applies `--set KEY.PATH=VALUE` overrides (VALUE read as YAML) to the resolved scenario, defaults included;
4. validates strictly (a quoted "5" is not a number) and translates every error into a `Problem` such as
   `scenarios/x.yaml:14:5: plans.premium_business.credits_per_month: must be an integer >= 0, got -3`.

A top-level `sweep:` mapping (`KEY.PATH: [value, ...]`, the grid of a parameter sweep) is not part of the scenario:
it is taken out before validation, is not inherited through `extends:`, and is read by `load_sweep_grid`.
"""
from __future__ import annotations

import copy
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from pydantic import ValidationError

from sim.errors import Problem, ScenarioError

from .schema import Scenario
from .validation import explain, suggestion
from .yaml_source import Mark, format_path, live_paths, parse_yaml, render_value

Overrides = Iterable[str] | Mapping[str, Any]
"""`["plans.premium_business.credits_per_month=20", ...]`, or a mapping from key path to an already-parsed value."""

_MAPPING = "a mapping of settings (key: value)"

OVERRIDE_FILE = "--set"
"""The `file` named by a problem that comes from an override rather than from a file."""


@dataclass
class _Resolved:
    """A scenario after inheritance: its data, where each key came from, what was already found wrong."""

    file: str
    data: dict
    marks: dict[tuple, Mark]
    problems: list[Problem]
    files: list[str]  # the top file first, then its parents
    sweep: Any = None
    sweep_marks: dict[tuple, Mark] = field(default_factory=dict)


def load_scenario(path, overrides: Overrides = ()) -> Scenario:
    """Loads, merges and validates a scenario file; raises ScenarioError listing every problem."""
    resolved = _resolve_path(path)
    return _validated(_with_overrides(resolved, overrides))


def load_scenario_text(text: str, filename: str = "<string>", overrides: Overrides = ()) -> Scenario:
    """Like `load_scenario` for YAML text; `extends:` is relative to the folder of `filename`."""
    resolved = _resolve_text(text, filename, _base_dir(filename), [])
    return _validated(_with_overrides(resolved, overrides))


def load_scenario_and_sweep(path, overrides: Overrides = ()) -> tuple[Scenario, dict[str, list]]:
    """The scenario and its sweep grid (see `load_sweep_grid`), both validated; problems of both reported together."""
    resolved = _with_overrides(_resolve_path(path), overrides)
    try:
        scenario = _validated(resolved)
    except ScenarioError as exc:  # the points of a broken scenario cannot be judged: only the grid's shape is
        raise ScenarioError(exc.problems + _sweep_grid(resolved, check_points=False)[1]) from None
    grid, problems = _sweep_grid(resolved)
    if problems:
        raise ScenarioError(problems)
    return scenario, grid


def load_sweep_grid(path, overrides: Overrides = ()) -> dict[str, list]:
    """The file's top-level `sweep:` as `{key path: [values]}` ({} if none); each value validated in the scenario.

    A point of the grid is run with `load_scenario(path, overrides={key: value, ...})`.
    """
    return load_scenario_and_sweep(path, overrides)[1]


def resolve_scenario_dict(path, overrides: Overrides = ()) -> dict:
    """What the file, its parents and the overrides say, merged but not validated (defaults not filled in)."""
    resolved = _with_overrides(_resolve_path(path), overrides)
    if resolved.problems:
        raise ScenarioError(resolved.problems)
    return resolved.data


# ----- reading and inheritance -----

def _base_dir(filename: str) -> Path:
    return Path.cwd() if filename.startswith("<") else Path(filename).parent


def _resolve_path(path, chain: list[tuple[Path, str]] | None = None, display: str | None = None) -> _Resolved:
    display = display or str(path)
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScenarioError(Problem("file does not exist", file=display)) from None
    except IsADirectoryError:
        raise ScenarioError(Problem("is a folder, not a scenario file", file=display)) from None
    except UnicodeDecodeError:
        raise ScenarioError(Problem("is not a UTF-8 text file", file=display)) from None
    except OSError as exc:
        raise ScenarioError(Problem(f"cannot read the file: {exc.strerror}", file=display)) from None
    return _resolve_text(text, display, path.parent, chain or [], identity=path.resolve())


def _resolve_text(text: str, display: str, base_dir: Path, chain: list, identity=None) -> _Resolved:
    chain = chain + [(identity or display, display)]
    document = parse_yaml(text, display)
    if document.data is None:
        raise ScenarioError(Problem(f"the file is empty: a scenario is {_MAPPING}", file=display))
    if not isinstance(document.data, dict):
        raise ScenarioError(document.marks[()].problem(
            f"the top level must be {_MAPPING}, got {render_value(document.data)}"))
    data = dict(document.data)
    sweep = data.pop("sweep", None)
    sweep_marks = {p: m for p, m in document.marks.items() if p[:1] == ("sweep",)}
    extends = data.pop("extends", None)
    own = _Resolved(display, data, document.marks, list(document.problems), [display], sweep, sweep_marks)
    if "extends" not in document.data:
        return own
    mark = document.marks[("extends",)]
    if not isinstance(extends, str) or not extends.strip():
        raise ScenarioError(own.problems + [mark.problem(
            f"must be the path of another scenario file, got {render_value(extends)}", "extends")])
    parent_path = base_dir / extends
    parent_display = os.path.normpath(os.path.join(os.path.dirname(display), extends))
    parent_identity = parent_path.resolve()
    names = [d for _, d in chain]
    if any(identity == parent_identity for identity, _ in chain):
        cycle = " -> ".join(names + [parent_display])
        raise ScenarioError(own.problems + [mark.problem(f"extends makes a cycle: {cycle}", "extends")])
    if not parent_path.is_file():
        raise ScenarioError(own.problems + [mark.problem(
            f"the file {parent_display} does not exist", "extends")])
    try:
        parent = _resolve_path(parent_path, chain, parent_display)
    except ScenarioError as exc:
        raise ScenarioError(own.problems + exc.problems) from None
    merged = deep_merge(parent.data, data)
    marks = {p: document.marks.get(p) or parent.marks.get(p) for p in live_paths(merged)}
    return _Resolved(display, merged, {p: m for p, m in marks.items() if m}, parent.problems + own.problems,
                     [display] + parent.files, sweep, sweep_marks)


def deep_merge(parent: Any, child: Any, depth: int = 0) -> Any:
    """The child over the parent: mappings merge key by key; anything else, or a distribution, replaces whole."""
    if not (isinstance(parent, dict) and isinstance(child, dict)) or (depth > 0 and "dist" in child):
        return copy.deepcopy(child)
    merged = copy.deepcopy(parent)
    for key, value in child.items():
        merged[key] = deep_merge(parent[key], value, depth + 1) if key in parent else copy.deepcopy(value)
    return merged


# ----- overrides -----

def _with_overrides(resolved: _Resolved, overrides: Overrides) -> _Resolved:
    if isinstance(overrides, str):
        overrides = [overrides]
    if isinstance(overrides, Mapping):
        items = [(key, Problem("must be a finite number", path=str(key), file=OVERRIDE_FILE)
                 if _has_non_finite(value) else value) for key, value in overrides.items()]
    else:
        items = [_parse_override(o) for o in overrides]
    defaults = None
    for key, value in items:
        if isinstance(value, Problem):
            resolved.problems.append(value)
            continue
        if defaults is None:
            defaults = Scenario().model_dump(mode="json", by_alias=True)
        problem = set_key(resolved.data, resolved.marks, str(key), value, Mark(OVERRIDE_FILE), defaults)
        if problem:
            resolved.problems.append(problem)
    return resolved


def _parse_override(item: str) -> tuple[str, Any]:
    """`KEY.PATH=VALUE` -> (key, value read as YAML), or (key, Problem) when it cannot be read."""
    key, sep, text = str(item).partition("=")
    key = key.strip()
    if not sep or not key:
        return key, Problem(f"an override must look like KEY.PATH=VALUE, got {item!r}", file=OVERRIDE_FILE)
    try:
        document = parse_yaml(text, OVERRIDE_FILE)
    except ScenarioError as exc:
        reason = exc.problems[0].message
        return key, Problem(f"cannot read the value {text!r}: {reason}", path=key, file=OVERRIDE_FILE)
    if document.problems:
        return key, Problem(document.problems[0].message, path=key, file=OVERRIDE_FILE)
    return key, document.data


def _has_non_finite(value: Any) -> bool:
    """Whether a value given from Python holds an infinite or NaN number (YAML text is checked when read)."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        value = list(value.values())
    return isinstance(value, (list, tuple)) and any(_has_non_finite(v) for v in value)


def split_key_path(key: str) -> tuple:
    """`recipients.body_length_factors[0].factor` -> ("recipients", "body_length_factors", 0, "factor")."""
    parts: list = []
    for part in key.replace("[", ".[").split("."):
        if part.startswith("[") and part.endswith("]") and part[1:-1].isdigit():
            parts.append(int(part[1:-1]))
        elif part:
            parts.append(part)
    return tuple(parts)


def set_key(data: dict, marks: dict, key: str, value: Any, mark: Mark, defaults: dict) -> Problem | None:
    """Sets one key path of the data in place, creating missing levels from the defaults; a Problem if it cannot."""
    parts = split_key_path(key)
    if not parts or parts[0] in ("extends", "sweep"):
        return mark.problem("is not a scenario key that can be overridden", key)
    node, default, path = data, defaults, ()
    for depth, part in enumerate(parts):
        part = _index(node, part)
        if isinstance(node, list) and not (isinstance(part, int) and 0 <= part < len(node)):
            return mark.problem(f"{format_path(path)} is a list of {len(node)}: set it whole", key)
        if not isinstance(node, (dict, list)):
            return mark.problem(f"{format_path(path)} holds {render_value(node)}, not a mapping", key)
        default, path = _child(default, part), path + (part,)
        if depth == len(parts) - 1:
            node[part] = copy.deepcopy(value)
        elif isinstance(node, dict) and (part not in node or node[part] is None):
            node[part] = copy.deepcopy(default) if isinstance(default, dict) else {}
        node = node[part]
    for stale in [p for p in marks if p[: len(path)] == path]:
        del marks[stale]
    for sub in live_paths(value):
        marks[path + sub] = mark
    for depth in range(1, len(path)):
        marks.setdefault(path[:depth], mark)
    return None


def _index(node: Any, part):
    """A numeric key addresses a list element (`send_day_factors.5`), otherwise it is a name."""
    if isinstance(node, list) and isinstance(part, str) and part.isdigit():
        return int(part)
    return part


def _child(node: Any, part) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


# ----- validation -----

def _where(resolved: _Resolved):
    def where(path: tuple) -> Mark:
        for depth in range(len(path), -1, -1):
            if path[:depth] in resolved.marks:
                return resolved.marks[path[:depth]]
        return Mark(resolved.file)
    return where


def _validated(resolved: _Resolved) -> Scenario:
    problems = list(resolved.problems)
    try:
        scenario = Scenario.model_validate(resolved.data, strict=True)
    except ValidationError as exc:
        flagged = [p.path for p in problems]
        problems += [p for p in explain(exc, Scenario, resolved.data, _where(resolved))
                     if not any(_under(p.path, f) for f in flagged)]
        scenario = None
    if scenario is not None:
        problems += _inert_plans(scenario, _where(resolved))
        problems += _engine_supports(scenario, _where(resolved))
        problems += _free_plans_priced(scenario, _where(resolved))
    if problems:
        raise ScenarioError(_in_file_order(problems, resolved.files))
    return scenario


def _inert_plans(scenario: Scenario, where) -> list[Problem]:
    """Plans no member can ever be on: not in the plan mix, and no arrivals, switches or withdrawals lead to them.

    Such a plan changes nothing, so it is almost always a misspelt plan name (`--set plans.premium_busines...`),
    which would otherwise make a variant or a sweep silently identical to the base scenario.
    """
    reachable = set(scenario.plan_mix)
    dynamics = scenario.subscribers
    if dynamics.enabled:
        for name, plan in dynamics.plans.items():
            if plan.arrivals_per_month > 0:
                reachable.add(name)
            reachable.update(target for target, share in plan.switch_to.items() if share > 0)
        reachable.update(change.move_to for change in dynamics.withdrawals)
    why = ("subscriber dynamics are off" if not dynamics.enabled
           else "no arrivals, switches or withdrawals lead to it")
    return [
        where(("plans", name)).problem(
            f"no member can ever be on this plan: it is not in plan_mix and {why}"
            + suggestion(name, [p for p in scenario.plans if p != name]), f"plans.{name}")
        for name in scenario.plans if name not in reachable
    ]


def _free_plans_priced(scenario: Scenario, where) -> list[Problem]:
    """A plan priced 0 against a reference price > 0 with a price elasticity < 0 would draw infinitely many members."""
    problems = []
    for name, dyn in scenario.subscribers.plans.items():
        plan = scenario.plans.get(name)
        if plan is None or plan.price_per_month > 0 or not dyn.reference_price:
            continue
        if dyn.arrival_price_elasticity < 0:
            key = ("subscribers", "plans", name, "arrival_price_elasticity")
            problems.append(where(key).problem(
                f"plan {name} is free (price_per_month 0) against reference_price {dyn.reference_price:g}: a negative "
                "arrival elasticity would make its arrivals infinite (set the elasticity to 0, or a price > 0)",
                ".".join(key)))
    return problems


def _engine_supports(scenario: Scenario, where) -> list[Problem]:
    """`engine: compiled` on a scenario with a rule only the Python engine runs."""
    if scenario.engine != "compiled":
        return []
    from sim.world.compiled.support import unsupported

    return [where(("engine",)).problem(f"the compiled engine cannot run this scenario: {reason} (use engine: auto "
                                       "or python)", "engine") for reason in unsupported(scenario)]


def _under(path: str, ancestor: str) -> bool:
    return path == ancestor or path.startswith(ancestor + ".") or path.startswith(ancestor + "[")


def _in_file_order(problems: list[Problem], files: list[str]) -> list[Problem]:
    rank = {name: i for i, name in enumerate(files)}
    return sorted(problems, key=lambda p: (rank.get(p.file, len(rank)), p.line or 0, p.column or 0))


# ----- sweep -----

def _sweep_grid(resolved: _Resolved, check_points: bool = True) -> tuple[dict[str, list], list[Problem]]:
    """Reads and checks the `sweep:` grid; each value is validated as an override of the (valid) scenario."""
    if resolved.sweep is None:
        return {}, []
    marks = resolved.sweep_marks
    if not isinstance(resolved.sweep, dict):
        return {}, [marks[("sweep",)].problem(
            "must be a mapping of KEY.PATH: [values], e.g. plans.premium_business.credits_per_month: [10, 15, 20]",
            "sweep")]
    grid, problems = {}, []
    defaults = Scenario().model_dump(mode="json", by_alias=True)
    for key, values in resolved.sweep.items():
        key_mark = marks[("sweep", key)]
        if not isinstance(values, list) or not values:
            problems.append(key_mark.problem(
                f"must be a non-empty list of values, e.g. [10, 15, 20], got {render_value(values)}", f"sweep.{key}"))
            continue
        grid[key] = values
        for index, value in enumerate(values):
            value_mark = marks.get(("sweep", key, index), key_mark)
            if values.index(value) < index:
                problems.append(value_mark.problem(f"lists {render_value(value)} twice", f"sweep.{key}"))
            elif check_points:
                problems += _point_problems(resolved, key, value, value_mark, defaults)
    return grid, problems


def _point_problems(resolved: _Resolved, key: str, value: Any, mark: Mark, defaults: dict) -> list[Problem]:
    """What is wrong with the scenario when `key` takes `value`, all pinned to the value in the sweep."""
    point = _Resolved(resolved.file, copy.deepcopy(resolved.data), dict(resolved.marks), [], resolved.files)
    problem = set_key(point.data, point.marks, key, value, mark, defaults)
    if problem is not None:
        return [problem]
    try:
        _validated(point)
    except ScenarioError as exc:
        return [p if (p.file, p.line, p.column) == (mark.file, mark.line, mark.column)
                else mark.problem(f"with {key} = {render_value(value)}, {p.path}: {p.message}", f"sweep.{key}")
                for p in exc.problems]
    return []


def source_chain(path) -> list[Path]:
    """The files a scenario is made of, the root of its `extends:` chain first (for copying their comments)."""
    chain: list[Path] = []
    current = Path(path)
    while current.is_file() and current.resolve() not in [p.resolve() for p in chain]:
        chain.insert(0, current)
        try:
            data = parse_yaml(current.read_text(encoding="utf-8"), str(current)).data
        except (ScenarioError, OSError, UnicodeDecodeError):
            break
        parent = data.get("extends") if isinstance(data, dict) else None
        if not isinstance(parent, str):
            break
        current = current.parent / parent
    return chain
