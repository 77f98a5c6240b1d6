"""What each scenario key accepts, in words: read off the pydantic schema for error messages and the reference.

`expectation(annotation, metadata)` says what a key accepts ("an integer >= 0", "a number between 0 and 1 or
null"); `step(annotation, key, value)` follows one key of a path through the schema, so a key path such as
`plans.premium_business.credits_per_month` leads to the field that governs it. Distributions are a union told apart
by their `dist` key, so following a path into one needs the value being validated.
"""
from __future__ import annotations

import re
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .distributions import DISTRIBUTION_NAMES, _Dist

DISTRIBUTION_EXAMPLE = "{dist: lognormal, mean: 800, sd: 400}"


def unwrap(annotation) -> tuple[Any, bool]:
    """Strips Annotated and Optional; returns the inner type and whether null is accepted."""
    nullable = False
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType) and type(None) in get_args(annotation):
            members = [a for a in get_args(annotation) if a is not type(None)]
            nullable = True
            annotation = members[0] if len(members) == 1 else Union[tuple(members)]
        else:
            return annotation, nullable


def distribution_members(annotation) -> list[type[_Dist]]:
    """The distribution classes of a distribution union, or [] if the annotation is not one."""
    annotation, _ = unwrap(annotation)
    if get_origin(annotation) not in (Union, types.UnionType):
        return []
    members = list(get_args(annotation))
    is_dist = all(isinstance(m, type) and issubclass(m, _Dist) for m in members)
    return members if is_dist else []


def is_model(annotation) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def model_keys(model: type[BaseModel]) -> list[str]:
    """The keys a model accepts in YAML (the alias where a field has one)."""
    return [info.alias or name for name, info in model.model_fields.items()]


def model_field(model: type[BaseModel], key: str) -> FieldInfo | None:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info
    return None


def distribution_class(annotation, value: Any) -> type[_Dist] | None:
    """The member of a distribution union that a value such as {dist: gamma, ...} selects."""
    tag = value.get("dist") if isinstance(value, dict) else None
    for member in distribution_members(annotation):
        if member.model_fields["dist"].annotation == Literal[tag]:
            return member
    return None


def step(annotation, key, value: Any) -> tuple[Any, FieldInfo | None] | None:
    """Follows one key (or list index) below a value of the given type; None if the schema has no such key.

    Returns the annotation of the child and, when the child is a model field, its FieldInfo (for its range).
    """
    annotation, _ = unwrap(annotation)
    if distribution_members(annotation):
        annotation = distribution_class(annotation, value)
        if annotation is None:
            return None
    if is_model(annotation):
        info = model_field(annotation, key) if isinstance(key, str) else None
        return (info.annotation, info) if info is not None else None
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is dict and isinstance(key, str):
        return args[1], None
    if origin is list and isinstance(key, int):
        return args[0], None
    return None


def follow(root, path: tuple, data: Any) -> tuple[Any, FieldInfo | None] | None:
    """Follows a whole key path from the root type, reading union tags from the data along the way."""
    annotation, info, value = root, None, data
    for key in path:
        found = step(annotation, key, value)
        if found is None:
            return None
        annotation, info = found
        value = _child(value, key)
    return annotation, info


def _child(value: Any, key) -> Any:
    if isinstance(value, dict):
        return value.get(key)
    if isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
        return value[key]
    return None


def _num(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def describe_range(metadata) -> str:
    """The numeric bounds of a field, e.g. ">= 0", "> 0", "between 0 and 1"; "" if unbounded."""
    low = high = None
    for item in metadata or ():
        if isinstance(item, at.Ge):
            low = (">=", item.ge)
        elif isinstance(item, at.Gt):
            low = (">", item.gt)
        elif isinstance(item, at.Le):
            high = ("<=", item.le)
        elif isinstance(item, at.Lt):
            high = ("<", item.lt)
    if low and high and low[0] == ">=" and high[0] == "<=":
        return f"between {_num(low[1])} and {_num(high[1])}"
    parts = [f"{op} {_num(bound)}" for op, bound in (b for b in (low, high) if b)]
    return " and ".join(parts)


def describe_type(annotation, plural: bool = False) -> str:
    """A type in words: "an integer", "a number", "a mapping of names to numbers", "a distribution", ..."""
    annotation, _ = unwrap(annotation)
    if distribution_members(annotation):
        return "distributions" if plural else "a distribution"
    simple = {int: ("an integer", "integers"), float: ("a number", "numbers"), str: ("a text", "texts"),
              bool: ("true or false", "true or false values")}
    if annotation in simple:
        return simple[annotation][plural]
    if get_origin(annotation) is Literal:
        return "one of " + ", ".join(repr(v) for v in get_args(annotation))
    if is_model(annotation):
        keys = model_keys(annotation)
        if len(keys) <= 4:
            return ("mappings" if plural else "a mapping") + " with keys " + ", ".join(keys)
        name = re.sub(r"(?<!^)(?=[A-Z])", " ", annotation.__name__).lower()
        return f"{name} settings" if plural else f"a mapping of {name} settings"
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is dict:
        return ("mappings" if plural else "a mapping") + f" of names to {describe_type(args[1], plural=True)}"
    if origin is list:
        return ("lists" if plural else "a list") + f" of {describe_type(args[0], plural=True)}"
    return getattr(annotation, "__name__", str(annotation))


def expectation(annotation, info: FieldInfo | None = None) -> str:
    """What a key accepts, in words: type, range, and whether null is allowed."""
    _, nullable = unwrap(annotation)
    text = describe_type(annotation)
    metadata = info.metadata if info is not None else ()
    bounds = describe_range(metadata)
    if bounds:
        text += f" {bounds}"
    if any(isinstance(m, at.MinLen) and m.min_length > 0 for m in metadata) and text == "a text":
        text = "a non-empty text"
    if distribution_members(annotation):
        text += f" such as {DISTRIBUTION_EXAMPLE}"
    return text + (" or null" if nullable else "")


def literal_choices(annotation) -> list[str]:
    annotation, _ = unwrap(annotation)
    return [str(v) for v in get_args(annotation)] if get_origin(annotation) is Literal else []


__all__ = [
    "DISTRIBUTION_NAMES", "DISTRIBUTION_EXAMPLE", "unwrap", "distribution_members", "distribution_class", "is_model",
    "model_keys", "model_field", "step", "follow", "describe_range", "describe_type", "expectation",
    "literal_choices",
]
