"""Documents a site points at but that do not deliver, and files the audit could not read.

``License:`` lines and ``Link rel=license`` must lead to a valid RSL document (RSL 1.0 section 4);
a ``tdm-policy`` must be fetchable, or the licence it stands for cannot be obtained (TDMRep, section
Expressing a TDM Policy). Each
finding quotes the pointing statement and what the fetch returned.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Final
from urllib.parse import urljoin

from heedful.policies.audit.findings import RULES, AuditInput, Evidence, Finding
from heedful.policies.audit.probe import Probe
from heedful.policies.diagnostics import Severity
from heedful.policies.fetch.statuses import Availability
from heedful.policies.headers import header_values
from heedful.policies.plural import counted
from heedful.policies.signals.read import SignalFile
from heedful.policies.signals.robots.lines import Key
from heedful.policies.signals.rsl.document import parse_rsl, rsl_link_urls

MAX_POLICIES: Final = 10
"""tdm-policy documents fetched per audit (each is one bounded request)."""
MAX_ERRORS_QUOTED: Final = 3


def policy_references(data: AuditInput) -> list[tuple[str, Evidence]]:
    """Every ``tdm-policy`` URL (resolved) with the statement naming it, first one per URL."""
    found: dict[str, Evidence] = {}
    tdm = data.site.tdmrep
    if tdm is not None:
        for rule in tdm.rules:
            if rule.policy and rule.reservation == 1:
                evidence = Evidence(
                    source=tdm.source, location=f"$[{rule.index}]", rule=rule.raw, line=rule.line
                )
                found.setdefault(urljoin(tdm.source, rule.policy), evidence)
    for page in data.fetched_pages():
        for value in header_values(page.headers, "tdm-policy"):
            if value.strip():
                evidence = Evidence(
                    source=page.url, location="header tdm-policy", rule=f"tdm-policy: {value}"
                )
                found.setdefault(urljoin(page.url, value.strip().strip('"')), evidence)
        metas = page.head.metas if page.head is not None else ()
        for meta in metas:
            if meta.name == "tdm-policy" and meta.content.strip():
                evidence = Evidence(
                    source=page.url,
                    location="meta[name=tdm-policy]",
                    rule=f'<meta name="tdm-policy" content="{meta.content}">',
                    line=meta.line,
                )
                found.setdefault(urljoin(page.url, meta.content.strip()), evidence)
    return list(found.items())[:MAX_POLICIES]


def license_references(data: AuditInput, probe: Probe) -> list[tuple[str, Evidence]]:
    """Every RSL URL named by robots.txt ``License:`` or a page's ``Link``/``<link>``."""
    found: dict[str, Evidence] = {}
    for line in probe.robots_outside:
        if line.key is Key.LICENSE and line.value:
            evidence = Evidence(
                source=probe.robots_url,
                location=f"line {line.number}",
                rule=line.text,
                line=line.number,
            )
            found.setdefault(urljoin(probe.robots_url, line.value), evidence)
    for page in data.fetched_pages():
        for url in rsl_link_urls(page.headers, base=page.url):
            value = next(iter(header_values(page.headers, "link")), "")
            found.setdefault(url, Evidence(source=page.url, location="header Link", rule=value))
        links = page.head.links if page.head is not None else ()
        for link in links:
            if "license" in link.rel.split() and "rsl" in link.type and link.href:
                rule = f'<link rel="{link.rel}" type="{link.type}" href="{link.href}">'
                evidence = Evidence(
                    source=page.url, location="link[rel=license]", rule=rule, line=link.line
                )
                found.setdefault(urljoin(page.url, link.href), evidence)
    return list(found.items())


