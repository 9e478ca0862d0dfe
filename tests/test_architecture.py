"""The import rules that keep the core pure and the layers apart.

``lint-imports`` (run by ``make test``) enforces the contracts in ``pyproject.toml``; these tests
keep those contracts in step with the tree: every package sits in a layer, nothing imports the
repository's folders by their own top-level names, and the contracts themselves hold.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import ROOT

FOLDERS = ("policies", "crawler", "signalserver")
"""The top-level folders that install as ``heedful.<folder>`` (see docs/decisions.md)."""


def imported_modules(path: Path) -> set[str]:
    """Absolute module names a file imports, at any depth of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def python_files() -> list[Path]:
    folders = (*FOLDERS, "heedful", "tests", "bench", "examples")
    return sorted(
        path
        for folder in folders
        for path in (ROOT / folder).rglob("*.py")
        if not (
            path.relative_to(ROOT).parts[0] == "heedful"
            and path.parts[len(ROOT.parts) + 1] in FOLDERS
        )
    )


def test_nothing_imports_the_folders_by_their_top_level_names() -> None:
    """``import policies`` would load a second copy of the core beside ``heedful.policies``."""
    offences = {
        str(path.relative_to(ROOT)): sorted(
            name for name in imported_modules(path) if name.split(".")[0] in FOLDERS
        )
        for path in python_files()
    }
    assert {k: v for k, v in offences.items() if v} == {}


def test_the_namespace_links_point_at_the_folders() -> None:
    for folder in FOLDERS:
        link = ROOT / "heedful" / folder
        assert link.is_symlink(), f"heedful/{folder} must be a link to ../{folder}"
        assert link.resolve() == (ROOT / folder).resolve()


def _layers() -> list[set[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    return [{name.strip() for name in layer.split("|")} for layer in contract["layers"]]


def test_every_package_sits_in_a_layer() -> None:
    layered = set().union(*_layers())
    packages = {
        f"heedful.{path.parent.name}"
        for path in (ROOT / "heedful").glob("*/__init__.py")
        if path.parent.name != "examples"
    }
    modules = {
        f"heedful.{path.stem}"
        for path in (ROOT / "heedful").glob("*.py")
        if path.stem not in {"__init__", "__main__"}
    }
    assert modules == set(), "modules directly in heedful/ belong in a layered subpackage"
    assert packages == layered


def test_the_import_contracts_hold() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports"))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:]


def test_rule_sees_an_offence(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from policies.model import Use\n    import crawler.addon\n")
    assert imported_modules(module) == {"policies.model", "crawler.addon"}


def test_the_docs_layer_table_is_the_contract() -> None:
    """docs/architecture.md lists the layers top down, as pyproject.toml's contract does."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`heedful." in line]
    documented = [
        {name.strip("` ") for name in row.split("|")[2].split(",")}
        for row in rows
        if row.split("|")[1].strip().isdigit()
    ]
    assert documented == _layers()
