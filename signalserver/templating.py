"""HTML pages from ``templates/`` with ``string.Template``: every value escaped unless ``Safe``.

The pages are for creators and admins, not API users: plain HTML, labelled fields, no
JavaScript, readable without CSS. No template engine is needed for six small pages.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from string import Template
from typing import Final

TEMPLATES: Final = Path(__file__).resolve().parent / "templates"


class Safe(str):
    """Markup built by the server itself; inserted as is."""

    __slots__ = ()


@cache
def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def escape(value: object) -> Safe:
    if isinstance(value, Safe):
        return value
    return Safe(html.escape(str(value), quote=True))


def items(values: Iterable[object], *, css: str = "") -> Safe:
    """A ``<ul>`` of escaped values (empty when there are none)."""
    rows = "".join(f"<li>{escape(v)}</li>" for v in values)
    klass = f' class="{escape(css)}"' if css else ""
    return Safe(f"<ul{klass}>{rows}</ul>" if rows else "")


def page(template: str, /, *, title: str, **values: object) -> str:
    """Render ``templates/NAME`` inside ``base.html``; lists become ``<ul>`` items."""
    rendered = {
        key: items(value, css="errors" if key == "details" else "")
        if isinstance(value, list | tuple)
        else escape(value)
        for key, value in values.items()
    }
    body = _template(template).safe_substitute(rendered)
    return _template("base.html").substitute(title=escape(title), body=Safe(body))
