"""heedful.policies.audit.analysis never raises, whatever the site's files say, and every finding is located."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from heedful.policies.audit.analysis import audit
from heedful.policies.audit.findings import RULES, AuditInput
from heedful.policies.signals.read import SignalFile, read_page, read_site

ORIGIN = "https://example.org"
LINES = st.sampled_from(
    [
        "User-agent: *", "User-agent: GPTBot", "User-agent: ClaudeBot", "Allow: /",
        "Disallow: /", "Disallow: /a/", "Content-Usage: train-ai=n", "Content-Usage: /a/ ai=n",
        "Content-Signal: ai-train=yes", "Content-Signal: search=no, ai-input=yes",
        "License: /license.xml", "Allow-AI: no", "Disallow-AI: /", "", "# comment", "garbage",
    ]
)  # fmt: skip
HEADERS = st.lists(
    st.sampled_from(
        [
            ("Content-Usage", "train-ai=y"), ("Content-Signal", "ai-train=no"),
            ("tdm-reservation", "0"), ("tdm-reservation", "1"), ("X-Robots-Tag", "noai, noml"),
            ("X-Robots-Tag", "gptbot: noindex"), ("tdm-policy", "/p.json"),
        ]
    ),
    max_size=4,
)  # fmt: skip
TDMREP = st.sampled_from(
    [b"", b"[]", b'[{"location": "/", "tdm-reservation": 0}]', b"{", b'[{"location": "/a/"}]']
)


@settings(max_examples=60, deadline=None)
@given(
    robots=st.one_of(st.lists(LINES, max_size=12).map("\n".join), st.text(max_size=200)),
    tdmrep=TDMREP,
    ai_txt=st.text(max_size=100),
    headers=HEADERS,
)
def test_audit_is_total(
    robots: str, tdmrep: bytes, ai_txt: str, headers: list[tuple[str, str]]
) -> None:
    files = {
        ORIGIN + "/robots.txt": SignalFile(
            url=ORIGIN + "/robots.txt", status=200, body=robots.encode()
        ),
        ORIGIN + "/.well-known/tdmrep.json": SignalFile(
            url=ORIGIN + "/.well-known/tdmrep.json", status=200 if tdmrep else 404, body=tdmrep
        ),
        ORIGIN + "/ai.txt": SignalFile(url=ORIGIN + "/ai.txt", status=200, body=ai_txt.encode()),
    }
    site = read_site(
        ORIGIN,
        robots=files[ORIGIN + "/robots.txt"],
        tdmrep=files[ORIGIN + "/.well-known/tdmrep.json"],
        ai_txt=files[ORIGIN + "/ai.txt"],
    )
    page = read_page(
        SignalFile(
            url=ORIGIN + "/a/1", status=200, headers=(("Content-Type", "text/html"), *headers)
        )
    )
    report = audit(
        AuditInput(site=site, url=ORIGIN + "/a/1", pages=((ORIGIN + "/a/1", page),), files=files)
    )
    for finding in report.findings:
        assert finding.rule in RULES
        assert finding.evidence, finding
        assert all(e.source for e in finding.evidence)
    assert [s.use for s in report.scores] == list(report.matrix.rows[0][1][0].decision.uses)
    assert all(0 <= s.total <= 100 for s in report.scores)
