"""Response headers as the core sees them: names case-insensitive, fields that may repeat.

Adapters hand over either a mapping (one value per name) or the raw list of ``(name, value)``
pairs; repeated fields such as ``X-Robots-Tag`` and ``Link`` keep every instance in the latter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

Headers = Mapping[str, str] | Sequence[tuple[str, str]]
"""What every header-reading function accepts."""


def header_values(headers: Headers, name: str) -> list[str]:
    """Every value of field ``name``, in order; comparison of names ignores case (RFC 9110 5.1)."""
    wanted = name.lower()
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return [value for key, value in pairs if key.lower() == wanted]


def media_type_of(content_type: str) -> str:
    """The media type of a ``Content-Type`` value without its parameters, lower-cased
    (``Text/HTML; charset=utf-8`` -> ``text/html``): type and subtype are case-insensitive
    (RFC 9110 section 8.3.1)."""
    return content_type.split(";", 1)[0].strip().lower()
