"""The experiment functions a notebook user calls: `run`, `compare` and `sweep`; the command line calls them too.

Each takes scenarios as `Scenario` objects or as paths to YAML files (with `--set`-style overrides), runs the
replications on the chosen executor and returns a result object; given `out`, it also writes the result files
(docs/outputs.md), refusing to replace earlier results unless `force=True`.

    >>> import sim
    >>> result = sim.run("scenarios/seed_article.yaml", replications=10)
    >>> result.summary_frame()
    >>> ab = sim.compare("scenarios/linkedin_2026.yaml",
    ...                  {"more_credits": {"plans.premium_business.credits_per_month": 20}}, replications=10)
    >>> ab.frame()
"""
from __future__ import annotations

import json
from os import PathLike
from pathlib import Path
from typing import Any, Callable, Mapping

from .compare import Comparison, compare as compare_arms
from .files import refuse_existing
from .progress import Progress
from .replicate import RunResult, run_replications, scenario_name, scenario_yaml
from .sweep import SweepResult, grid_points, run_sweep

ScenarioLike = Any  # a Scenario, or the path of a scenario file
ProgressLike = bool | Callable[[int, int], None] | None


def override_list(overrides) -> list[str]:
    """`--set` overrides as KEY.PATH=VALUE strings, from a list of them or a {key path: value} mapping.

    Mapping values are written as JSON, which YAML reads back with their exact type ("on" stays a string).
    """
    if isinstance(overrides, Mapping):
        return [f"{k}={json.dumps(v)}" for k, v in overrides.items()]
    if isinstance(overrides, str):
        return [overrides]
    return list(overrides or ())


def load(scenario: ScenarioLike, overrides=()):
    """A Scenario from a path or a Scenario, with overrides applied (a Scenario is re-validated with them)."""
    from sim.scenario import load_scenario, load_scenario_text

    overrides = override_list(overrides)
    if isinstance(scenario, (str, PathLike)):
        return load_scenario(scenario, overrides=overrides)
    if not overrides:
        return scenario
    return load_scenario_text(scenario_yaml(scenario), filename=f"<{scenario_name(scenario)}>", overrides=overrides)


def _progress(progress: ProgressLike, label: str):
    if progress is True:
        return Progress(label)
    return progress or None


def _close(progress) -> None:
    if isinstance(progress, Progress):
        progress.close()


def default_out(scenario, suffix: str = "") -> Path:
    return Path("reports") / f"{scenario_name(scenario)}{suffix}"


def run(
    scenario: ScenarioLike,
    replications: int = 1,
    *,
    overrides=(),
    seed: int | None = None,
    out=None,
    force: bool = False,
    executor: str = "local",
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: ProgressLike = None,
    until_ci: float | None = None,
    until_metric: str = "response_rate",
    max_replications: int = 200,
) -> RunResult:
    """Runs `replications` replications (more with `until_ci`) and returns a `RunResult`; writes it to `out`."""
    scenario = load(scenario, overrides)
    if out is not None:
        refuse_existing(out, force)
    reporter = _progress(progress, f"run {scenario_name(scenario)}")
    try:
        result = run_replications(
            scenario, seed, replications, executor=executor, jobs=jobs, scheduler=scheduler, progress=reporter,
            until_ci=until_ci, until_metric=until_metric, max_replications=max_replications,
        )
    finally:
        _close(reporter)
    if out is not None:
        result.write(out)
    return result


def variant_scenarios(base: ScenarioLike, variants: Mapping[str, Any], overrides=()) -> dict:
    """Variants by name as Scenarios: each is a Scenario, a path, or overrides of the base (list or mapping)."""
    resolved = {}
    for name, variant in variants.items():
        if isinstance(variant, (str, PathLike)) or hasattr(variant, "model_dump"):
            resolved[name] = load(variant, overrides)
        else:
            resolved[name] = load(base, override_list(overrides) + override_list(variant))
    return resolved


