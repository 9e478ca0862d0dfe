"""The live policy and everything rendered from it, cached per policy version.

Rendering happens once per (policy version, public origin), never per request: a request for
``/robots.txt`` is a dictionary lookup plus a conditional-request check (issue 3 section 5).
Each published file carries its version (``Heedful-Policy-Version``), a strong ``ETag`` from
its bytes, ``Last-Modified`` (when the version went live) and ``Cache-Control``, so crawlers
revalidate cheaply and see a new policy within ``MAX_AGE`` seconds (docs/site-policy.md).
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Final

from multidict import CIMultiDict, CIMultiDictProxy

from heedful.policies.licensing import Offer, site_offers
from heedful.policies.signals.removals import REMOVALS_PATH, Removal, render_removals
from heedful.policies.sitepolicy import VERSION_HEADER, RenderedSite, SitePolicy, render_site
from heedful.signalserver.store import aware, iso_seconds

MAX_AGE: Final = 300
CACHE_CONTROL: Final = f"public, max-age={MAX_AGE}, must-revalidate"
MAX_RENDERINGS: Final = 16
"""Origins rendered per version when no ``--base-url`` pins one (bounded: Host is untrusted)."""
MAX_HEADER_SETS: Final = 4096
MAX_HOSTS: Final = 1024
"""(scheme, Host header) pairs remembered per version (bounded: Host is untrusted)."""
MAX_PUBLISHED: Final = MAX_HOSTS * 8
"""(scheme, Host header, path) triples remembered per version: a few files per host."""
_HOST: Final = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?"
)

ROBOTS: Final = "/robots.txt"
AI_TXT: Final = "/ai.txt"
TDMREP: Final = "/.well-known/tdmrep.json"
JSON: Final = "application/json"


@dataclass(frozen=True, slots=True)
class Published:
    """One file as served: bytes plus every header, computed once per policy version.

    The headers are kept as the multidict aiohttp copies fastest, for the 200 and for the 304
    (which carries every validator but no ``Content-Type``), so answering costs no header
    building (issue 3 section 5).
    """

    body: bytes
    etag: str
    last_modified: datetime
    headers: CIMultiDictProxy[str]
    not_modified_headers: CIMultiDictProxy[str]


def publish(
    body: bytes, *, content_type: str, version: str | None, modified: datetime
) -> Published:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    modified = aware(modified).replace(microsecond=0)
    headers = {
        "Content-Type": content_type,
        "ETag": etag,
        "Last-Modified": format_datetime(modified, usegmt=True),
        "Cache-Control": CACHE_CONTROL,
    }
    if version is not None:
        headers[VERSION_HEADER] = version
    unchanged = {k: v for k, v in headers.items() if k != "Content-Type"}
    return Published(
        body,
        etag,
        modified,
        CIMultiDictProxy(CIMultiDict(headers)),
        CIMultiDictProxy(CIMultiDict(unchanged)),
    )


def not_modified(
    published: Published, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    """RFC 9110 13.1: If-None-Match wins over If-Modified-Since when both are sent."""
    if if_none_match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or published.etag in tags
    if if_modified_since is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False
        if since.tzinfo is None:
            return False
        return published.last_modified <= since
    return False


@dataclass(frozen=True, kw_only=True, slots=True)
class LivePolicy:
    """A stored policy version, validated and ready to render."""

    number: int
    text: str
    sha256: str
    created_at: datetime
    policy: SitePolicy

    @property
    def version(self) -> str:
        """``7-3f2a9c0d1e2b``: the history number and the text's hash (unique across servers)."""
        return f"{self.number}-{self.sha256[:12]}"


