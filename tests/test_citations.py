"""What Heedful ships cites sources its users can read: the specifications, or its own docs.

The project was built from an internal digest of the specifications (``standards.md``) that no
user has; a citation of it, or of its section numbers, points a reader at nothing. Every shipped
file -- the packages, the docs, the README and the examples -- must cite the primary source by
name and section (RFC 9309 section 2.3.1.4, TDMRep section Processing priority, RSL 1.0 section 3,
draft-ietf-aipref-attach-05 section 3, ...) or docs/decisions.md for Heedful's own choices.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

SHIPPED = ("policies", "heedful", "crawler", "signalserver", "docs", "examples", "README.md")
SUFFIXES = {".py", ".md", ".html", ".toml", ".json", ".txt", ".j2", ".css", ".js", ".cfg", ".ini"}

FORBIDDEN = {
    "the internal digest": re.compile(r"standards\.md|shared/docs"),
    # The digest numbered TDMRep and RSL sections its own way ("TDMRep 2.7", "RSL 6.3"); TDMRep's
    # sections are cited by title, RSL's by the specification's own numbers (1.0 section 3).
    "a digest section number": re.compile(r"\bTDMRep \d|\bRSL (?!1\.0\b)\d+\.\d"),
}


def shipped_files() -> list[Path]:
    files: list[Path] = []
    for name in SHIPPED:
        path = ROOT / name
        if path.is_file():
            files.append(path)
            continue
        files.extend(
            p
            for p in sorted(path.rglob("*"))
            if p.is_file() and p.suffix in SUFFIXES and "__pycache__" not in p.parts
        )
    return files


def test_the_scan_sees_the_shipped_files() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in shipped_files()}
    assert {
        "README.md",
        "docs/decisions.md",
        "policies/signals/tdmrep.py",
        "policies/data/agents.json",
    } <= names


@pytest.mark.parametrize("what", sorted(FORBIDDEN))
def test_no_shipped_file_cites_the_digest(what: str) -> None:
    pattern = FORBIDDEN[what]
    hits = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in shipped_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert hits == [], f"{what} cited in shipped files:\n" + "\n".join(hits)


def test_decisions_names_its_primary_sources() -> None:
    head = (ROOT / "docs" / "decisions.md").read_text(encoding="utf-8").split("\n## ", 1)[0]
    for source in (
        "RFC 9309",
        "TDMRep",
        "draft-ietf-aipref-vocab-07",
        "RSL 1.0",
        "Content Signals",
    ):
        assert source in head


def _flowing(text: str) -> str:
    """``text`` with comment markers, string quotes and line breaks folded into single spaces, so
    a citation wrapped over lines of a docstring, comment or string concatenation reads whole."""
    return re.sub(r"[\s#\"]+", " ", text)


def test_every_cited_decision_section_exists() -> None:
    decisions = (ROOT / "docs" / "decisions.md").read_text(encoding="utf-8")
    headings = [line[3:].strip() for line in decisions.splitlines() if line.startswith("## ")]
    missing = sorted(
        {
            f"{path.relative_to(ROOT)}: {cited[:60]}"
            for path in shipped_files()
            for cited in re.findall(
                r"decisions\.md, (.{1,80})", _flowing(path.read_text(encoding="utf-8"))
            )
            if not any(cited.startswith(heading) for heading in headings)
        }
    )
    assert missing == [], "cited sections missing from docs/decisions.md:\n" + "\n".join(missing)
