"""One site policy in, every machine-readable format out (docs/site-policy.md, issue 3 section 2).

Every format is written by its own writer in ``policies`` (render_robots, render_ai_txt,
render_tdmrep, render_rsl, render_content_usage, render_content_signal, render_tdmrep_headers,
render_robots_tag...); this module only decides *what* each says:

* formats every crawler reads (response headers, HTML ``<head>``, tdmrep.json, RSL, ai.txt)
  publish the *floor*: per path, the loosest value any crawler class is owed
  (:meth:`PolicyIndex.floor`), so they never deny a crawler something its override allows;
* each robots.txt group says its class's own values (``Content-Usage`` per path for search and
  AI training, ``Content-Signal`` for the whole site), which raises a class to ``deny`` where
  it is owed less than the floor. Combined most-restrictively (docs/decisions.md, Combining
  statements) every
  crawler reads exactly :func:`heedful.policies.sitepolicy.resolve.intended`;
* a licence requirement is published only by RSL and TDMRep (``tdm-policy``); the yes/no formats
  stay silent on a licensed use, because they would write it as a plain deny;
* every use is stated explicitly somewhere, so the verdict is the same in opt-out and consent
  mode (docs/decisions.md, Combining statements).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urljoin

from heedful.policies.licensing.offers import site_offers
from heedful.policies.model import Use
from heedful.policies.patterns import compile_pattern
from heedful.policies.signals.content_signal import render_content_signal
from heedful.policies.signals.content_usage import render_content_usage
from heedful.policies.signals.robots_tag import render_robots_meta, render_robots_tag
from heedful.policies.signals.tdmrep import render_tdmrep_headers, render_tdmrep_meta
from heedful.policies.sitepolicy.files import (
    CONTENT_SIGNALS_POLICY,
    ai_txt,
    plain,
    robots_txt,
    rsl_xml,
    tdm_pair,
    tdmrep_json,
)
from heedful.policies.sitepolicy.model import MediaRule, SitePolicy
from heedful.policies.sitepolicy.resolve import Vector, index_of
from heedful.policies.urlpath import canonical_path

__all__ = [
    "CONTENT_SIGNALS_POLICY",
    "LICENSE_PATH",
    "VERSION_HEADER",
    "RenderedSite",
    "ScopedHeaders",
    "render_site",
]

LICENSE_PATH: Final = "/license.xml"
VERSION_HEADER: Final = "Heedful-Policy-Version"
"""Carries the policy version on every response, tdmrep.json included (a JSON array has no room
for it without breaking TDMRep readers that expect only rule objects, TDMRep, section TDM File on the Origin Server)."""
RSL_TYPE: Final = "application/rsl+xml"
_VERSION: Final = re.compile(r"[A-Za-z0-9._:+-]{1,64}")


@dataclass(frozen=True, kw_only=True, slots=True)
class ScopedHeaders:
    """Headers for responses whose path matches ``pattern`` and whose type is ``media_type``."""

    pattern: str
    media_type: str | None
    """``image/png``, ``image/*``, or ``None`` for every other type."""
    headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class RenderedSite:
    """Every file of one policy version, plus the per-response headers and ``<head>`` elements."""

    version: str
    base_url: str
    robots_txt: str
    ai_txt: str
    tdmrep_json: str
    rsl_xml: str | None
    license_path: str = LICENSE_PATH
    policy: SitePolicy = field(repr=False, compare=False)

    @property
    def license_url(self) -> str | None:
        return urljoin(self.base_url, self.license_path) if self.rsl_xml is not None else None

    def files(self) -> dict[str, tuple[str, str]]:
        """Path -> (Content-Type, body) of every site-wide file to serve (RFC 9309; TDMRep; Spawning's ai.txt generator; RSL 1.0 section 4)."""
        out = {
            "/robots.txt": ("text/plain; charset=utf-8", self.robots_txt),
            "/ai.txt": ("text/plain; charset=utf-8", self.ai_txt),
            "/.well-known/tdmrep.json": ("application/json", self.tdmrep_json),
        }
        if self.rsl_xml is not None:
            out[self.license_path] = (f"{RSL_TYPE}; charset=utf-8", self.rsl_xml)
        return out

    def headers_for(self, path: str, media_type: str | None = None) -> tuple[tuple[str, str], ...]:
        """Response header fields for content at ``path`` (docs/site-policy.md "response headers")."""
        return self._headers(self._floor(path, media_type))

    def scoped_headers(self) -> tuple[ScopedHeaders, ...]:
        """The header table as web-server configuration needs it (``heedful export``).

        One row per path scope (``/p/`` prefixes and ``/p/*.ext$`` extension scopes, robots.txt
        pattern syntax) and media type (``image/png``, ``image/*`` or ``None`` for any other),
        most specific first: the first row whose pattern and type match a response gives
        exactly :meth:`headers_for`.
        """
        index = index_of(self.policy)
        types = [t for rule in self.policy.media for t in rule.types if not t.endswith("/*")]
        types += [t for rule in self.policy.media for t in rule.types if t.endswith("/*")]
        kinds: list[str | None] = [*dict.fromkeys(types), None]
        scopes: list[tuple[str, str, tuple[MediaRule, ...]]] = [
            (scope, scope, ()) for scope in index.scopes
        ]
        for ext in index.extensions():
            rules = tuple(rule for rule in self.policy.media if ext in rule.extensions)
            scopes += [(f"{scope}*.{ext}$", scope, rules) for scope in index.scopes]
        scopes.sort(key=lambda row: -compile_pattern(row[0]).priority)
        out = []
        for pattern, scope, ext_rules in scopes:
            for kind in kinds:
                by_type = [
                    rule
                    for rule in self.policy.media
                    if kind is not None
                    and (kind in rule.types or kind.split("/")[0] + "/*" in rule.types)
                ]
                values = index.published(scope, media=[*ext_rules, *by_type])
                out.append(
                    ScopedHeaders(pattern=pattern, media_type=kind, headers=self._headers(values))
                )
        return tuple(out)

    def _headers(self, values: Vector) -> tuple[tuple[str, str], ...]:
        out: list[tuple[str, str]] = []
        # vocab-08: ai-use is ai-input (section 4.2), so the header says it too.
        usage = render_content_usage(plain(values, (Use.AI_TRAIN, Use.AI_INPUT, Use.SEARCH)))
        if usage:
            out.append(("Content-Usage", usage))
        signal = render_content_signal(plain(values, (Use.SEARCH, Use.AI_INPUT, Use.AI_TRAIN)))
        if signal:
            out.append(("Content-Signal", signal))
        out.extend(render_tdmrep_headers(*self._tdm(values)).items())
        tag = render_robots_tag(
            plain(values, (Use.AI_TRAIN, Use.AI_INPUT, Use.SEARCH)), images=True
        )
        if tag:
            out.append(("X-Robots-Tag", tag))
        if self.license_url is not None:
            out.append(("Link", f'<{self.license_url}>; rel="license"; type="{RSL_TYPE}"'))
        out.append((VERSION_HEADER, self.version))
        return tuple(out)

    def html_head_for(self, path: str, media_type: str | None = "text/html") -> str:
        """The ``<meta>``/``<link>`` elements (docs/site-policy.md) for an HTML page at ``path``."""
        values = self._floor(path, media_type)
        rows = [render_robots_meta(plain(values, (Use.AI_TRAIN, Use.AI_INPUT, Use.SEARCH)))]
        rows.append(render_tdmrep_meta(*self._tdm(values)))
        if self.license_url is not None:
            href = html.escape(self.license_url, quote=True)
            rows.append(f'<link rel="license" type="{RSL_TYPE}" href="{href}">')
        return "\n".join(row for row in rows if row)

    def _floor(self, path: str, media_type: str | None) -> Vector:
        index = index_of(self.policy)
        canonical = canonical_path(path)
        return index.published(canonical, media=index.media_rules(canonical, media_type))

    def _tdm(self, values: Vector) -> tuple[int, str]:
        return tdm_pair(self.policy, values, self.license_url or "")


def render_site(policy: SitePolicy, *, version: str, base_url: str | None = None) -> RenderedSite:
    """Render every format for ``policy``; ``version`` is written into each file (or header)."""
    if not _VERSION.fullmatch(version) or "--" in version:
        raise ValueError(f"version {version!r}: use 1-64 of A-Z a-z 0-9 . _ : + - (no '--')")
    base = (base_url or policy.site.url).rstrip("/") + "/"
    index = index_of(policy)
    wants_rsl = policy.license is not None or bool(policy.offers)
    wants_rsl = wants_rsl or policy.defaults.attribution is not None
    wants_rsl = wants_rsl or any(rule.attribution for rule in policy.paths)
    license_url = urljoin(base, LICENSE_PATH) if wants_rsl else ""
    return RenderedSite(
        version=version,
        base_url=base,
        robots_txt=robots_txt(index, version, license_url),
        ai_txt=f"# Heedful policy version {version}\n" + ai_txt(index),
        tdmrep_json=tdmrep_json(index, license_url),
        rsl_xml=rsl_xml(index, version, site_offers(policy, base)) if wants_rsl else None,
        policy=policy,
    )
