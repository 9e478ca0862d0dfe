"""The import rules that keep the core pure and the adapters apart.

``lint-imports`` (run by ``make test``) checks the same contract for ``policies``; this test also
covers packages that import-linter cannot see until they exist (``crawler``, ``signalserver``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

FORBIDDEN = {
    "policies": {
        "crawler",
        "signalserver",
        "heedful",
        "scrapy",
        "twisted",
        "aiohttp",
        "sqlmodel",
        "sqlalchemy",
    },
    "crawler": {"signalserver"},
    "signalserver": {"crawler"},
}


def imported_roots(path: Path) -> set[str]:
    """Top-level package names a module imports, at any depth of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_nothing_forbidden(package: str) -> None:
    modules = sorted((ROOT / package).rglob("*.py"))
    if not modules:
        pytest.skip(f"{package}/ does not exist yet")
    offences = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in modules
    }
    assert {k: v for k, v in offences.items() if v} == {}


def test_rule_sees_an_offence(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from scrapy.http import Request\n    import aiohttp.web\n")
    assert imported_roots(module) == {"scrapy", "aiohttp"}
