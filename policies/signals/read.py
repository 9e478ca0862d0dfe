"""What is known about one origin and one response, parsed once and reused for every URL.

The adapters (``heedful check``, the crawler) fetch; this module only reads what they fetched
(style.md B.1). A :class:`SignalFile` is one fetch outcome as plain values; :func:`read_site`
parses an origin's files once, :func:`read_page` a response's headers and HTML head.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from types import MappingProxyType
from typing import Final, TypeVar
from urllib.parse import urljoin

from heedful.policies.diagnostics import Diagnostic, ParseResult
from heedful.policies.fetch.outcomes import (
    MAX_SIGNAL_BYTES,
    Outcome,
    malformed_outcome,
    robots_outcome,
    signal_file_outcome,
)
from heedful.policies.fetch.page_access import page_access
from heedful.policies.fetch.statuses import Availability
from heedful.policies.headers import Headers, header_values
from heedful.policies.html import HeadMeta, HtmlHead, parse_html_head
from heedful.policies.model import Permission, Signal, Statement, Use
from heedful.policies.signals.aitxt import AiTxt, parse_ai_txt
from heedful.policies.signals.content_signal import parse_content_signal
from heedful.policies.signals.content_usage import parse_content_usage
from heedful.policies.signals.removals import (
    MAX_REMOVALS_BYTES,
    REMOVALS_PATH,
    Removals,
    parse_removals,
)
from heedful.policies.signals.removals import UNREADABLE_CODES as REMOVALS_UNREADABLE
from heedful.policies.signals.robots.document import RobotsTxt, parse_robots
from heedful.policies.signals.robots.lines import MAX_ROBOTS_BYTES
from heedful.policies.signals.robots_tag import (
    addressed_tokens,
    product_token,
    robots_tag_statements,
)
from heedful.policies.signals.rsl.document import (
    MAX_RSL_BYTES,
    RslDocument,
    parse_rsl,
    rsl_link_urls,
)
from heedful.policies.signals.rsl.document import UNREADABLE_CODES as RSL_UNREADABLE
from heedful.policies.signals.tdmrep import (
    MAX_TDMREP_BYTES,
    TdmRepFile,
    parse_tdmrep,
    readable_prefix,
    resolve_tdmrep,
    tdmrep_header_statement,
    tdmrep_meta_statement,
)
from heedful.policies.signals.tdmrep import UNREADABLE_CODES as TDMREP_UNREADABLE

T = TypeVar("T")

ROBOTS_PATH = "/robots.txt"
TDMREP_PATH = "/.well-known/tdmrep.json"
AI_TXT_PATH = "/ai.txt"

FILE_LIMITS: Final[Mapping[str, int]] = MappingProxyType(
    {
        ROBOTS_PATH: MAX_ROBOTS_BYTES,
        TDMREP_PATH: MAX_TDMREP_BYTES,
        AI_TXT_PATH: MAX_SIGNAL_BYTES,
        REMOVALS_PATH: MAX_REMOVALS_BYTES,
    }
)
"""How many bytes of each site file are fetched: each reader's own limit, so a file the reader
would read is never cut by the fetch (docs/decisions.md, Signal files that cannot be read)."""
LICENSE_LIMIT: Final = MAX_RSL_BYTES
"""How many bytes of an RSL document are fetched: the reader's limit."""

GOVERNED: Final[Mapping[Signal, tuple[Use, ...]]] = MappingProxyType(
    {
        Signal.TDMREP: (Use.TDM,),
        Signal.AI_TXT: (Use.AI_TRAIN,),
        Signal.RSL: tuple(Use),
        Signal.REMOVALS: tuple(Use),
    }
)
"""The uses each site file can speak about, and so the uses that stay unknown while it cannot
be read: TDMRep reserves TDM (and what it contains), a Spawning ai.txt AI training, an RSL
licence and a removals list any use (docs/decisions.md, Signal files that cannot be read)."""

IMAGE_TYPES = ("image/",)


