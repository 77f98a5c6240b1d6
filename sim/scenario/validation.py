"""Pydantic's validation errors in the analyst's words, each pinned to the file, line and column of the key.

Pydantic says "Input should be greater than or equal to 0" at `('plans', 'premium_business', 'credits_per_month')`;
the analyst needs `scenarios/x.yaml:14:5: plans.premium_business.credits_per_month: must be an integer >= 0, got -3`.
The expected type and range are read off the schema (`fields.expectation`), so every message names what the key
accepts and what it got; an unknown key comes with the closest known one ("did you mean").
"""
from __future__ import annotations

import difflib
from typing import Any, Callable

from pydantic import BaseModel, ValidationError

from sim.errors import Problem

from . import fields
from .yaml_source import Mark, format_path, render_value

EXTRA_TOP_LEVEL_KEYS = ("extends", "sweep")
"""Keys the loader reads itself, before validation; listed so that a misspelling of them gets a suggestion too."""


def suggestion(word: str, choices) -> str:
    """` (did you mean 'x'?)` for the closest choice, or "" when nothing is close."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def explain(
    exc: ValidationError, root: type[BaseModel], data: Any, where: Callable[[tuple], Mark]
) -> list[Problem]:
    """One Problem per pydantic error; `where(path)` gives the mark of a key path (or of its nearest ancestor)."""
    problems = []
    for error in exc.errors(include_url=False):
        path = data_path(error["loc"], data)
        message, path = _message(error, path, root, data)
        problem = where(path).problem(message, format_path(path))
        if problem not in problems:
            problems.append(problem)
    return problems


def data_path(loc: tuple, data: Any) -> tuple:
    """A pydantic error location as a key path into the data: union tags and `[key]` markers dropped."""
    path: list = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(node, dict) and node.get("dist") == part:
            continue  # the discriminator of a distribution union, not a key
        elif part == "[key]" or (isinstance(part, str) and part.startswith("function-")):
            continue
        else:
            node = None
        path.append(part)
    return tuple(path)


def _message(error: dict, path: tuple, root, data) -> tuple[str, tuple]:
    kind, given = error["type"], error.get("input")
    found = fields.follow(root, path, data)
    if kind == "extra_forbidden":
        return "unknown key" + _key_suggestion(root, path, data), path
    if kind == "union_tag_invalid":
        tag = error["ctx"]["tag"]
        known = ", ".join(fields.DISTRIBUTION_NAMES)
        return f"unknown distribution {tag!r}{suggestion(tag, fields.DISTRIBUTION_NAMES)}; known: {known}", path + (
            "dist",)
    if kind == "union_tag_not_found":
        return f"a distribution needs a 'dist' key, one of: {', '.join(fields.DISTRIBUTION_NAMES)}", path
    if kind in ("value_error", "assertion_error"):
        return str(error["ctx"]["error"]), path
    if kind == "missing":
        return ("is missing" + (f": must be {fields.expectation(*found)}" if found else "")), path
    if found is None:
        return error["msg"], path
    message = f"must be {fields.expectation(*found)}, got {render_value(given)}"
    if kind == "literal_error":
        message += suggestion(given, fields.literal_choices(found[0]))
    return message, path


def _key_suggestion(root, path: tuple, data) -> str:
    parent = fields.follow(root, path[:-1], data)
    if parent is None:
        return ""
    annotation, _ = fields.unwrap(parent[0])
    if fields.distribution_members(annotation):
        annotation = fields.distribution_class(annotation, _value_at(data, path[:-1]))
        if annotation is None:
            return ""
    if not fields.is_model(annotation):
        return ""
    keys = fields.model_keys(annotation) + (list(EXTRA_TOP_LEVEL_KEYS) if len(path) == 1 else [])
    hint = suggestion(path[-1], keys)
    if hint or len(keys) > 10:
        return hint
    return f" (known keys: {', '.join(keys)})"


def _value_at(data: Any, path: tuple) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data
