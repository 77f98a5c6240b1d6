"""Safe YAML with positions: scenario text in, plain data out, plus where each key was written.

An analyst's file is read into plain dicts, lists and scalars, never Python objects: any tag other than the plain
YAML ones (`!!python/object`, `!!set`, ...) is refused. Alongside the data comes a table from each key path, such as
`("plans", "premium_business", "credits_per_month")`, to the `Mark` (file, line, column) where it was written, so a
later error can point at the exact spot. Things PyYAML accepts silently but that are almost always mistakes are
reported as problems: a key given twice (YAML keeps the last), a key that is not text (`on:` and `yes:` read as
true), a number that is not finite (`.inf`, `.nan`).

Two deliberate departures from PyYAML's YAML 1.1 reading: `1e5` is a number (as in YAML 1.2, PyYAML reads it as
text), and dates such as `2026-01-01` stay text (no scenario key holds a date).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from sim.errors import Problem, ScenarioError

MAX_VALUES = 100_000
"""Most values a document may expand to; aliases of aliases can otherwise explode (the "billion laughs")."""
MAX_DEPTH = 40
"""Deepest nesting accepted; a scenario is at most five levels deep."""

_YAML = "tag:yaml.org,2002:"
_PLAIN_SCALAR_TAGS = {_YAML + t for t in ("null", "bool", "int", "float", "str")}


class _SafeLoader(yaml.SafeLoader):
    """SafeLoader whose implicit typing reads `1e5` as a number and leaves dates as text, and which stops at
    MAX_DEPTH levels of nesting (PyYAML's own time grows with the square of the depth)."""

    _depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_SafeLoader.add_implicit_resolver(
    _YAML + "float", re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"), list("-+0123456789")
)
for _first, _resolvers in _SafeLoader.yaml_implicit_resolvers.items():
    _resolvers[:] = [(tag, regexp) for tag, regexp in _resolvers if tag != _YAML + "timestamp"]


@dataclass(frozen=True)
class Mark:
    """Where a value came from: a file (or `--set`) and, when known, the 1-based line and column."""

    file: str
    line: int | None = None
    column: int | None = None

    def problem(self, message: str, path: str = "") -> Problem:
        return Problem(message, path=path, file=self.file, line=self.line, column=self.column)


@dataclass
class Document:
    """A parsed YAML document: its data, the mark of every key path, and the problems found while reading it."""

    data: Any
    marks: dict[tuple, Mark] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def format_path(path: tuple) -> str:
    """`("recipients", "body_length_factors", 0, "factor")` -> `recipients.body_length_factors[0].factor`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def render_value(value: Any) -> str:
    """A value as the analyst wrote it in YAML, for messages: null, true, 1.3, 'text', a mapping, a list."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


def parse_yaml(text: str, file: str) -> Document:
    """Reads one YAML document safely; raises ScenarioError for text that is not YAML at all."""
    try:
        loader = _SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # a control character, found before any parsing
        raise ScenarioError(_reader_problem(exc, text, file)) from None
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise ScenarioError(_syntax_problem(exc, file)) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(Problem(f"invalid YAML: {exc}", file=file)) from None
    except RecursionError:
        raise ScenarioError(Problem(f"invalid YAML: nested more than {MAX_DEPTH} levels deep", file=file)) from None
    finally:
        loader.dispose()
    if node is None:
        return Document(None)
    return _Builder(loader, file).build(node)


def _syntax_problem(exc: yaml.MarkedYAMLError, file: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    context = exc.context or ""
    if context and exc.context_mark is not None and mark is not None and exc.context_mark.line != mark.line:
        context += f" (line {exc.context_mark.line + 1})"
    message = ", ".join(part for part in (context, exc.problem) if part)
    if "'\\t'" in message:
        message += " (indent with spaces, not tabs)"
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
    return Problem(f"invalid YAML: {message}", file=file, line=line, column=column)


def _reader_problem(exc: yaml.reader.ReaderError, text: str, file: str) -> Problem:
    before = text[: exc.position]
    line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
    return Problem(f"invalid YAML: character #x{exc.character:04x} is not allowed", file=file, line=line, column=column)


def _shown_tag(tag: str) -> str:
    return "!!" + tag[len(_YAML):] if tag.startswith(_YAML) else tag


class _Builder:
    """Walks the composed node tree into plain data, recording marks and problems."""

    def __init__(self, loader: yaml.SafeLoader, file: str):
        self.loader = loader
        self.file = file
        self.marks: dict[tuple, Mark] = {}
        self.problems: list[Problem] = []
        self._budget = MAX_VALUES
        self._open: set[int] = set()  # nodes being built: meeting one again means a recursive alias

    def build(self, node) -> Document:
        self.marks[()] = self._mark(node)
        data = self._value(node, ())
        live = set(_paths(data))
        return Document(data, {p: m for p, m in self.marks.items() if p in live}, self.problems)

    def _mark(self, node) -> Mark:
        return Mark(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def _report(self, node, path: tuple, message: str) -> None:
        self.problems.append(self._mark(node).problem(message, format_path(path)))

    def _value(self, node, path: tuple) -> Any:
        self._budget -= 1
        if self._budget < 0:
            raise ScenarioError(self._mark(node).problem(f"the document expands to more than {MAX_VALUES} values"))
        if len(path) > MAX_DEPTH:
            self._report(node, path, f"nested more than {MAX_DEPTH} levels deep")
            return None
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if id(node) in self._open:
            self._report(node, path, "an alias refers to the value that contains it")
            return None
        self._open.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return self._sequence(node, path)
            return self._mapping(node, path)
        finally:
            self._open.discard(id(node))

    def _refuse_tag(self, node, path: tuple) -> None:
        self._report(
            node, path, f"the tag {_shown_tag(node.tag)} is not allowed: a scenario holds only plain values "
            "(numbers, text, true/false, null, lists and mappings)",
        )

    def _scalar(self, node: ScalarNode, path: tuple) -> Any:
        if node.tag not in _PLAIN_SCALAR_TAGS:
            self._refuse_tag(node, path)
            return node.value
        try:
            value = self.loader.construct_object(node)
        except (ValueError, KeyError, TypeError):
            self._report(node, path, f"cannot read {node.value!r} as {_shown_tag(node.tag)}")
            return node.value
        if isinstance(value, float) and not math.isfinite(value):
            self._report(node, path, f"must be a finite number, got {node.value}")
        return value

    def _sequence(self, node: SequenceNode, path: tuple) -> list:
        if node.tag != _YAML + "seq":
            self._refuse_tag(node, path)
        items = []
        for index, child in enumerate(node.value):
            self.marks[path + (index,)] = self._mark(child)
            items.append(self._value(child, path + (index,)))
        return items

    def _mapping(self, node: MappingNode, path: tuple) -> dict:
        if node.tag != _YAML + "map":
            self._refuse_tag(node, path)
        result: dict[str, Any] = {}
        merges = [(k, v) for k, v in node.value if k.tag == _YAML + "merge"]
        for _, source in merges:  # YAML merge keys (`<<: *defaults`): explicit keys below override them
            self._merge_into(result, source, path)
        first: dict[str, Mark] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _YAML + "merge":
                continue
            key = self._key(key_node, path)
            if key is None:
                continue
            key_path, mark = path + (key,), self._mark(key_node)
            if key in first:
                where = f"line {first[key].line}"
                if first[key].line == mark.line:
                    where += f", column {first[key].column}"
                self._report(key_node, key_path, f"duplicate key (first set on {where}); YAML would silently keep "
                             "only this one")
            first.setdefault(key, mark)
            self.marks[key_path] = mark
            result[key] = self._value(value_node, key_path)
        return result

    def _merge_into(self, result: dict, source, path: tuple) -> None:
        sources = source.value if isinstance(source, SequenceNode) else [source]
        for item in reversed(sources):  # the first mapping listed wins, so it is applied last
            value = self._value(item, path)
            if isinstance(value, dict):
                result.update(value)
            else:
                self._report(item, path, "a merge key (<<) must refer to a mapping")

    def _key(self, key_node, path: tuple) -> str | None:
        if not isinstance(key_node, ScalarNode):
            self._report(key_node, path, "a key must be plain text, not a list or mapping")
            return None
        key = self._scalar(key_node, path)
        if isinstance(key, str):
            return key
        hint = " (YAML reads yes, no, on, off as true/false)" if isinstance(key, bool) else ""
        self._report(key_node, path + (str(key_node.value),), f"a key must be text: quote it{hint}")
        return None


def _paths(data: Any, prefix: tuple = ()):
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, prefix + (index,))


def live_paths(data: Any) -> set[tuple]:
    """Every key path present in the data (the root is `()`)."""
    return set(_paths(data))