@dataclass(frozen=True, kw_only=True, slots=True)
class SignalFile:
    """One fetch as the adapter saw it: ``status`` is ``None`` when no response came back."""

    url: str
    status: int | None
    headers: Headers = ()
    body: bytes = b""
    error: str = ""
    redirects: int = 0
    truncated: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class SiteSignals:
    """An origin's parsed site-wide files and what their fetches meant."""

    origin: str
    robots: RobotsTxt | None
    robots_outcome: Outcome
    tdmrep: TdmRepFile | None = None
    ai_txt: AiTxt | None = None
    licenses: Mapping[str, RslDocument] = field(default_factory=dict)
    removals: Removals | None = None
    """Approved removals the site publishes (``/.well-known/heedful/removals.json``)."""
    notes: tuple[Statement, ...] = ()
    """Files that answered but could not be read, one statement each: shown as reasons, never
    as permission. Each note's ``uses`` names the uses that file governs (:data:`GOVERNED`),
    all ``unknown``: they stay unknown until it can be read."""
    diagnostics: Mapping[str, tuple[Diagnostic, ...]] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class PageSignals:
    """The response for the URL itself, its signals read once by :func:`read_page`."""

    url: str
    status: int | None
    headers: Headers = ()
    error: str = ""
    """Why no response arrived, when ``status`` is ``None``."""
    head: HtmlHead | None = None
    image: bool = False
    licenses: Mapping[str, RslDocument] = field(default_factory=dict)
    statements: tuple[Statement, ...] = ()
    """``Content-Usage`` and ``Content-Signal`` headers: the same for every crawler."""
    tdmrep_header: Statement | None = None
    tdmrep_meta: Statement | None = None
    access_control: Statement | None = None
    """401/402/403 or ``WWW-Authenticate: License``: access needs a licence or is refused."""
    _robots_tags: Mapping[str, tuple[Statement, ...]] = field(init=False, repr=False, compare=False)
    """``X-Robots-Tag`` and meta robots statements by the product token they address; ``""``
    holds what every other crawler reads."""

    def __post_init__(self) -> None:
        # Derived once from the headers and head, never changed: a frozen dataclass sets it
        # this way, so the agent-independent work is done when the response is read.
        metas = self.head.metas if self.head is not None else ()
        by_token = {
            token: self._read_robots_tags(token, metas)
            for token in (*addressed_tokens(self.headers, metas), "")
        }
        object.__setattr__(self, "_robots_tags", MappingProxyType(by_token))

    def _read_robots_tags(self, agent: str, metas: Sequence[HeadMeta]) -> tuple[Statement, ...]:
        result = robots_tag_statements(
            self.headers, metas, agent=agent, source=self.url, image=self.image
        )
        return tuple(result.value)

    def tdmrep_over(self, file_rule: Statement | None) -> Statement | None:
        """The TDMRep value for this response: the site file's rule, then this response's
        header, then its meta, each superseding the last (TDMRep, section Processing priority).
        """
        return resolve_tdmrep(file_rule, self.tdmrep_header, self.tdmrep_meta)

    def agent_statements(self, agent: str) -> tuple[Statement, ...]:
        """``X-Robots-Tag`` and meta robots directives that bind ``agent``."""
        found = self._robots_tags.get(product_token(agent))
        return self._robots_tags[""] if found is None else found


def read_site(
    origin: str,
    *,
    robots: SignalFile | None,
    tdmrep: SignalFile | None = None,
    ai_txt: SignalFile | None = None,
    licenses: Mapping[str, SignalFile] | None = None,
    removals: SignalFile | None = None,
    lint: bool = True,
) -> SiteSignals:
    """Parse an origin's fetched files; ``robots=None`` means it was never fetched (fail closed).

    ``lint=False`` leaves out the diagnostics that only explain a file to its author (see
    :func:`~heedful.policies.signals.robots.document.parse_robots`); the signals are the same.
    """
    robots_url = urljoin(origin, ROBOTS_PATH)
    diagnostics: dict[str, tuple[Diagnostic, ...]] = {}
    notes: list[Statement] = []
    if robots is None:
        outcome = robots_outcome(status=None, error="robots.txt was not fetched")
    else:
        outcome = robots_outcome(
            status=robots.status,
            error=robots.error,
            redirects=robots.redirects,
            truncated=robots.truncated,
        )
    parsed_robots = None
    if robots is not None and outcome.availability is Availability.FOUND:
        result = parse_robots(robots.body, source=robots.url or robots_url, lint=lint)
        parsed_robots = result.value
        diagnostics[robots_url] = result.diagnostics

    parsed_tdmrep = (
        _read_tdmrep(tdmrep, notes, diagnostics, lint=lint) if tdmrep is not None else None
    )

    parsed_ai = None
    if ai_txt is not None:
        content_type = next(iter(header_values(ai_txt.headers, "content-type")), None)
        parsed_ai = _read(
            ai_txt,
            Signal.AI_TXT,
            partial(parse_ai_txt, source=ai_txt.url, content_type=content_type),
            notes,
            diagnostics,
            limit=MAX_SIGNAL_BYTES,
        )[0]

    parsed_removals = None
    if removals is not None:
        parsed_removals = _read(
            removals,
            Signal.REMOVALS,
            partial(parse_removals, source=removals.url),
            notes,
            diagnostics,
            limit=MAX_REMOVALS_BYTES,
            unreadable=REMOVALS_UNREADABLE,
        )[0]
    site = SiteSignals(
        origin=origin,
        robots=parsed_robots,
        robots_outcome=outcome,
        tdmrep=parsed_tdmrep,
        ai_txt=parsed_ai,
        removals=parsed_removals,
        notes=tuple(notes),
        diagnostics=diagnostics,
    )
    return with_licenses(site, licenses) if licenses else site


