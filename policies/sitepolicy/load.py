"""Loading a site policy: TOML text -> :class:`SitePolicy`, or every problem with its line.

Pydantic reports errors by key path (``("paths", 2, "ai-train")``); the owner needs a line. The
TOML text is scanned once for table headers and keys, so each key path maps to the line that
wrote it (best effort: for inline tables the nearest enclosing key is used).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from typing import Final

from pydantic import ValidationError

from heedful.policies.errors import PolicyFormatError, PolicyProblem
from heedful.policies.sitepolicy.checks import policy_problems
from heedful.policies.sitepolicy.model import SitePolicy

MAX_POLICY_BYTES: Final = 1024 * 1024
_TOML_LINE: Final = re.compile(r"at line (\d+)")
_HEADER: Final = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY: Final = re.compile(
    r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*="""
)
_PART: Final = re.compile(r"""\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*""")


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(m.group(1) or m.group(2) or m.group(3) or "" for m in _PART.finditer(dotted))


def key_lines(text: str) -> dict[tuple[str | int, ...], int]:
    """Key path -> 1-based line for every table header and ``key =`` line of a TOML text."""
    lines: dict[tuple[str | int, ...], int] = {}
    counts: dict[tuple[str, ...], int] = {}
    table: tuple[str | int, ...] = ()
    in_multiline = False
    for number, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            in_multiline = line.count('"""') % 2 == 0 and line.count("'''") % 2 == 0
            continue
        header = _HEADER.match(line)
        if header:
            names = _parts(header.group(2))
            if header.group(1) == "[[":
                position = counts.get(names, 0)
                counts[names] = position + 1
                table = (*names, position)
            else:
                table = names
            lines.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault((*table, *_parts(key.group(1))), number)
            rest = line[key.end() :]
            in_multiline = rest.count('"""') % 2 == 1 or rest.count("'''") % 2 == 1
    return lines


def dotted(loc: tuple[str | int, ...]) -> str:
    """``("paths", 2, "ai-train")`` -> ``paths[2].ai-train``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _undotted(key: str) -> tuple[str | int, ...]:
    parts: list[str | int] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", key):
        parts.append(int(index) if index else name)
    return tuple(parts)


def line_finder(text: str) -> Callable[[str], int]:
    """``line_of(key)``: the line of ``key`` or of its nearest written ancestor (0: unknown)."""
    lines = key_lines(text)

    def line_of(key: str) -> int:
        loc = _undotted(key)
        while loc:
            if loc in lines:
                return lines[loc]
            loc = loc[:-1]
        return 0

    return line_of


def _validation_problems(exc: ValidationError, file: str, text: str) -> list[PolicyProblem]:
    line_of = line_finder(text)
    out = []
    for error in exc.errors():
        loc = tuple(part for part in error["loc"] if isinstance(part, str | int))
        # Tuples of tables come back with the index; model-level errors have no field name.
        key = dotted(loc)
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "missing" and loc[:1] == ("defaults",):
            message = "missing: every use needs an explicit allow, deny or license"
        elif error["type"] == "missing":
            message = "missing (required)"
        elif error["type"] == "extra_forbidden":
            message = "unknown key (see docs/site-policy.md for the keys of this table)"
        elif error["type"] == "enum":
            message = f"{error.get('input')!r}: expected allow, deny or license"
        out.append(PolicyProblem(file=file, line=line_of(key), key=key, message=message))
    return out


def load_site_policy(text: str | bytes, *, filename: str = "policy.toml") -> SitePolicy:
    """Read and validate a policy file; raise :class:`PolicyFormatError` listing every problem."""
    if isinstance(text, bytes):
        raw = text
        if len(raw) > MAX_POLICY_BYTES:
            problem = PolicyProblem(filename, 0, "", f"larger than {MAX_POLICY_BYTES} bytes")
            raise PolicyFormatError([problem])
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise PolicyFormatError(
                [PolicyProblem(filename, line, "", "not UTF-8 text (TOML files are UTF-8)")]
            ) from None
    if not isinstance(text, str):
        raise TypeError(f"load_site_policy expects str or bytes, got {type(text).__name__}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        line = int(found.group(1)) if found else 0
        raise PolicyFormatError(
            [PolicyProblem(filename, line, "", f"TOML syntax: {message}")]
        ) from None
    try:
        policy = SitePolicy.model_validate(data)
    except ValidationError as exc:
        raise PolicyFormatError(_validation_problems(exc, filename, text)) from None
    problems = policy_problems(policy, filename, line_finder(text))
    if problems:
        raise PolicyFormatError(problems)
    return policy
