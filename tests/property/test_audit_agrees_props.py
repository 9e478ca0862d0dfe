"""The tester agrees with the publisher (issue 16 section 2), over generated site policies.

Each policy is rendered, served on 127.0.0.1 (every file, and pages carrying the policy's
headers and ``<head>``), fetched by ``heedful audit``'s own client and audited: no finding may
be an error. Then each site-wide format is read alone, as a crawler that reads only that
format would: where the policy denies a use, no format may allow it.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, assume, given, settings

from heedful.client.audit import gather
from heedful.policies.audit.analysis import audit
from heedful.policies.audit.matrix import cell_value
from heedful.policies.diagnostics import Severity
from heedful.policies.evaluate import evaluate
from heedful.policies.model import Mode, Use, Verdict
from heedful.policies.signals.read import SignalFile, read_site
from heedful.policies.sitepolicy import intended, render_site
from heedful.policies.sitepolicy.model import SitePolicy
from heedful.policies.sitepolicy.resolve import may_fetch
from tests.audit.sites import LOCAL, Page, page, serve
from tests.property.test_sitepolicy_props import SAMPLE_PATHS, _publishable, _toml, policies

READER = "RandomCrawler"
"""A crawler with no group of its own: it reads what every crawler reads."""
FORMATS = ("/robots.txt", "/ai.txt", "/.well-known/tdmrep.json", "/license.xml")
PATHS = [*SAMPLE_PATHS, "/a/x.jpg", "/a/x.png", "/x.png", "/b/x.jpg"]


def _site(policy: SitePolicy) -> dict[str, Page]:
    rendered = render_site(policy, version="1")
    pages = {
        path: Page(body=body, content_type=ct) for path, (ct, body) in rendered.files().items()
    }
    for path in ("/", "/a/1", "/press/1"):
        pages[path] = Page(
            body=page(path, head=rendered.html_head_for(path)),
            headers=tuple(rendered.headers_for(path)),
        )
    return pages


def _owed_to_another(policy: SitePolicy, path: str, use: Use) -> bool:
    """Some ``[[agents]]`` crawler may do ``use`` at ``path`` although READER may not: formats
    with no per-crawler form publish its value, and robots.txt denies the rest
    (docs/site-policy.md "How each construct is published")."""
    return any(
        intended(policy, path=path, agent=rule.agent, use=use) is not Verdict.DENY
        for rule in policy.agents
    )


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(data=policies())
async def test_served_policy_audits_without_errors(data: dict[str, Any]) -> None:
    policy = _publishable(data)
    assume(policy is not None)
    assert policy is not None
    with serve({"site": _site(policy)}) as urls:
        fetched = await gather(urls["site"] + "/", sample=2, fetch_timeout=5, hosts=LOCAL)
    report = audit(fetched)
    errors = [f for f in report.findings if f.severity is Severity.ERROR]
    assert errors == [], _toml(data) + "\n" + "\n".join(f.message for f in errors[:3])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=policies())
def test_each_format_read_alone_never_allows_what_the_policy_denies(data: dict[str, Any]) -> None:
    policy = _publishable(data)
    assume(policy is not None)
    assert policy is not None
    rendered = render_site(policy, version="1")
    origin = rendered.base_url.rstrip("/")
    files = rendered.files()
    for only in FORMATS:
        if only not in files:
            continue
        content_type, body = files[only]
        one = SignalFile(
            url=origin + only,
            status=200,
            headers=(("Content-Type", content_type),),
            body=body.encode(),
        )
        absent = SignalFile(url=origin + "/robots.txt", status=404)
        site = read_site(
            origin,
            robots=one if only == "/robots.txt" else absent,
            tdmrep=one if only.endswith("tdmrep.json") else None,
            ai_txt=one if only == "/ai.txt" else None,
            licenses={one.url: one} if only == "/license.xml" else None,
        )
        for path in PATHS:
            if not may_fetch(policy, path=path, agent=READER):
                continue  # access is robots.txt's alone; no crawler fetches without reading it
            for use in Use:
                if use is Use.SEARCH and only.endswith("tdmrep.json"):
                    continue  # whether TDM reaches search is contested (docs/audit.md)
                if intended(policy, path=path, agent=READER, use=use) is not Verdict.DENY:
                    continue
                if only != "/robots.txt" and _owed_to_another(policy, path, use):
                    continue  # a per-crawler exception: only robots.txt groups can carry it
                decision = evaluate(site, None, url=origin + path, agent=READER, use=use,
                                    mode=Mode.OPT_OUT)  # fmt: skip
                assert cell_value(decision) != "allow", (
                    f"{only} alone allows {use} at {path}\n{_toml(data)}"
                )