@dataclass(slots=True)
class Rendering:
    """One version rendered for one public origin."""

    live: LivePolicy
    site: RenderedSite
    files: dict[str, Published]
    offers: tuple[Offer, ...] = ()
    """The licences the policy sells at this origin (heedful.policies.licensing.site_offers)."""
    _headers: dict[tuple[str, str | None], tuple[tuple[str, str], ...]] = field(
        default_factory=dict
    )

    def headers_for(self, path: str, media_type: str | None) -> tuple[tuple[str, str], ...]:
        """The policy's per-path headers (Content-Usage, tdm-*, X-Robots-Tag, Link), memoised."""
        key = (path, media_type)
        found = self._headers.get(key)
        if found is None:
            if len(self._headers) >= MAX_HEADER_SETS:
                self._headers.clear()
            found = tuple(self.site.headers_for(path, media_type))
            self._headers[key] = found
        return found


def render(live: LivePolicy, base_url: str | None) -> Rendering:
    site = render_site(live.policy, version=live.version, base_url=base_url)

    files = {
        path: publish(
            body.encode(), content_type=content_type, version=live.version, modified=live.created_at
        )
        for path, (content_type, body) in site.files().items()
    }
    offers = site_offers(live.policy, site.base_url)
    return Rendering(live=live, site=site, files=files, offers=offers)


def request_origin(scheme: str, host: str) -> str | None:
    """The origin a client asked for, when its Host header is a plausible host name."""
    return f"{scheme}://{host.lower()}" if _HOST.fullmatch(host) else None


class PolicyState:
    """The live policy, its renderings and the published removals list (mutable, one per app).

    Made with the application, so the routes can hold it (signalserver/routes/files.py); it
    serves once the app has started and :meth:`replace` and :meth:`set_removals` have filled it.
    """

    live: LivePolicy
    removals_file: Published

    def __init__(self, *, base_url: str | None) -> None:
        self.base_url = base_url
        self._renderings: OrderedDict[str | None, Rendering] = OrderedDict()
        self._by_host: dict[tuple[str, str], Rendering] = {}
        self.published: dict[tuple[str, str, str], Published] = {}
        """(scheme, Host header, path) -> the file as served, for the live version: once a
        client's origin has been seen, answering is this one lookup (issue 11 section 4)."""
        self.removals: tuple[Removal, ...] = ()
        self.removals_generation = 0

    def replace(self, live: LivePolicy) -> None:
        """Make ``live`` the served policy; the old renderings go with the old version."""
        self.live = live
        self._renderings = OrderedDict()
        self._by_host = {}
        self.published = {}

    def for_request(self, scheme: str, host: str) -> Rendering:
        """The rendering a request for ``scheme://host`` gets: one dictionary lookup once seen.

        Checking the Host header and finding the rendering happen once per (scheme, Host) and
        policy version, not per request (issue 3 section 5).
        """
        found = self._by_host.get((scheme, host))
        if found is None:
            found = self.rendering(None if self.base_url else request_origin(scheme, host))
            if len(self._by_host) >= MAX_HOSTS:
                self._by_host.clear()
            self._by_host[scheme, host] = found
        return found

    def file_for(self, scheme: str, host: str, path: str) -> Published | None:
        """The file at ``path`` for ``scheme://host``, remembered in :attr:`published`."""
        found = self.for_request(scheme, host).files.get(path)
        if found is not None:
            if len(self.published) >= MAX_PUBLISHED:
                self.published.clear()
            self.published[scheme, host, path] = found
        return found

    def rendering(self, origin: str | None) -> Rendering:
        """The rendering for ``origin`` (ignored when a base URL is configured)."""
        key = self.base_url or origin
        found = self._renderings.get(key)
        if found is None or found.live is not self.live:
            found = render(self.live, key)
            self._renderings[key] = found
            while len(self._renderings) > MAX_RENDERINGS:
                self._renderings.popitem(last=False)
        return found

    def set_removals(self, removals: list[Removal], modified: datetime) -> None:
        self.removals = tuple(removals)
        self.removals_file = self._removals_file(self.removals, modified)
        self.removals_generation += 1

    def _removals_file(self, removals: tuple[Removal, ...], modified: datetime) -> Published:
        body = render_removals(list(removals), generated_at=iso_seconds(modified))
        return publish(body.encode(), content_type=JSON, version=None, modified=modified)


PUBLIC_FILES: Final = (ROBOTS, AI_TXT, TDMREP, REMOVALS_PATH)
