"""``heedful check`` on media: a local file, or a URL whose response is an image, audio, video,
PDF or EPUB. The reading and the deciding are ``heedful.policies.signals.media``'s; this module moves bytes and
prints.

``heedful.policies.signals.media`` loads Pillow, mutagen, pypdf and the C2PA SDK (about half a second), so it is
imported only once a target turns out to be media: ``heedful check URL`` on pages never pays.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

import aiohttp

from heedful.client.check import USER_AGENT, Checked
from heedful.client.fetch import fetch, make_session
from heedful.policies.headers import Headers, header_values
from heedful.policies.model import Decision, Mode, Use, Verdict

if TYPE_CHECKING:
    from heedful.policies.signals.media import MediaSignals

MEDIA_PREFIXES: Final = ("image/", "audio/", "video/")
MEDIA_TYPES: Final = frozenset({"application/pdf", "application/epub+zip", "application/rdf+xml"})
NOT_FETCHED_WHOLE: Final = (
    "the file could not be fetched whole again to read its metadata; what cannot be read is "
    "never read as permission"
)


def is_local_file(target: str) -> bool:
    """A target names a local file when it is not an http(s) URL and the file exists."""
    if target.lower().startswith(("http://", "https://")):
        return False
    return Path(target).is_file()


def is_media_response(headers: Headers) -> bool:
    """Whether a response's Content-Type is one the media readers read."""
    values = header_values(headers, "content-type")
    media_type = values[0].split(";")[0].strip().lower() if values else ""
    return media_type.startswith(MEDIA_PREFIXES) or media_type in MEDIA_TYPES


def read_local(path: str) -> MediaSignals:
    """Read at most one byte past the limit, so a huge file is refused without being loaded."""
    from heedful.policies.signals.media import read_media
    from heedful.policies.signals.media.signals import MAX_MEDIA_BYTES

    with Path(path).open("rb") as handle:
        data = handle.read(MAX_MEDIA_BYTES + 1)
    return read_media(data, path, source=path)


async def fetch_media(
    session: aiohttp.ClientSession, url: str, *, fetch_timeout: float, user_agent: str
) -> MediaSignals | None:
    """The whole response body read as media; ``None`` when it could not be fetched whole."""
    from heedful.policies.signals.media import read_media
    from heedful.policies.signals.media.signals import MAX_MEDIA_BYTES

    result = await fetch(
        session, url, timeout=fetch_timeout, max_bytes=MAX_MEDIA_BYTES, user_agent=user_agent
    )
    if not result.ok or result.truncated:
        return None
    content_type = header_values(result.headers, "content-type")
    return read_media(result.body, content_type[0] if content_type else url, source=url)


async def media_of(
    checked: Sequence[Checked], *, fetch_timeout: float
) -> dict[str, MediaSignals | None]:
    """The embedded signals of every checked URL whose response was media, fetched whole
    (the page check read only the first bytes); ``None`` for one that could not be, whose use
    is then unknown. URLs robots.txt forbids were never fetched and are not fetched now."""
    wanted = [c.url for c in checked if c.page is not None and is_media_response(c.page.headers)]
    if not wanted:
        return {}
    async with make_session(user_agent=USER_AGENT) as session:
        found = await asyncio.gather(
            *(
                fetch_media(session, url, fetch_timeout=fetch_timeout, user_agent=USER_AGENT)
                for url in wanted
            )
        )
    return dict(zip(wanted, found, strict=True))


@dataclass(frozen=True, slots=True)
class MediaCheck:
    """One media target: the file's own statements and, for a URL, the site's decision.

    ``signals`` is ``None`` for a URL whose body could not be fetched whole: the use is then
    ``unknown`` unless the site already denies it (docs/decisions.md, Signal files that cannot
    be read)."""

    target: str
    signals: MediaSignals | None
    decision: Decision | None = None

    def verdict(self, use: Use, *, mode: Mode, tdm_covers_search: bool) -> Verdict:
        from heedful.policies.signals.media import verdicts
        from heedful.policies.signals.media.layer import layer, unread_parts

        if self.decision is not None:
            return layer(
                self.decision,
                self.signals,
                source=self.target,
                unread="" if self.signals is not None else NOT_FETCHED_WHOLE,
                tdm_covers_search=tdm_covers_search,
            ).verdict
        if self.signals is None:
            return Verdict.UNKNOWN
        own = verdicts(self.signals.statements, mode=mode, tdm_covers_search=tdm_covers_search)[use]
        if own is not Verdict.DENY and unread_parts(self.signals):
            return Verdict.UNKNOWN
        return own

    def as_dict(self, use: Use, *, mode: Mode, tdm_covers_search: bool) -> dict[str, object]:
        """The JSON line: the asked use's verdict, the file's own verdict per use, and what the
        file says; for a URL also the site's decision (``site_verdict`` before the file)."""
        from heedful.policies.signals.media import verdicts

        statements = self.signals.statements if self.signals is not None else ()
        own = verdicts(statements, mode=mode, tdm_covers_search=tdm_covers_search)
        out: dict[str, object] = {}
        if self.decision is not None:
            out.update(self.decision.as_dict())
            out["site_verdict"] = str(self.decision.verdict)
        else:
            out.update({"path": self.target, "use": str(use), "mode": str(mode)})
        out["verdict"] = str(self.verdict(use, mode=mode, tdm_covers_search=tdm_covers_search))
        if self.signals is None:
            out["media"] = {"unread": NOT_FETCHED_WHOLE}
        else:
            out["media"] = {
                **self.signals.as_dict(),
                "verdicts": {str(u): str(v) for u, v in own.items()},
            }
        return out

    def to_json(self, use: Use, *, mode: Mode, tdm_covers_search: bool) -> str:
        return json.dumps(
            self.as_dict(use, mode=mode, tdm_covers_search=tdm_covers_search), ensure_ascii=False
        )