def with_licenses(site: SiteSignals, licenses: Mapping[str, SignalFile]) -> SiteSignals:
    """``site`` with the RSL documents its robots.txt names, fetched afterwards.

    Licences are discovered from the parsed robots.txt (:func:`license_urls`), so they arrive
    after it; adding them parses only them, never the origin's other files again.
    """
    notes = list(site.notes)
    diagnostics = dict(site.diagnostics)
    docs = dict(site.licenses)
    for url, fetched in licenses.items():
        doc = _read(
            replace(fetched, url=url),
            Signal.RSL,
            partial(parse_rsl, source=url),
            notes,
            diagnostics,
            limit=LICENSE_LIMIT,
            unreadable=RSL_UNREADABLE,
        )[0]
        if doc is not None:
            docs[url] = doc
    return replace(site, licenses=docs, notes=tuple(notes), diagnostics=diagnostics)


def license_urls(site: SiteSignals) -> tuple[str, ...]:
    """RSL documents the robots.txt names (RSL 1.0 section 4), to fetch before deciding."""
    return site.robots.license_urls if site.robots is not None else ()


def page_license_urls(url: str, headers: Headers, head: HtmlHead | None) -> tuple[str, ...]:
    """RSL documents a response names in ``Link`` headers or ``<link rel=license>`` elements."""
    found = list(rsl_link_urls(headers, base=url))
    if head is not None:
        found.extend(
            urljoin(url, link.href)
            for link in head.links
            if "license" in link.rel.split() and "rsl" in link.type.lower() and link.href
        )
    return tuple(dict.fromkeys(found))


def read_page(
    response: SignalFile, *, licenses: Mapping[str, SignalFile] | None = None
) -> PageSignals:
    """Parse a response's signals once: headers always, the ``<head>`` when the body is HTML."""
    headers = response.headers
    content_type = next(iter(header_values(headers, "content-type")), "").lower()
    head = None
    if response.body and ("html" in content_type or not content_type):
        head = parse_html_head(response.body).value
    docs = {
        url: parse_rsl(fetched.body, source=url).value
        for url, fetched in (licenses or {}).items()
        if fetched.status is not None and 200 <= fetched.status < 300
    }
    statements = [
        _header_statement(
            Signal.CONTENT_USAGE,
            response.url,
            "Content-Usage",
            index,
            value,
            parse_content_usage(value).value.uses,
        )
        for index, value in enumerate(header_values(headers, "content-usage"))
    ]
    statements.extend(
        _header_statement(
            Signal.CONTENT_SIGNAL,
            response.url,
            "Content-Signal",
            index,
            value,
            parse_content_signal(value).value.uses,
        )
        for index, value in enumerate(header_values(headers, "content-signal"))
    )
    metas = head.metas if head is not None else ()
    control = None
    if response.status is not None:
        inline = ""
        if response.status in (401, 402, 403) and (fragment := inline_rsl(response.body)):
            # An RSL licence challenge may carry its terms in the body (the RSL Crawler
            # Authorization Protocol, RSL 1.0 sections 5-6): read them like a linked document.
            inline = f"{response.url}#rsl"
            docs[inline] = parse_rsl(fragment, source=inline).value
        control = page_access(response.status, headers, source=response.url, inline_rsl=inline)
    return PageSignals(
        url=response.url,
        status=response.status,
        headers=headers,
        error=response.error,
        head=head,
        image=content_type.startswith(IMAGE_TYPES),
        licenses=docs,
        statements=tuple(statements),
        tdmrep_header=tdmrep_header_statement(headers, source=response.url).value,
        tdmrep_meta=tdmrep_meta_statement(
            [(m.name, m.content) for m in metas], source=response.url
        ).value,
        access_control=control,
    )


_RSL_FRAGMENT: Final = re.compile(rb"<rsl[\s>].*?</rsl\s*>", re.DOTALL)


