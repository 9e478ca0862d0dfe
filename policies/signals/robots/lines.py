"""The robots.txt line scanner and group builder, shared by robots.txt and Spawning ai.txt.

Both files use the RFC 9309 grammar (RFC 9309 section 2.2; Spawning's ai.txt generator), so one
scanner reads them: bytes are capped, a (partial) BOM is skipped, lines end at CR, LF or CRLF only,
comments are cut, keys are matched with Google's typo tables and every line keeps its 1-based
number (Google's parser, google/robotstxt robots.cc). Group selection lives in
:mod:`heedful.policies.signals.robots.groups`. Grouping follows google/robotstxt robots.cc: only ``user-agent``
lines and
``allow``/``disallow`` rules move group boundaries; every other line is attached to the current
group (or to none) without changing it.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Final, NamedTuple

from heedful.policies.diagnostics import Diagnostic, Severity

MAX_ROBOTS_BYTES: Final = 500 * 1024
"""RFC 9309 2.5: parse at least 500 KiB; Google ignores the rest (RFC 9309 section 2.5)."""
MAX_LINE_BYTES: Final = 16663
"""Google keeps at most 2083 * 8 - 1 bytes of a line and parses the cut line (Google's parser, google/robotstxt robots.cc)."""

_BOM: Final = b"\xef\xbb\xbf"
_NEWLINE: Final = re.compile(r"\r\n|\r|\n")
_NEWLINE_BYTES: Final = re.compile(rb"\r\n|\r|\n")
_WS: Final = " \t\v\f"


class Key(StrEnum):
    """What a line is, after the typo tables of Google's parser, google/robotstxt robots.cc."""

    USER_AGENT = "user-agent"
    ALLOW = "allow"
    DISALLOW = "disallow"
    SITEMAP = "sitemap"
    CONTENT_USAGE = "content-usage"
    CONTENT_SIGNAL = "content-signal"
    LICENSE = "license"
    CRAWL_DELAY = "crawl-delay"
    DISCOVERY = "discovery"
    """A pointer to a document for AI agents (``Agentmap:``, ``LLM-policy:``, ``llm-context``):
    recorded, never read as permission or refusal."""
    OTHER = "other"


_PREFIXES: Final[tuple[tuple[str, Key], ...]] = (
    # Google matches keys by case-insensitive prefix, in this order (Google's parser,
    # google/robotstxt robots.cc).
    ("user-agent", Key.USER_AGENT),
    ("useragent", Key.USER_AGENT),
    ("user agent", Key.USER_AGENT),
    ("allow", Key.ALLOW),
    ("disallow", Key.DISALLOW),
    ("dissallow", Key.DISALLOW),
    ("dissalow", Key.DISALLOW),
    ("disalow", Key.DISALLOW),
    ("diasllow", Key.DISALLOW),
    ("disallaw", Key.DISALLOW),
    ("sitemap", Key.SITEMAP),
    ("site-map", Key.SITEMAP),
)
_EXTENSIONS: Final = {
    "content-usage": Key.CONTENT_USAGE,
    "content-signal": Key.CONTENT_SIGNAL,
    "license": Key.LICENSE,
    "crawl-delay": Key.CRAWL_DELAY,
    # Discovery records sites add for AI agents: an AI catalogue (Agentmap), an LLM usage policy,
    # and the llm-context record of draft-arsentev-llm-context-discovery-01.
    "agentmap": Key.DISCOVERY,
    "llm-policy": Key.DISCOVERY,
    "llm-context": Key.DISCOVERY,
}
_RULES: Final = frozenset({Key.ALLOW, Key.DISALLOW})
"""The lines that close a group's ``user-agent`` run (google/robotstxt robots.cc)."""
_SITE_WIDE: Final = frozenset({Key.SITEMAP, Key.LICENSE, Key.DISCOVERY})
"""Lines not tied to a group (RFC 9309 section 2.2.4; RSL 1.0 section 4)."""
NON_STANDARD_KEYS: Final = frozenset(
    # Known in the wild but outside RFC 9309 (RFC 9309 section 2.2.4; Google's reporter list).
    {
        "crawl-delay",
        "host",
        "clean-param",
        "noindex",
        "nofollow",
        "noarchive",
        "request-rate",
        "visit-time",
        "domain",
        "revisit-after",
    }
)


class Line(NamedTuple):
    """One directive line: its number, what it is, the key and value as written.

    A named tuple rather than a frozen dataclass: a large robots.txt has tens of thousands of
    lines, and a tuple is the lighter value.
    """

    number: int
    key: Key
    name: str
    """The key as written (``disalow``)."""
    value: str
    text: str
    """The line without its comment and surrounding whitespace: the rule as the site wrote it."""


class Group(NamedTuple):
    """One or more ``user-agent`` lines and the lines that follow them (RFC 9309 2.1)."""

    agents: tuple[Line, ...]
    lines: tuple[Line, ...]
    """Every non-user-agent line inside the group: rules and extension lines."""

    @property
    def first_line(self) -> int:
        return self.agents[0].number

    @property
    def last_line(self) -> int:
        return max(line.number for line in (*self.agents, *self.lines))


@dataclass(frozen=True, kw_only=True, slots=True)
class Scan:
    """A scanned file: its groups, the lines outside any group, and what was noticed."""

    groups: tuple[Group, ...]
    outside: tuple[Line, ...]
    """Lines before the first ``user-agent`` line, and group-less lines such as ``Sitemap``."""
    diagnostics: tuple[Diagnostic, ...]
    text: str
    """The decoded (and capped) body."""


def decode_body(data: str | bytes, *, kind: str) -> tuple[str, list[Diagnostic]]:
    """Cap ``data`` at MAX_ROBOTS_BYTES, strip a (partial) UTF-8 BOM and decode it leniently."""
    if isinstance(data, str):
        raw = data.encode("utf-8", "surrogatepass")
    elif isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
    else:
        raise TypeError(f"expected str or bytes, got {type(data).__name__}")
    diagnostics: list[Diagnostic] = []

    def note(severity: Severity, line: int, code: str, message: str) -> None:
        diagnostics.append(
            Diagnostic(severity=severity, kind=kind, line=line, code=code, message=message)
        )

    if len(raw) > MAX_ROBOTS_BYTES:
        note(
            Severity.WARNING,
            0,
            "truncated",
            f"file is {len(raw)} bytes; only the first {MAX_ROBOTS_BYTES} are read (RFC 9309 2.5)",
        )
        raw = raw[:MAX_ROBOTS_BYTES]
    # Google skips a full BOM and any leading part of one (Google's parser, google/robotstxt
    # robots.cc).
    skip = 0
    while skip < 3 and skip < len(raw) and raw[skip] == _BOM[skip]:
        skip += 1
    if skip:
        note(Severity.INFO, 1, "bom", "a byte order mark starts the file; skipped")
        raw = raw[skip:]
    try:
        # Incremental so a character cut by the size cap is dropped, not reported.
        text = codecs.getincrementaldecoder("utf-8")("strict").decode(raw, final=False)
    except UnicodeDecodeError as error:
        line = len(_NEWLINE_BYTES.findall(raw[: error.start])) + 1
        note(
            Severity.WARNING,
            line,
            "invalid-utf8",
            "the file is not valid UTF-8 (RFC 9309 2.3); bad bytes read as U+FFFD",
        )
        text = codecs.getincrementaldecoder("utf-8")("replace").decode(raw, final=False)
    return text, diagnostics


def split_key_value(line: str) -> tuple[str, str, bool] | None:
    """``(key, value, had_colon)`` of a comment-free stripped line, or None if it has none.

    Without a colon, a run of whitespace separates key and value only when the line has exactly
    two tokens (Google's parser, google/robotstxt robots.cc).
    """
    if ":" in line:
        key, _, value = line.partition(":")
        return key.strip(_WS), value.strip(_WS), True
    tokens = line.split()
    if len(tokens) == 2:
        return tokens[0], tokens[1], False
    return None


@lru_cache(maxsize=1024)
def classify(name: str) -> Key:
    """The directive a key names, by Google's prefix and typo tables (Google's parser, google/robotstxt robots.cc)."""
    lowered = name.lower()
    for prefix, key in _PREFIXES:
        if lowered.startswith(prefix):
            return key
    return _EXTENSIONS.get(lowered, Key.OTHER)


def scan(data: str | bytes, *, kind: str) -> Scan:
    """Read every line of ``data`` and build the groups (google/robotstxt robots.cc ``parse``)."""
    text, diagnostics = decode_body(data, kind=kind)

    def note(severity: Severity, line: int, code: str, message: str) -> None:
        diagnostics.append(
            Diagnostic(severity=severity, kind=kind, line=line, code=code, message=message)
        )

    groups: list[Group] = []
    agents: list[Line] = []
    members: list[Line] = []
    outside: list[Line] = []
    last_was_rule = False
    directives = 0

    def close() -> None:
        if agents:
            groups.append(Group(agents=tuple(agents), lines=tuple(members)))

    for number, raw_line in enumerate(_NEWLINE.split(text), start=1):
        # A character is at most 4 bytes: only a long line needs encoding to measure it.
        if len(raw_line) * 4 > MAX_LINE_BYTES and (
            len(encoded := raw_line.encode("utf-8", "surrogatepass")) > MAX_LINE_BYTES
        ):
            note(
                Severity.WARNING,
                number,
                "line-too-long",
                f"line is {len(encoded)} bytes; only the first {MAX_LINE_BYTES} are read",
            )
            raw_line = encoded[:MAX_LINE_BYTES].decode("utf-8", "ignore")
        line = (raw_line.split("#", 1)[0] if "#" in raw_line else raw_line).strip(_WS)
        if not line:
            continue
        parts = split_key_value(line)
        if parts is None:
            note(Severity.WARNING, number, "unparseable-line", f"no key and value in {line!r}")
            continue
        name, value, had_colon = parts
        if not name:
            note(Severity.WARNING, number, "empty-key", f"no key before ':' in {line!r}")
            continue
        key = classify(name)
        if not had_colon:
            note(
                Severity.WARNING,
                number,
                "missing-colon",
                f"no ':' after {name!r}; read as key and value (Google's parser, google/robotstxt robots.cc)",
            )
        finding = _key_finding(name, key)
        if finding is not None:
            note(finding[0], number, finding[1], finding[2])
        entry = Line(number=number, key=key, name=name, value=value, text=line)
        directives += 1
        if key is Key.USER_AGENT:
            if last_was_rule:
                close()
                agents, members = [], []
                last_was_rule = False
            agents.append(entry)
        elif key in _SITE_WIDE:
            outside.append(entry)
        elif not agents:
            if key in _RULES:
                note(
                    Severity.WARNING,
                    number,
                    "rule-outside-group",
                    f"{line!r} comes before any User-agent line and is ignored (RFC 9309 2.2)",
                )
            outside.append(entry)
        else:
            members.append(entry)
            last_was_rule = last_was_rule or key in _RULES
    close()
    if not directives:
        note(Severity.INFO, 0, "empty-file", "no directives at all")
    return Scan(
        groups=tuple(groups), outside=tuple(outside), diagnostics=tuple(diagnostics), text=text
    )


@lru_cache(maxsize=1024)
def _key_finding(name: str, key: Key) -> tuple[Severity, str, str] | None:
    """What lint says about a directive name (names repeat, so each is judged once)."""
    lowered = name.lower()
    if key is Key.OTHER:
        if lowered in NON_STANDARD_KEYS:
            return Severity.INFO, "unknown-directive", f"{name!r} is not in RFC 9309"
        return Severity.WARNING, "unknown-directive", f"unknown directive {name!r}"
    if key is Key.CRAWL_DELAY:
        return Severity.INFO, "unknown-directive", "'Crawl-delay' is not in RFC 9309"
    if key is Key.DISCOVERY:
        return (
            Severity.INFO,
            "discovery-record",
            f"{name!r} recorded: it points AI agents to a document; it allows and reserves nothing",
        )
    if lowered != key.value:
        return (
            Severity.WARNING,
            "typo-directive",
            f"{name!r} read as {key.value!r} (Google's parser, google/robotstxt robots.cc)",
        )
    return None
