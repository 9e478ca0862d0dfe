"""What a site serves to each class of agent, compared: declared versus enforced.

A checker that fetches with one User-Agent sees one version of a site. Sites and their CDNs
answer by User-Agent: a different robots.txt for audit tools than for crawlers (cloaking), a
403 or 402 for one class only, signals sent to one class only, a CDN's managed robots.txt block
put in front of the origin's own rules. ``heedful audit --probe-agents`` fetches robots.txt and
a few pages as each class; this module says where the answers differ (docs/audit.md, HF4xx).

Every probe names itself honestly: its product token says it is Heedful's probe and which class
it stands for, so a site that answers it differently chose to. ``--as TOKEN`` (a site owner's
own audit) adds a probe carrying a real crawler's token.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final
from urllib.parse import urljoin

from policies.agents import HEEDFUL_TOKEN, known_agents
from policies.audit_model import Evidence, Finding
from policies.diagnostics import Severity
from policies.headers import Headers, header_values, media_type_of
from policies.html import HeadMeta, parse_html_head
from policies.robots import parse_robots
from policies.site import PageSignals, SignalFile


class ProbeClass(StrEnum):
    """The kinds of agent a site may answer differently."""

    TRAINING = "training"
    AI_INPUT = "ai-input"
    SEARCH = "search"
    UNKNOWN = "unknown-bot"
    BROWSER = "browser"


PROBE_TOKENS: Final[Mapping[ProbeClass, str]] = {
    ProbeClass.TRAINING: f"{HEEDFUL_TOKEN}-Probe-Training",
    ProbeClass.AI_INPUT: f"{HEEDFUL_TOKEN}-Probe-AIInput",
    ProbeClass.SEARCH: f"{HEEDFUL_TOKEN}-Probe-Search",
    ProbeClass.UNKNOWN: f"{HEEDFUL_TOKEN}-Probe-Unknown",
    ProbeClass.BROWSER: f"{HEEDFUL_TOKEN}-Probe-Browser",
}
"""Each probe's product token: Heedful's, then the class it stands for."""

_STANDS_FOR: Final[Mapping[ProbeClass, str]] = {
    ProbeClass.TRAINING: "an AI training crawler",
    ProbeClass.AI_INPUT: "an AI input or AI search agent",
    ProbeClass.SEARCH: "a search engine crawler",
    ProbeClass.UNKNOWN: "an unknown bot",
    ProbeClass.BROWSER: "a browser",
}

SIGNAL_HEADERS: Final = (
    "content-signal",
    "content-usage",
    "x-robots-tag",
    "robots-tag",
    "tdm-reservation",
    "tdm-policy",
    "link",
)
"""Response headers that carry a statement about use (``Link`` for RSL licences)."""
SIGNAL_METAS: Final = frozenset({"robots", "tdm-reservation", "tdm-policy"})

MANAGED_BEGIN: Final = re.compile(
    r"^#\s*BEGIN\s+(.+?)\s+Managed\s+content\s*$", re.IGNORECASE | re.MULTILINE
)
MANAGED_END: Final = re.compile(
    r"^#\s*END\s+(.+?)\s+Managed\s+Content\s*$", re.IGNORECASE | re.MULTILINE
)
"""The comment lines a CDN puts around the robots.txt block it manages (Cloudflare's managed
robots.txt writes ``# BEGIN Cloudflare Managed content`` ... ``# END Cloudflare Managed
Content``)."""


def probe_user_agent(probe: ProbeClass | str, info_url: str) -> str:
    """The User-Agent a probe sends: honest about being Heedful's probe and what it stands for.

    A string (``--as GPTBot``) is a real crawler's token, sent as that crawler would name itself,
    with the probe named after it.
    """
    if isinstance(probe, ProbeClass):
        token = PROBE_TOKENS[probe]
        what = _STANDS_FOR[probe]
        if probe is ProbeClass.BROWSER:
            return (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
                f" Chrome/131.0 Safari/537.36 {token}/0.1 (+{info_url}; audit probe for {what})"
            )
        return f"Mozilla/5.0 (compatible; {token}/0.1; +{info_url}; audit probe for {what})"
    return f"Mozilla/5.0 (compatible; {probe}/1.0; +{info_url}; {HEEDFUL_TOKEN} audit probe)"


@dataclass(frozen=True, kw_only=True, slots=True)
class Served:
    """What one probe was served: robots.txt and each page it asked for, in order."""

    label: str
    """The class (``training``...) or the ``--as`` token."""
    user_agent: str
    robots: SignalFile
    pages: tuple[SignalFile, ...] = ()

    def robots_digest(self) -> str:
        """The status and SHA-256 of the body: what two probes compare."""
        if self.robots.status is None:
            return f"no answer ({self.robots.error or 'no response'})"
        return f"{self.robots.status} sha256:{hashlib.sha256(self.robots.body).hexdigest()[:16]}"

    def as_dict(self) -> dict[str, object]:
        return {
            "class": self.label,
            "user_agent": self.user_agent,
            "robots": self.robots_digest(),
            "pages": {page.url: page.status for page in self.pages},
        }


def signals_of(headers: Headers, metas: Sequence[HeadMeta] = ()) -> frozenset[str]:
    """``header name: value`` and ``meta name="content"`` of every statement a response carries."""
    found = {
        f"{name}: {value.strip()}"
        for name in SIGNAL_HEADERS
        for value in header_values(headers, name)
        if name != "link" or "license" in value.lower()
    }
    found.update(
        f'meta {meta.name}="{meta.content.strip()}"' for meta in metas if meta.name in SIGNAL_METAS
    )
    return frozenset(found)


def page_signals(page: SignalFile) -> frozenset[str]:
    """:func:`signals_of` a fetched response, its HTML head read when it is HTML."""
    content_type = next(iter(header_values(page.headers, "content-type")), "").lower()
    metas: Sequence[HeadMeta] = ()
    if page.body and ("html" in content_type or not content_type):
        metas = parse_html_head(page.body).value.metas
    return signals_of(page.headers, metas)


MARKDOWN: Final = "text/markdown"


def markdown_alternates(page: PageSignals) -> tuple[str, ...]:
    """The Markdown representations a page links to (``<link rel="alternate"
    type="text/markdown">``), absolute."""
    if page.head is None:
        return ()
    return tuple(
        dict.fromkeys(
            urljoin(page.url, link.href)
            for link in page.head.links
            if "alternate" in link.rel.split() and link.type.startswith(MARKDOWN) and link.href
        )
    )


def is_markdown(fetched: SignalFile) -> bool:
    """Whether a response is a Markdown representation (``Content-Type: text/markdown``)."""
    content_type = next(iter(header_values(fetched.headers, "content-type")), "")
    return fetched.status == 200 and media_type_of(content_type) == MARKDOWN


def markdown_findings(
    pages: Sequence[tuple[str, PageSignals | None]], markdown: Mapping[str, SignalFile]
) -> list[Finding]:
    """A Markdown representation whose signals differ from its HTML page's (HF405).

    Markdown has no ``<head>``: a crawler that reads the Markdown sees only its headers, so a
    reservation the HTML page makes in a meta element, or a header only one of them sends, does
    not reach it.
    """
    out: list[Finding] = []
    for url, page in pages:
        found = markdown.get(url)
        if page is None or found is None or not is_markdown(found):
            continue
        html = signals_of(page.headers, page.head.metas if page.head is not None else ())
        text = signals_of(found.headers)
        only_html, only_markdown = sorted(html - text), sorted(text - html)
        if not only_html and not only_markdown:
            continue
        parts = []
        if only_html:
            parts.append(f"the HTML page says {', '.join(only_html)} and the Markdown does not")
        if only_markdown:
            parts.append(f"the Markdown says {', '.join(only_markdown)} and the HTML page does not")
        out.append(
            Finding(
                rule="HF405",
                severity=Severity.WARNING,
                message=f"{'; '.join(parts)}: a crawler reading one representation is told"
                " otherwise than one reading the other",
                evidence=(
                    Evidence(source=url, location="HTML page", rule="; ".join(sorted(html))),
                    Evidence(source=found.url, location="Markdown", rule="; ".join(sorted(text))),
                ),
                paths=(url,),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class _Finding:
    rule: str
    severity: Severity
    message: str
    evidence: tuple[Evidence, ...] = field(default=())
    agents: tuple[str, ...] = field(default=())
    paths: tuple[str, ...] = field(default=())

    def build(self) -> Finding:
        return Finding(
            rule=self.rule,
            severity=self.severity,
            message=self.message,
            evidence=self.evidence,
            agents=self.agents,
            paths=self.paths,
        )


def served_findings(served: Sequence[Served]) -> list[Finding]:
    """Where the probes were answered differently: robots.txt, page status, signals."""
    if not served:
        return []
    out: list[Finding] = []
    robots_url = served[0].robots.url
    versions: dict[str, list[str]] = {}
    for probe in served:
        versions.setdefault(probe.robots_digest(), []).append(probe.label)
    if len(versions) > 1:
        described = "; ".join(
            f"{', '.join(labels)}: {digest}" for digest, labels in versions.items()
        )
        out.append(
            _Finding(
                "HF401",
                Severity.WARNING,
                f"robots.txt differs by User-Agent ({described}): a crawler that reads it with"
                " one User-Agent cannot see what the others are told (RFC 9309 section 2.3 names"
                " one file per origin)",
                (Evidence(source=robots_url, location="fetch", rule=described),),
                agents=tuple(p.label for p in served),
            ).build()
        )
    by_url: dict[str, list[tuple[str, SignalFile]]] = {}
    for probe in served:
        for page in probe.pages:
            by_url.setdefault(page.url, []).append((probe.label, page))
    for url, answers in by_url.items():
        statuses: dict[str, list[str]] = {}
        for label, page in answers:
            key = str(page.status) if page.status is not None else "no answer"
            statuses.setdefault(key, []).append(label)
        if len(statuses) > 1:
            described = "; ".join(f"{', '.join(labels)}: {s}" for s, labels in statuses.items())
            refused = any(s in ("401", "402", "403") for s in statuses)
            out.append(
                _Finding(
                    "HF402",
                    Severity.INFO if refused else Severity.WARNING,
                    f"the page answers differently by User-Agent ({described})"
                    + (
                        ": an access or licence control for some classes only, enforced, not"
                        " declared in any signal file"
                        if refused
                        else ""
                    ),
                    (Evidence(source=url, location="status", rule=described),),
                    agents=tuple(label for label, _ in answers),
                    paths=(url,),
                ).build()
            )
        signals = {label: page_signals(page) for label, page in answers if page.status == 200}
        every = set().union(*signals.values()) if signals else set()
        for statement in sorted(every):
            having = [label for label, found in signals.items() if statement in found]
            if len(having) < len(signals):
                missing = [label for label in signals if label not in having]
                out.append(
                    _Finding(
                        "HF403",
                        Severity.WARNING,
                        f"{statement!r} is sent to {', '.join(having)} but not to"
                        f" {', '.join(missing)}: a crawler of another class never reads it",
                        (Evidence(source=url, location="response", rule=statement),),
                        agents=tuple(having),
                        paths=(url,),
                    ).build()
                )
    out.extend(managed_robots_findings(served[0].robots))
    return out


def managed_robots_findings(robots: SignalFile) -> list[Finding]:
    """A CDN-managed block in robots.txt, and where it decides access otherwise than the
    origin's own rules would for a known AI crawler. Groups that name the same crawler are
    merged (RFC 9309 section 2.2.1), so where the two disagree the crawler obeys a combination
    that neither the CDN's block nor the origin's group says alone."""
    if robots.status != 200 or not robots.body:
        return []
    text = robots.body.decode("utf-8", "replace")
    begin = MANAGED_BEGIN.search(text)
    if begin is None:
        return []
    end = MANAGED_END.search(text, begin.end())
    managed = text[begin.start() : end.end() if end else len(text)]
    origin = text[: begin.start()] + (text[end.end() :] if end else "")
    vendor = begin.group(1)
    evidence = (Evidence(source=robots.url, location="managed block", rule=begin.group(0)),)
    found = [
        _Finding(
            "HF404",
            Severity.INFO,
            f"robots.txt holds a block managed by {vendor}: the CDN writes those rules, not the"
            " origin",
            evidence,
        ).build()
    ]
    managed_robots = parse_robots(managed, source=robots.url).value
    origin_robots = parse_robots(origin, source=robots.url).value
    named_managed = {name.lower() for name in managed_robots.named_agents()}
    named_origin = {name.lower() for name in origin_robots.named_agents()}
    overridden = [
        agent.token
        for agent in known_agents()
        if agent.token.lower() in named_managed
        and agent.token.lower() in named_origin
        and managed_robots.access(f"{robots.url.rsplit('/', 1)[0]}/", agent.token).allowed
        != origin_robots.access(f"{robots.url.rsplit('/', 1)[0]}/", agent.token).allowed
    ]
    if overridden:
        found.append(
            _Finding(
                "HF404",
                Severity.WARNING,
                f"the {vendor}-managed block decides access to / for {', '.join(overridden)}"
                " otherwise than the origin's own group for them; the groups are merged"
                " (RFC 9309 section 2.2.1), so neither says what the crawler obeys",
                evidence,
                agents=tuple(overridden),
            ).build()
        )
    return found
