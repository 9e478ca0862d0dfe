"""Legacy and vendor-invented AI directives: statements no current standard defines.

A site that writes ``Allow-AI: no`` in robots.txt, an old aipref label (``ai=n``, from
draft-ietf-aipref-vocab-01 to -04) or ``noml`` in X-Robots-Tag means something, but crawlers that
follow the standards read
nothing (or, for legacy labels, only a reservation). The audit points at each such line so the
owner can say it again in a current vocabulary (docs/site-policy.md).
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urljoin

from heedful.policies.audit.findings import RULES, AuditInput, Evidence, Finding, evidence_of
from heedful.policies.audit.probe import ANYONE, WILDCARD, Probe
from heedful.policies.headers import header_values
from heedful.policies.signals.content_usage import LEGACY_LABELS, parse_content_usage
from heedful.policies.signals.read import PageSignals
from heedful.policies.signals.robots.groups import agent_token
from heedful.policies.signals.robots.lines import NON_STANDARD_KEYS, Key, Line
from heedful.policies.signals.robots_tag import KNOWN_DIRECTIVES

AI_WORDS: Final = frozenset(
    {"ai", "ml", "llm", "llms", "gpt", "genai", "noai", "train", "training", "tdm", "dataset",
     "datasets", "scrape", "scraping", "crawlai", "aibot", "aibots", "noml", "notrain"}
)  # fmt: skip
"""Word segments that make an unknown directive an AI directive (``Allow-AI``, ``DisallowAITraining``)."""
VENDOR_ROBOTS_TAG: Final = frozenset({"noml"})
"""Known in the wild, defined by no standard; Heedful reads ``noml`` as ``noai`` (DeviantArt's noai and noimageai directives)."""

_SEGMENT: Final = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def words_of(name: str) -> list[str]:
    """``DisallowAITraining`` -> ``["disallow", "ai", "training"]``; ``allow-ai`` -> ``["allow", "ai"]``."""
    return [w.lower() for w in _SEGMENT.findall(name)]


def is_ai_word(name: str) -> bool:
    return bool(AI_WORDS.intersection(words_of(name))) or name.lower() in AI_WORDS


def legacy_findings(data: AuditInput, probe: Probe) -> list[Finding]:
    """HF108 (robots.txt directives), HF109 (legacy aipref labels), HF110 (robots tags)."""
    out: list[Finding] = []
    lines = [*probe.robots_outside, *(ln for g in probe.robots_groups for ln in g.lines)]
    for line in sorted(lines, key=lambda ln: ln.number):
        misread = line.key is not Key.OTHER and line.name.lower() != line.key.value
        if (misread or line.key is Key.OTHER) and line.name.lower() not in NON_STANDARD_KEYS:
            if is_ai_word(line.name):
                out.append(_robots_directive(data, probe, line))
        elif line.key is Key.CONTENT_USAGE:
            value = line.value
            if value.startswith("/"):
                parts = value.split(None, 1)
                value = parts[1] if len(parts) > 1 else ""
            labels = _legacy_labels(value)
            if labels:
                evidence = Evidence(
                    source=probe.robots_url,
                    location=f"line {line.number}",
                    rule=line.text,
                    line=line.number,
                )
                out.append(_legacy(evidence, labels))
    for page in data.fetched_pages():
        for index, value in enumerate(header_values(page.headers, "content-usage")):
            labels = _legacy_labels(value)
            if labels:
                location = "header Content-Usage" + (f" #{index + 1}" if index else "")
                out.append(
                    _legacy(Evidence(source=page.url, location=location, rule=value), labels)
                )
        out.extend(_robots_tags(page.url, page))
    return out


def _robots_directive(data: AuditInput, probe: Probe, line: Line) -> Finding:
    """The directive, and the rule a standards-following crawler applies instead at ``/``."""
    evidence = [
        Evidence(
            source=probe.robots_url,
            location=f"line {line.number}",
            rule=line.text,
            line=line.number,
        )
    ]
    group = next((g for g in probe.robots_groups if line in g.lines), None)
    robots = data.site.robots
    if group is not None and robots is not None:
        agent = group.agents[0].value
        agent = ANYONE if agent_token(agent) == WILDCARD else agent
        access = robots.access(urljoin(data.site.origin, "/"), agent)
        evidence.append(evidence_of(access.statement, data))
    return Finding(
        rule="HF108",
        severity=RULES["HF108"].severity,
        message=(
            f"{line.name!r} is not a robots.txt directive any standard defines; "
            + (
                f"Google-style parsers read it as {line.key.value!r} for every crawler of the "
                "group, not only AI ones (Google's parser, google/robotstxt robots.cc). "
                if line.key is not Key.OTHER
                else "crawlers ignore it (RFC 9309 2.2.4). "
            )
            + "Say it with Content-Usage, Content-Signal or a User-agent group for the AI "
            "crawlers (docs/site-policy.md)"
        ),
        evidence=tuple(evidence),
    )


def _legacy_labels(value: str) -> list[str]:
    if not value.strip():
        return []
    parsed = parse_content_usage(value)
    return [key for key in parsed.value.labels if key in LEGACY_LABELS]


def _legacy(evidence: Evidence, labels: list[str]) -> Finding:
    uses = tuple(dict.fromkeys(use for label in labels for use in LEGACY_LABELS[label]))
    return Finding(
        rule="HF109",
        severity=RULES["HF109"].severity,
        message=(
            f"legacy aipref label(s) {', '.join(labels)} from an old draft (the labels of draft-ietf-aipref-vocab-01 to -04): "
            "Heedful honours only their 'n' as a reservation, most readers ignore them; "
            "use the current vocabulary (train-ai, search)"
        ),
        evidence=(evidence,),
        uses=uses,
    )


def _robots_tags(url: str, page: PageSignals) -> list[Finding]:
    out: list[Finding] = []
    sources: list[tuple[Evidence, str]] = []
    for index, value in enumerate(header_values(page.headers, "x-robots-tag"), start=1):
        location = "header X-Robots-Tag" + (f"#{index}" if index > 1 else "")
        sources.append((Evidence(source=url, location=location, rule=value), value))
    if page.head is not None:
        for meta in page.head.metas:
            if meta.name == "robots" or (meta.name.isalpha() and meta.name.endswith("bot")):
                rule = f'<meta name="{meta.name}" content="{meta.content}">'
                where = f"meta[name={meta.name}]"
                sources.append(
                    (Evidence(source=url, location=where, rule=rule, line=meta.line), meta.content)
                )
    for evidence, value in sources:
        odd = []
        for member in value.split(","):
            directive = member.rsplit(":", 1)[-1].strip().lower()
            if directive in VENDOR_ROBOTS_TAG or (
                directive not in KNOWN_DIRECTIVES and directive and is_ai_word(directive)
            ):
                odd.append(directive)
        if odd:
            out.append(
                Finding(
                    rule="HF110",
                    severity=RULES["HF110"].severity,
                    message=(
                        f"{', '.join(odd)}: not a defined robots directive (Google's robots meta tag specification; DeviantArt's noai); "
                        "few crawlers read it. noai and noimageai are the conventions in use"
                    ),
                    evidence=(evidence,),
                )
            )
    return out
