"""Every third-party module the shipped packages need at run time is a declared dependency.

``pip install heedful`` installs ``[project.dependencies]`` and nothing else; the dev extras used
by ``make test`` pull in many more distributions, so a missing declaration only shows on a
user's machine (``heedful serve`` once stopped there on SQLAlchemy's missing ``greenlet``). This
test reads every module with ``ast``: imports at any depth, dotted paths Scrapy settings load by
name, and the async database drivers named in URLs, plus the run-time needs no import shows.
``.ci/install-check`` proves the same on a fresh virtual environment.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ("policies", "crawler", "signalserver", "heedful")
"""The first-party packages the wheel ships (pyproject ``[tool.setuptools.packages.find]``)."""

IMPLIED = {
    "sqlalchemy.ext.asyncio": "greenlet",
    "sqlmodel.ext.asyncio": "greenlet",
}
"""Module imported -> distribution it needs without importing it at the top: SQLAlchemy's
asyncio layer raises "requires that the Python 'greenlet' library is installed" on first use,
and SQLAlchemy declares greenlet only on some platforms."""

DOTTED = re.compile(r"[a-z_][a-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*){2,}")
"""A component Scrapy loads by name: ``scrapy_redis.dupefilter.RFPDupeFilter``."""
DRIVER = re.compile(r"\b(?:sqlite|postgresql|postgres|mysql|mariadb)\+([a-z0-9_]+)\b")
"""The async driver in a SQLAlchemy URL: ``sqlite+aiosqlite:///`` needs ``aiosqlite``."""


def normalise(name: str) -> str:
    """PEP 503 name normalisation: ``SQLAlchemy`` and ``sqlalchemy`` are one distribution."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = set()
    for requirement in project["dependencies"]:
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        assert match, requirement
        names.add(normalise(match.group()))
    return names


def modules_needed(path: Path) -> set[str]:
    """Full module names a file imports, loads by dotted name, or names as a database driver."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if DOTTED.fullmatch(node.value):
                found.add(node.value.rsplit(".", 1)[0])
            found.update(DRIVER.findall(node.value))
    return found


def third_party(module: str) -> bool:
    root = module.split(".")[0]
    return root not in sys.stdlib_module_names and root not in PACKAGES


def needed_distributions(paths: list[Path]) -> dict[str, set[str]]:
    """Distribution -> the files that need it (a module no installed distribution provides is
    reported under ``?name``, so a typo or an uninstalled package cannot pass)."""
    providers = packages_distributions()
    needs: dict[str, set[str]] = {}
    for path in paths:
        where = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
        for module in modules_needed(path):
            if not third_party(module):
                continue
            root = module.split(".")[0]
            dists = providers.get(root) or [f"?{root}"]
            for dist in {normalise(d) for d in dists}:
                needs.setdefault(dist, set()).add(where)
            for prefix, implied in IMPLIED.items():
                if module == prefix or module.startswith(prefix + "."):
                    needs.setdefault(normalise(implied), set()).add(where)
    return needs


def shipped_modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def test_every_run_time_import_is_declared() -> None:
    needs = needed_distributions(shipped_modules())
    missing = {dist: sorted(files)[:3] for dist, files in needs.items() if dist not in declared()}
    assert missing == {}, "add these to [project.dependencies] with a compatible range"


def test_every_dependency_has_a_compatible_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    unbounded = [r for r in project["dependencies"] if ">=" not in r or "<" not in r]
    assert unbounded == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f():\n    from sqlalchemy.ext.asyncio import create_async_engine\n", "greenlet"),
        ("URL = 'sqlite+aiosqlite:///x.db'\n", "aiosqlite"),
        ("S = {'SCHEDULER': 'scrapy_redis.scheduler.Scheduler'}\n", "scrapy-redis"),
        ("import lxml.html\n", "lxml"),
    ],
)
def test_scan_sees_a_need(tmp_path: Path, source: str, expected: str) -> None:
    module = tmp_path / "m.py"
    module.write_text(source, encoding="utf-8")
    assert expected in needed_distributions([module])


def test_scan_ignores_the_standard_library_and_first_party(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import json\nfrom policies.model import Use\nLOGGER = 'heedful.access.log'\n",
        encoding="utf-8",
    )
    assert needed_distributions([module]) == {}
