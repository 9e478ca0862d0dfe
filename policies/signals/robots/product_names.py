"""How a robots.txt (or ai.txt) ``User-agent`` value and a crawler's name are compared.

One rule, used by every reader, the renderer, the policy and the audit (docs/decisions.md
"Product-token matching"):

* Both sides are read as a *product name*: the leading run of HTTP token characters (RFC 9110
  section 5.6.2 ``tchar``), so the name ends at the first space, ``/``, ``(``, ``;`` or ``,``
  (``Googlebot/2.1`` and ``Foo Bar`` name ``Googlebot`` and ``Foo``). A trailing ``*`` is
  dropped (``barbarbot*`` names ``barbarbot``, as Google's parser reads it).
* The names are compared for equality, case-insensitively (RFC 9309 section 2.2.1).

Where both names are RFC 9309 product tokens (``[A-Za-z_-]+``) this is exactly Google's
open-source parser. Where either is not (digits, ``.``), Google would cut the robots.txt value
at the first character outside ``[A-Za-z_-]``, so a group for ``crawler1`` would bind
``crawler3``'s prefix ``crawler`` and a group for ``AI2Bot`` a crawler named ``AI``; here the
whole product name is compared, so a group written for ``AI2Bot`` binds ``AI2Bot`` and nobody
else.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

GLOBAL: Final = "*"
"""The key of a ``User-agent: *`` value."""

_WS: Final = " \t\v\f\r\n"
_NAME: Final = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]*")
"""RFC 9110 section 5.6.2 ``tchar``: what a product name in a User-Agent header is made of."""
_TOKEN: Final = re.compile(r"[A-Za-z_-]+")
"""RFC 9309 section 2.2.1: a crawler's product token."""


def is_product_token(text: str) -> bool:
    """True for an RFC 9309 product token (``[A-Za-z_-]+``)."""
    return _TOKEN.fullmatch(text) is not None


def is_product_name(text: str) -> bool:
    """True when ``text`` is one whole product name, so a ``User-agent`` line can name it.

    ``AI2Bot`` and ``bigsur.ai`` are; ``ChatGPT Agent`` (read as ``ChatGPT``), ``Foo/1.0``,
    ``*`` and ``bot*`` are not.
    """
    match = _NAME.fullmatch(text)
    return match is not None and bool(text) and "*" not in text


def _key(text: str) -> str | None:
    name = _NAME.match(text)
    found = name.group(0).rstrip("*") if name else ""
    if not found or "*" in found:
        return None  # ``*bot`` or ``a*b``: no product name (Google: matches nothing)
    return found.lower()


@lru_cache(maxsize=4096)
def group_key(value: str) -> str | None:
    """What a ``User-agent`` value names: ``*``, a lower-cased product name, or ``None``.

    ``*`` alone or followed by whitespace is the global group (Google's parser reads
    ``* # all`` and ``* foo`` that way); ``None`` means the line names no crawler.
    """
    value = value.strip(_WS)
    if value == GLOBAL or (value.startswith(GLOBAL) and value[1:2] in tuple(_WS)):
        return GLOBAL
    return _key(value)


@lru_cache(maxsize=4096)
def name_key(name: str) -> str:
    """The lower-cased product name of a crawler's name (``HeedfulBot/1.0`` -> ``heedfulbot``);
    ``""`` when it has none.
    """
    return _key(name.strip(_WS)) or ""
