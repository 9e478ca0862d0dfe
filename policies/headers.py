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
