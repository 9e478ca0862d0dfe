"""One helper words every count: "1 item", "2 items", "0 items"."""

from __future__ import annotations

import pytest

from heedful.policies.plural import counted, plural


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 items"), (1, "1 item"), (2, "2 items"), (21, "21 items"), (-1, "-1 items")],
)
def test_counted(count: int, expected: str) -> None:
    assert counted(count, "item") == expected


def test_irregular_plural() -> None:
    assert counted(1, "entry", "entries") == "1 entry"
    assert counted(3, "entry", "entries") == "3 entries"
    assert plural(1, "URL") == "URL"
    assert plural(2, "URL") == "URLs"