def document_findings(data: AuditInput, probe: Probe) -> list[Finding]:
    """HF111 (licence not RSL), HF112/HF113 (tdm-policy unreachable or not JSON)."""
    out: list[Finding] = []
    for url, pointer in license_references(data, probe):
        fetched = data.file(url)
        if fetched is None:
            continue
        problem = _fetch_problem(fetched, url)
        if problem is None:
            parsed = parse_rsl(fetched.body, source=url)
            errors = [d for d in parsed.diagnostics if d.severity is Severity.ERROR]
            if errors or not parsed.value.contents:
                first = errors[0] if errors else parsed.diagnostics[0]
                problem = Evidence(
                    source=url, location=f"line {first.line}", rule=first.message, line=first.line
                )
        if problem is not None:
            out.append(
                Finding(
                    rule="HF111",
                    severity=RULES["HF111"].severity,
                    message=(
                        f"{pointer.location} names {url} as the RSL licence, but it is not a "
                        f"valid RSL document ({problem.rule}); crawlers cannot read the terms "
                        "(RSL 1.0 section 4)"
                    ),
                    evidence=(pointer, problem),
                )
            )
    for url, pointer in policy_references(data):
        fetched = data.file(url)
        if fetched is None:
            continue
        problem = _fetch_problem(fetched, url)
        rule = "HF112"
        if problem is None and not _is_json(fetched.body):
            rule = "HF113"
            problem = Evidence(source=url, location="body", rule="not a JSON document")
        if problem is not None:
            out.append(
                Finding(
                    rule=rule,
                    severity=_policy_severity(rule, fetched),
                    message=(
                        f"the tdm-policy {url} ({problem.rule}) cannot be read, so the licence "
                        "that lifts the reservation cannot be obtained (TDMRep, section Expressing a TDM Policy)"
                    ),
                    evidence=(pointer, problem),
                )
            )
    return out


def _policy_severity(rule: str, fetched: SignalFile) -> Severity:
    """HF112 is an error when the site answers that the policy is not there (a 4xx); when
    the fetch failed, timed out or the server erred (5xx, 429), the document may be fine and
    only unreachable from here, so it is a warning, like an unreachable signal file (HF301)."""
    transient = fetched.status is None or fetched.status == 429 or fetched.status >= 500
    return Severity.WARNING if rule == "HF112" and transient else RULES[rule].severity


def _fetch_problem(fetched: SignalFile, url: str) -> Evidence | None:
    if fetched.status is not None and 200 <= fetched.status < 300 and not fetched.error:
        return None
    where = f"status {fetched.status}" if fetched.status is not None else "fetch"
    return Evidence(source=url, location=where, rule=fetched.error or f"HTTP {fetched.status}")


def _is_json(body: bytes) -> bool:
    try:
        return isinstance(json.loads(body.decode("utf-8-sig")), dict | list)
    except (ValueError, RecursionError):
        return False


def file_findings(data: AuditInput) -> Iterator[Finding]:
    """HF301 (unreachable files), HF302 (errors in a file), HF303 (pages not fetched)."""
    site = data.site
    robots_url = urljoin(site.origin, "/robots.txt")
    outcome = site.robots_outcome
    if outcome.availability is Availability.UNREACHABLE:
        yield Finding(
            rule="HF301",
            severity=Severity.ERROR,
            message=f"{outcome.reason}: every crawler must stay out of the whole site",
            evidence=(_fetch_evidence(data.file(robots_url), robots_url, outcome.reason),),
        )
    for note in site.notes:
        yield Finding(
            rule="HF301",
            severity=RULES["HF301"].severity,
            message=f"{note.rule}; {note.note}",
            evidence=(Evidence(source=note.source, location=note.location, rule=note.rule),),
        )
    for source, diagnostics in site.diagnostics.items():
        errors = [d for d in diagnostics if d.severity is Severity.ERROR]
        if errors:
            yield Finding(
                rule="HF302",
                severity=RULES["HF302"].severity,
                message=(
                    f"{counted(len(errors), 'error')} in {source}; the lines concerned are ignored "
                    "(run heedful lint on the file for every finding)"
                ),
                evidence=tuple(
                    Evidence(source=source, location=f"line {d.line}", rule=d.message, line=d.line)
                    for d in errors[:MAX_ERRORS_QUOTED]
                ),
            )
    for url, page in data.pages:
        if page is None:
            yield Finding(
                rule="HF303",
                severity=RULES["HF303"].severity,
                message=(
                    f"{url} was not fetched: robots.txt keeps the auditor out, or the fetch "
                    "failed; its headers and meta are not audited"
                ),
                evidence=(Evidence(source=url, location="fetch", rule="not fetched"),),
            )


def _fetch_evidence(fetched: SignalFile | None, url: str, reason: str) -> Evidence:
    if fetched is None or fetched.status is None:
        return Evidence(source=url, location="fetch", rule=reason)
    return Evidence(source=url, location=f"status {fetched.status}", rule=reason)
