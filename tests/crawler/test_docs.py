"""Every HEEDFUL_* setting is documented with its default (Datasette's test_docs habit)."""

from __future__ import annotations

import re

import pytest

from heedful.crawler.settings import DEFAULTS
from tests.conftest import ROOT

DOC = (ROOT / "docs" / "crawler.md").read_text(encoding="utf-8")
ROWS = dict(re.findall(r"^\| `(HEEDFUL_[A-Z_]+)` \| `([^`]*)` \|", DOC, flags=re.MULTILINE))


@pytest.mark.parametrize("name", sorted(DEFAULTS), ids=sorted(DEFAULTS))
def test_setting_is_documented_with_its_default(name: str) -> None:
    assert name in ROWS, f"docs/crawler.md does not list {name}"
    default = DEFAULTS[name]
    shown = f'"{default}"' if isinstance(default, str) else repr(default)
    assert ROWS[name] == shown


def test_docs_list_no_unknown_setting() -> None:
    assert set(ROWS) <= set(DEFAULTS)
