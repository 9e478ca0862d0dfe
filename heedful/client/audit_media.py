"""``heedful audit URL --media``: the media files the audited pages link or embed, fetched
within bounds, each compared with what the site's live signals mean for the file's URL.

A file travels without its site: a copy found elsewhere is read by its embedded metadata alone.
So a photo whose IPTC ``plus:DataMining`` allows AI training on a site that reserves it hands
the permission to whoever finds the copy. The comparison is ``heedful lint``'s
(``heedful.policies.signals.media.lint.contradictions``), with the site's side taken from the signals the audit
read (robots.txt, TDMRep, ai.txt, the file's own response headers) instead of a policy file; a
use the site says nothing about is not compared. Fetching goes through :mod:`heedful.client.fetch`
with the audit's user agent and timeout; only same-origin files HeedfulBot may fetch are read,
at most ``max_files`` of them and ``max_bytes`` in all.

``heedful.policies.signals.media`` loads Pillow, mutagen, pypdf and the C2PA SDK, so it is imported only when
``--media`` is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Final
from urllib.parse import urldefrag, urljoin

from heedful.client.check import USER_AGENT
from heedful.client.fetch import fetch, make_session
from heedful.policies.agents import HEEDFUL_TOKEN
from heedful.policies.diagnostics import Severity
from heedful.policies.evaluate import evaluate
from heedful.policies.headers import header_values
from heedful.policies.model import Mode, Use, Verdict
from heedful.policies.origin import origin_of, same_origin
from heedful.policies.signals.read import SignalFile, read_page

if TYPE_CHECKING:
    from heedful.policies.audit.findings import AuditInput
    from heedful.policies.signals.read import SiteSignals

DEFAULT_MAX_FILES: Final = 20
MAX_FILES: Final = 200
"""Most files ``--max-media`` may ask for."""
DEFAULT_MAX_BYTES: Final = 64 * 1024 * 1024
"""All media bodies read by one audit together; each is also capped by ``MAX_MEDIA_BYTES``."""
EVERY_CRAWLER: Final = "*"
SAID_BY: Final = "what the site publishes"
EMBEDDING: Final = {
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "audio": ("src",),
    "video": ("src", "poster"),
    "embed": ("src",),
    "object": ("data",),
}
"""Elements that embed media, and the attributes naming it (HTML Living Standard, embedded
content); ``<a href>`` and ``<link href>`` count when the URL's extension names a media type."""


@dataclass(frozen=True, kw_only=True, slots=True)
class MediaFinding:
    """One disagreement (or unread part) of one file: its URL and the metadata field."""

    url: str
    field: str
    """Where in the file: ``XMP plus:DataMining``, ``Vorbis DATAMINING``...; ``""`` for the
    file as a whole."""
    severity: Severity
    code: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "url": self.url,
            "field": self.field,
            "severity": str(self.severity),
            "code": self.code,
            "message": self.message,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class MediaAudit:
    read: tuple[str, ...]
    """Media URLs fetched whole and read."""
    skipped: tuple[tuple[str, str], ...]
    """``(URL, why)`` of each linked file not read: over the count or byte budget, forbidden
    to HeedfulBot, another origin, not fetched whole, not media."""
    findings: tuple[MediaFinding, ...]

    @property
    def severities(self) -> list[Severity]:
        return [f.severity for f in self.findings]

    def as_dict(self) -> dict[str, object]:
        return {
            "read": list(self.read),
            "skipped": [{"url": url, "why": why} for url, why in self.skipped],
            "findings": [f.as_dict() for f in self.findings],
        }


