"""``heedful audit`` findings for the signals of December 2026: the shared training-preference
group (HF114) and HTTP 402 offers in their three dialects (HF116, HF117).

docs/decisions.md, The shared training-preference token and HTTP 402 dialects, say how each is
read; these findings say where a site's files or pages use them, and where they misfire.
"""

from __future__ import annotations

from typing import Final

from heedful.policies.audit.findings import RULES, AuditInput, Evidence, Finding
from heedful.policies.audit.probe import Probe
from heedful.policies.signals.robots.document import parse_robots
from heedful.policies.signals.robots.training import TRAINING_PREFERENCE_TOKEN

TRAINING_CODES: Final = frozenset(
    {"training-group-shared", "training-group-unread", "training-group-contradicted"}
)
"""robots.txt diagnostics (policies.robots_checks) that become HF114."""


def training_group_findings(data: AuditInput, probe: Probe) -> list[Finding]:
    """HF114: a token group that also names a crawler, or holds lines no crawler reads."""
    raw = data.file(probe.robots_url)
    if raw is None or raw.status is None or not 200 <= raw.status < 300:
        return []
    lines = raw.body.decode("utf-8", "replace").splitlines()
    out: list[Finding] = []
    for diag in parse_robots(raw.body, source=probe.robots_url).diagnostics:
        if diag.code not in TRAINING_CODES:
            continue
        text = lines[diag.line - 1].strip() if 0 < diag.line <= len(lines) else ""
        out.append(
            Finding(
                rule="HF114",
                severity=RULES["HF114"].severity,
                message=f"{diag.message} (draft-kelley-aipref-training-preference-signal-00)",
                evidence=(
                    Evidence(
                        source=probe.robots_url,
                        location=f"line {diag.line}",
                        rule=text or f"User-agent: {TRAINING_PREFERENCE_TOKEN}",
                        line=diag.line,
                    ),
                ),
            )
        )
    return out


def payment_findings(data: AuditInput) -> list[Finding]:
    """HF116 for every page whose answer is a licence offer, HF117 when it is malformed."""
    out: list[Finding] = []
    for page in data.fetched_pages():
        control = page.access_control
        if control is None or control.offer is None:
            continue
        offer = control.offer
        evidence = (Evidence(source=page.url, location=control.location, rule=control.rule),)
        terms = ", ".join(
            f"{key} {value}"
            for key, value in offer.as_dict().items()
            if key not in {"url", "payment", "dialect", "problem"}
        )
        out.append(
            Finding(
                rule="HF116",
                severity=RULES["HF116"].severity,
                message=(
                    f"{control.rule}: a {offer.dialect} offer"
                    + (f" ({terms})" if terms else " without terms")
                    + "; recorded and refused, Heedful pays nothing (docs/decisions.md, HTTP 402"
                    " dialects)"
                ),
                evidence=evidence,
                paths=(page.url,),
            )
        )
        if offer.problem:
            out.append(
                Finding(
                    rule="HF117",
                    severity=RULES["HF117"].severity,
                    message=(
                        f"the {offer.dialect} challenge cannot be read whole: {offer.problem};"
                        " crawlers cannot tell what is asked, so none may take the content"
                    ),
                    evidence=evidence,
                    paths=(page.url,),
                )
            )
    return out


__all__ = ["payment_findings", "training_group_findings"]
