"""Errors the pure core raises for bad *input documents the user wrote* (not for third-party
content: readers of other sites' files never raise, they return diagnostics).

A site policy is the owner's own file, and publishing a wrong reading of it is worse than
refusing it, so loading collects EVERY problem and raises once (issue 3 section 1). Adapters map
``status_hint`` to an HTTP status and ``exit_code`` to the CLI's exit status.
"""

from __future__ import annotations

from dataclasses import dataclass


class HeedfulError(Exception):
    """Base of the errors Heedful raises on purpose; carries how adapters should report it."""

    status_hint: int = 400
    """HTTP status an API should answer with."""
    exit_code: int = 2
    """Exit status a command should end with (2 = bad input, see heedful/cli/main.py)."""


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    """One thing wrong with a policy file: where it is and what is wrong.

    Positional as well as keyword construction is allowed (not ``kw_only``): the field order
    ``file, line, key, message`` is the published API other packages build against.
    """

    file: str
    line: int
    """1-based line in the file; 0 when it cannot be located (e.g. a missing table)."""
    key: str
    """Dotted path of the offending key, e.g. ``paths[2].ai-train``; ``""`` for the whole file."""
    message: str

    def __str__(self) -> str:
        key = f" {self.key}:" if self.key else ""
        return f"{self.file}:{self.line}:{key} {self.message}"


class PolicyFormatError(HeedfulError):
    """A site policy that cannot be loaded; ``problems`` lists every problem found."""

    status_hint = 422
    exit_code = 2

    def __init__(self, problems: tuple[PolicyProblem, ...] | list[PolicyProblem]) -> None:
        self.problems: tuple[PolicyProblem, ...] = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)
