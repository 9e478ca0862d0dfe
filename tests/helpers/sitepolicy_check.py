"""Read a rendered site back with the policies readers and compare with what the owner meant.

Shared by the site-policy unit, property and export tests: the consistency property of issue 3
section 2 ("for every path/agent/use in a sample ... returns exactly the policy's decision, and
protego agrees with the rendered robots.txt").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin

from protego import Protego

from heedful.policies.evaluate import evaluate
from heedful.policies.model import Mode, Use, Verdict
from heedful.policies.signals.read import SignalFile, SiteSignals, read_page, read_site
from heedful.policies.sitepolicy import RenderedSite, SitePolicy, intended, may_fetch

HTML_TYPES = ("text/html", None)

Fetch = Callable[[str], SignalFile]
"""URL -> what a crawler would receive (status, headers, body)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Mismatch:
    path: str
    agent: str
    use: Use
    mode: Mode
    media_type: str | None
    expected: Verdict
    got: Verdict
    reasons: str

    def __str__(self) -> str:
        return (
            f"{self.path} agent={self.agent} use={self.use} mode={self.mode} "
            f"type={self.media_type}: intended {self.expected}, read {self.got}\n{self.reasons}"
        )


def rendered_fetch(rendered: RenderedSite) -> Fetch:
    """Serve ``rendered`` in memory: site files as files, anything else as a page."""
    files = rendered.files()

    def fetch(url: str) -> SignalFile:
        path = "/" + url.split("://", 1)[-1].split("/", 1)[-1] if "://" in url else url
        if path in files:
            content_type, body = files[path]
            return SignalFile(
                url=url, status=200, headers=(("Content-Type", content_type),), body=body.encode()
            )
        raise KeyError(path)

    return fetch


def page_file(rendered: RenderedSite, url: str, path: str, media_type: str | None) -> SignalFile:
    """A response for ``path`` carrying the rendered headers (and ``<head>`` for HTML)."""
    headers = [*rendered.headers_for(path, media_type)]
    body = b"\x89PNG..."
    if media_type in HTML_TYPES:
        head = rendered.html_head_for(path)
        body = f"<!doctype html><html><head>{head}<title>t</title></head><body>x</body></html>".encode()
        headers.append(("Content-Type", "text/html; charset=utf-8"))
    else:
        headers.append(("Content-Type", media_type))
    return SignalFile(url=url, status=200, headers=tuple(headers), body=body)


def read_rendered_site(origin: str, fetch: Fetch) -> SiteSignals:
    """Fetch robots.txt, tdmrep.json, ai.txt and every RSL document robots.txt names."""
    robots = fetch(urljoin(origin, "/robots.txt"))
    site = read_site(
        origin,
        robots=robots,
        tdmrep=fetch(urljoin(origin, "/.well-known/tdmrep.json")),
        ai_txt=fetch(urljoin(origin, "/ai.txt")),
    )
    licenses = {url: fetch(url) for url in (site.robots.license_urls if site.robots else ())}
    if not licenses:
        return site
    return read_site(
        origin,
        robots=robots,
        tdmrep=fetch(urljoin(origin, "/.well-known/tdmrep.json")),
        ai_txt=fetch(urljoin(origin, "/ai.txt")),
        licenses=licenses,
    )


def mismatches(
    policy: SitePolicy,
    rendered: RenderedSite,
    samples: Iterable[tuple[str, str, str | None]],
    *,
    site: SiteSignals | None = None,
    page: Callable[[str, str, str | None], SignalFile] | None = None,
    uses: Sequence[Use] = tuple(Use),
    modes: Sequence[Mode] = tuple(Mode),
) -> list[Mismatch]:
    """Every (path, agent, media type) x use x mode where the readers disagree with intended."""
    origin = rendered.base_url
    if site is None:
        site = read_rendered_site(origin, rendered_fetch(rendered))
    out: list[Mismatch] = []
    for path, agent, media_type in samples:
        url = urljoin(origin, path)
        response = (page or (lambda u, p, m: page_file(rendered, u, p, m)))(url, path, media_type)
        read = read_page(response, licenses=_page_licenses(site, response))
        for use in uses:
            expected = intended(policy, path=path, agent=agent, use=use, media_type=media_type)
            for mode in modes:
                decision = evaluate(site, read, url=url, agent=agent, use=use, mode=mode)
                if decision.verdict is not expected:
                    reasons = "\n".join(
                        f"  {r.signal} {r.location} {r.rule!r} -> {r.effect}"
                        for r in decision.reasons
                    )
                    out.append(
                        Mismatch(
                            path=path,
                            agent=agent,
                            use=use,
                            mode=mode,
                            media_type=media_type,
                            expected=expected,
                            got=decision.verdict,
                            reasons=reasons,
                        )
                    )
    return out


def _page_licenses(site: SiteSignals, response: SignalFile) -> Mapping[str, SignalFile]:
    # The page's Link header names the same document robots.txt names; the evaluator reads it
    # once (site.licenses), so nothing more needs fetching here.
    return {}


def protego_mismatches(
    policy: SitePolicy, robots_txt: str, origin: str, samples: Iterable[tuple[str, str]]
) -> list[str]:
    """(path, agent) pairs where protego's can_fetch differs from the policy's access."""
    parser = Protego.parse(robots_txt)
    out = []
    for path, agent in samples:
        expected = may_fetch(policy, path=path, agent=agent)
        if parser.can_fetch(urljoin(origin, path), agent) != expected:
            out.append(f"{path} {agent}: protego {not expected}, policy {expected}")
    return out
