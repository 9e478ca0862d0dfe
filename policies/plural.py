"""Counts in words: "1 item", "2 items", "0 items", the one way every output writes a count.

Kept in the core so the command line, the crawler's reports and the server word counts alike.
"""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str = "") -> str:
    """The noun for ``count``: ``singular`` for exactly one, else ``plural_form`` (default
    ``singular + "s"``). English reads zero as plural ("0 items")."""
    return singular if count == 1 else plural_form or singular + "s"


def counted(count: int, singular: str, plural_form: str = "") -> str:
    """``count`` and its noun: ``counted(1, "item") == "1 item"``, ``counted(0, "entry",
    "entries") == "0 entries"``. Large counts keep their digits as they are (no separators),
    so the text still matches the machine-readable figures."""
    return f"{count} {plural(count, singular, plural_form)}"