def inline_rsl(body: bytes) -> bytes:
    """The first ``<rsl>...</rsl>`` element in a response body (an HTML error page, a bare
    document), or ``b""``; at most :data:`LICENSE_LIMIT` bytes are searched."""
    found = _RSL_FRAGMENT.search(body[:LICENSE_LIMIT])
    return found.group(0) if found else b""


def _header_statement(
    signal: Signal, source: str, name: str, index: int, value: str, uses: Mapping[Use, Permission]
) -> Statement:
    location = f"header {name}" + (f" #{index + 1}" if index else "")
    return Statement(signal=signal, source=source, location=location, rule=value, uses=uses)


_HTML_TYPES = ("text/html", "application/xhtml+xml")


def is_soft_404(fetched: SignalFile) -> bool:
    """A ``200 text/html`` page answered for a JSON, XML or plain-text signal file.

    Most sites answer every unknown path with an HTML page; that page is the site saying the
    file is not there, so it means what a 404 means (no statement through that mechanism,
    TDMRep, section TDM File on the Origin Server: "does not implement"), not a malformed file.
    """
    if fetched.status is None or not 200 <= fetched.status < 300:
        return False
    content_type = next(iter(header_values(fetched.headers, "content-type")), "")
    return content_type.split(";", 1)[0].strip().lower() in _HTML_TYPES


def _read(
    fetched: SignalFile,
    signal: Signal,
    parse: Callable[[bytes], ParseResult[T]],
    notes: list[Statement],
    diagnostics: dict[str, tuple[Diagnostic, ...]],
    *,
    limit: int,
    unreadable: frozenset[str] = frozenset(),
) -> tuple[T | None, Outcome | None]:
    """Parse one fetched site file; one that cannot be read becomes a note, never "no statement".

    Returns the parsed file (``None`` when there is nothing to read) and, when the file could
    not be read, the outcome saying why. A soft 404 (:func:`is_soft_404`) and a 4xx are absent:
    nothing parsed, no note. A 5xx, a network failure, a body cut at ``limit`` or ended early,
    and a body whose reader reports one of the ``unreadable`` diagnostics (it read nothing at
    all) leave the uses the file governs unknown (:data:`GOVERNED`).
    """
    if is_soft_404(fetched):
        return None, None
    name = fetched.url.rstrip("/").rsplit("/", 1)[-1] or str(signal)
    outcome = signal_file_outcome(
        status=fetched.status,
        error=fetched.error,
        redirects=fetched.redirects,
        truncated=fetched.truncated,
        received=len(fetched.body),
        limit=limit,
        name=name,
    )
    if outcome.availability is Availability.UNAVAILABLE:
        return None, None
    if outcome.availability is Availability.FOUND and fetched.status is not None:
        result = parse(fetched.body)
        diagnostics[fetched.url] = result.diagnostics
        broken = next((d for d in result.diagnostics if d.code in unreadable), None)
        if broken is None:
            return result.value, None
        outcome = malformed_outcome(name=name, status=fetched.status, problem=broken.message)
    notes.append(
        Statement(
            signal=signal,
            source=fetched.url,
            location=f"status {fetched.status}" if fetched.status is not None else "fetch",
            rule=outcome.reason,
            uses=dict.fromkeys(GOVERNED[signal], Permission.UNKNOWN),
            note="the uses this file governs stay unknown until it can be read",
        )
    )
    return None, outcome


def _read_tdmrep(
    fetched: SignalFile,
    notes: list[Statement],
    diagnostics: dict[str, tuple[Diagnostic, ...]],
    *,
    lint: bool,
) -> TdmRepFile | None:
    """``tdmrep.json``, or the rules read whole before the damage when it cannot be read.

    The file is read in order and its first matching rule wins (TDMRep, section TDM File on the
    Origin Server), so a rule that arrived whole decides every path it matches whatever the rest
    says; paths no such rule matches stay unknown through the file's note.
    """
    found = _read(
        fetched,
        Signal.TDMREP,
        partial(parse_tdmrep, source=fetched.url, lint=lint),
        notes,
        diagnostics,
        limit=MAX_TDMREP_BYTES,
        unreadable=TDMREP_UNREADABLE,
    )
    parsed, failed = found
    if failed is None or failed.availability is not Availability.UNREADABLE:
        return parsed
    prefix = parse_tdmrep(readable_prefix(fetched.body), source=fetched.url, lint=False).value
    if not prefix.rules:
        return None
    return replace(prefix, partial=f"one of the rules read whole from a file that {failed.reason}")