def compare(
    base: ScenarioLike,
    variants: Mapping[str, Any],
    replications: int = 10,
    *,
    overrides=(),
    seed: int | None = None,
    base_name: str | None = None,
    out=None,
    force: bool = False,
    arms: bool = True,
    executor: str = "local",
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: ProgressLike = None,
) -> Comparison:
    """Runs the base and every variant on common random numbers and returns the paired `Comparison`.

    `variants` maps a name to a Scenario, a scenario file, or overrides of the base such as
    `{"plans.premium_business.credits_per_month": 20}`. Given `out`, writes comparison.json, comparison.csv and
    (with `arms`) each arm's run files under arms/<name>/.
    """
    variant_map = variant_scenarios(base, variants, overrides)
    base_scenario = load(base, overrides)
    if out is not None:
        refuse_existing(out, force)
    reporter = _progress(progress, f"compare {scenario_name(base_scenario)}")
    try:
        comparison = compare_arms(
            base_scenario, variant_map, seed, replications, executor=executor, jobs=jobs, scheduler=scheduler,
            progress=reporter, base_name=base_name,
        )
    finally:
        _close(reporter)
    if out is not None:
        comparison.write(out, arms=arms)
    return comparison


def sweep_grid(path, grid: Mapping[str, list] | None, overrides=()) -> tuple[Any, dict[str, list]]:
    """The base scenario and the grid: the file's `sweep:` mapping, updated by `grid` (same key: replaced)."""
    from sim.scenario import load_scenario_and_sweep

    base, file_grid = load_scenario_and_sweep(path, override_list(overrides))
    return base, {**file_grid, **(grid or {})}


def _load_point(path, base_overrides: list[str], point):
    """The scenario of one grid point; its problems name the point, since the file itself is valid."""
    from dataclasses import replace

    from sim.errors import ScenarioError
    from sim.scenario import load_scenario
    from sim.scenario.loader import OVERRIDE_FILE

    try:
        return load_scenario(path, overrides=base_overrides + list(point.overrides))
    except ScenarioError as exc:
        where = ", ".join(f"{k}={v}" for k, v in point.labels.items())
        keys = [str(k) for k in point.labels]

        def from_grid(p) -> bool:  # the value came from the grid (--grid or `sweep:`), not from --set
            path = str(p.path)
            return p.file == OVERRIDE_FILE and any(
                path == k or path.startswith(k + ".") or k.startswith(path + ".") for k in keys)

        problems = [replace(p, message=f"at sweep point {where}: {p.message}",
                            file="sweep grid" if from_grid(p) else p.file) for p in exc.problems]
        raise ScenarioError(problems) from None


def sweep(
    scenario: str | PathLike,
    grid: Mapping[str, list] | None = None,
    replications: int = 1,
    *,
    overrides=(),
    seed: int | None = None,
    out=None,
    force: bool = False,
    executor: str = "local",
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: ProgressLike = None,
) -> SweepResult:
    """Runs every point of the grid for `replications` replications, streaming rows to `out`/sweep.csv.

    `grid` maps a key path to its values, e.g. `{"plans.premium_business.credits_per_month": [10, 15, 20]}`; it is
    added to the file's own `sweep:` mapping. The default `out` is reports/<scenario name>-sweep/. Running the same
    sweep again into the same folder resumes it.
    """
    base, full_grid = sweep_grid(scenario, grid, overrides)
    points = grid_points(full_grid)
    base_overrides = override_list(overrides)
    scenarios = [_load_point(scenario, base_overrides, p) for p in points]
    out = Path(out) if out is not None else default_out(base, "-sweep")
    reporter = _progress(progress, f"sweep {scenario_name(base)}")
    try:
        return run_sweep(
            scenarios, points, out, seed, replications, executor=executor, jobs=jobs, scheduler=scheduler,
            progress=reporter, force=force, base_scenario=base,
        )
    finally:
        _close(reporter)