class _Embedded(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.embedded: list[str] = []
        self.linked: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in EMBEDDING.get(tag, ()):
            value = values.get(name)
            if not value:
                continue
            if name == "srcset":
                # Each candidate is "URL [descriptor]" (HTML Living Standard, srcset).
                self.embedded.extend(c.split()[0] for c in value.split(",") if c.strip())
            else:
                self.embedded.append(value)
        if tag in ("a", "link") and values.get("href"):
            self.linked.append(values["href"] or "")


def media_urls(pages: Sequence[tuple[str, bytes]]) -> list[str]:
    """Every media URL the pages embed (``<img>``, ``<video>``...) or link with a media file
    extension, absolute and without fragment, in document order, once each."""
    from heedful.policies.signals.media import sniff
    from heedful.policies.signals.media.read import AUDIO_VIDEO, IMAGES

    media = IMAGES | AUDIO_VIDEO | {"application/pdf", "application/epub+zip"}
    found: dict[str, None] = {}
    for base, body in pages:
        parser = _Embedded()
        parser.feed(body.decode("utf-8", "replace"))
        parser.close()
        linked = [u for u in parser.linked if sniff(b"", urldefrag(u)[0]) in media]
        for candidate in (*parser.embedded, *linked):
            url = urldefrag(urljoin(base, candidate.strip()))[0]
            if url.startswith(("http://", "https://")):
                found.setdefault(url, None)
    return list(found)


def site_verdicts(
    site: SiteSignals,
    headers: tuple[tuple[str, str], ...],
    status: int | None,
    url: str,
    *,
    mode: Mode,
    tdm_covers_search: bool,
) -> dict[Use, Verdict]:
    """What the site's signals (its files and the file's own response headers) say for every
    crawler without a group of its own; uses no signal speaks of are left out. The body is
    not passed: a media file has no HTML ``<head>``, and its embedded statements are the other
    side of the comparison."""
    page = read_page(SignalFile(url=url, status=status, headers=headers, body=b""))
    out: dict[Use, Verdict] = {}
    for use in Use:
        decision = evaluate(
            site,
            page,
            url=url,
            agent=EVERY_CRAWLER,
            use=use,
            mode=mode,
            tdm_covers_search=tdm_covers_search,
            page_must_answer=False,
        )
        if use in decision.uses:
            out[use] = decision.verdict
    return out


async def audit_media(
    data: AuditInput,
    *,
    max_files: int = DEFAULT_MAX_FILES,
    max_bytes: int = DEFAULT_MAX_BYTES,
    fetch_timeout: float = 10.0,
    mode: Mode = Mode.OPT_OUT,
    tdm_covers_search: bool = False,
) -> MediaAudit:
    """Fetch and read the media the audited pages link or embed; report where a file's
    embedded statements contradict the site's signals for its URL."""
    from heedful.policies.signals.media import read_media
    from heedful.policies.signals.media.lint import contradictions
    from heedful.policies.signals.media.signals import MAX_MEDIA_BYTES

    bodies = [
        (fetched.url or page_url, fetched.body)  # links resolve against the page's final URL
        for page_url, _ in data.pages
        if (fetched := data.files.get(page_url)) is not None and fetched.body and _html(fetched)
    ]
    origin = origin_of(data.url)
    skipped: list[tuple[str, str]] = []
    wanted: list[str] = []
    for url in media_urls(bodies):
        if not same_origin(url, origin):
            skipped.append((url, "on another origin, whose signals the audit did not read"))
        elif (
            evaluate(data.site, None, url=url, agent=HEEDFUL_TOKEN, use=Use.SEARCH).access
            is not Verdict.ALLOW
        ):
            skipped.append((url, "robots.txt keeps HeedfulBot out"))
        elif len(wanted) >= max_files:
            skipped.append((url, f"past the first {max_files} files (--max-media)"))
        else:
            wanted.append(url)
    read: list[str] = []
    findings: list[MediaFinding] = []
    left = max_bytes
    async with make_session(user_agent=USER_AGENT) as session:
        # One file at a time, so that the byte budget holds exactly.
        for url in wanted:
            cap = min(MAX_MEDIA_BYTES, left)
            if cap <= 0:
                skipped.append((url, f"past the {max_bytes}-byte budget for media"))
                continue
            result = await fetch(
                session, url, timeout=fetch_timeout, max_bytes=cap, user_agent=USER_AGENT
            )
            left -= len(result.body)
            if not result.ok:
                skipped.append((url, f"not fetched ({result.error or result.status})"))
                continue
            if result.truncated:
                skipped.append((url, f"larger than the {cap} bytes left to read; not read whole"))
                continue
            content_type = header_values(result.headers, "content-type")
            signals = read_media(result.body, content_type[0] if content_type else url, source=url)
            site = site_verdicts(
                data.site,
                result.headers,
                result.status,
                url,
                mode=mode,
                tdm_covers_search=tdm_covers_search,
            )
            read.append(url)
            findings.extend(
                MediaFinding(url=url, field="", severity=d.severity, code=d.code, message=d.message)
                for d in signals.diagnostics
                if d.severity in (Severity.WARNING, Severity.ERROR)
            )
            findings.extend(
                MediaFinding(
                    url=url,
                    field=stmt.location,
                    severity=found.severity,
                    code=found.code,
                    message=found.message,
                )
                for stmt, found in contradictions(
                    signals, site, path=url, said_by=SAID_BY, tdm_covers_search=tdm_covers_search
                )
            )
    return MediaAudit(read=tuple(read), skipped=tuple(skipped), findings=tuple(findings))


def _html(fetched: SignalFile) -> bool:
    content_type = header_values(fetched.headers, "content-type")
    return not content_type or "html" in content_type[0].lower()
