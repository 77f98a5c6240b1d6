"""Errors the engine raises on purpose.

`ScenarioError` is for bad input: it carries every problem found in a scenario, each with the file, the line and
column (where known), the key path and what was expected, so the command line can print one line per problem and
exit with status 2. `AccountingError` is raised when a replication breaks one of its conservation laws (a credit or
a message that cannot be accounted for): that is a bug in the engine, never the user's fault, and exits with 1.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario."""

    message: str
    path: str = ""          # dotted key path, e.g. plans.premium_business.credits_per_month
    file: str | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = str(self.file)
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        key = f"{self.path}: " if self.path else ""
        return f"{where}{key}{self.message}"


class ScenarioError(ValueError):
    """A scenario (file, override or Python object) that cannot be used; lists every problem found."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class AccountingError(RuntimeError):
    """A replication broke a conservation law: a credit or a message is unaccounted for."""
