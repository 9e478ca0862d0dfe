"""One call from already-fetched bytes to an explained decision, for tools that fetch themselves.

:func:`decide` wraps :func:`heedful.policies.signals.read.read_site`, :func:`heedful.policies.signals.read.read_page` and
:func:`heedful.policies.evaluate.evaluate`; callers deciding many URLs of one origin should call those
directly so the origin's files are parsed once.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urljoin, urlsplit

from heedful.policies.agents import HEEDFUL_TOKEN
from heedful.policies.evaluate import evaluate
from heedful.policies.headers import Headers
from heedful.policies.model import DEFAULT_AIPREF_DRAFT, AiprefDraft, Decision, Mode, Use
from heedful.policies.signals.read import (
    AI_TXT_PATH,
    ROBOTS_PATH,
    TDMREP_PATH,
    SignalFile,
    read_page,
    read_site,
)


def decide(
    url: str,
    *,
    agent: str = HEEDFUL_TOKEN,
    use: Use | str = Use.GENAI_TRAIN,
    mode: Mode | str = Mode.OPT_OUT,
    robots_txt: bytes | str | None = None,
    robots_status: int | None = 200,
    ai_txt: bytes | str | None = None,
    tdmrep_json: bytes | str | None = None,
    licenses: Mapping[str, bytes | str] | None = None,
    status: int | None = None,
    headers: Headers = (),
    body: bytes | str = b"",
    aipref_draft: AiprefDraft | str = DEFAULT_AIPREF_DRAFT,
) -> Decision:
    """Decide ``use`` of ``url`` from the files and response a caller already holds.

    A file given as ``None`` was absent (404). ``robots_status`` other than 2xx replaces the
    robots.txt body (``None`` = network failure, which denies). ``status=None`` means the URL
    itself was not fetched, so only site-wide files speak. ``aipref_draft`` (``07`` or ``08``,
    the default) is the aipref vocabulary revision ``Content-Usage`` is read under.
    """
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"

    def file(path: str, content: bytes | str | None, code: int | None = 200) -> SignalFile:
        target = urljoin(origin, path)
        if content is None and code is not None and 200 <= code < 300:
            return SignalFile(url=target, status=404)
        return SignalFile(url=target, status=code, body=_bytes(content or b""))

    site = read_site(
        origin,
        robots=file(ROBOTS_PATH, robots_txt, robots_status),
        tdmrep=file(TDMREP_PATH, tdmrep_json),
        ai_txt=file(AI_TXT_PATH, ai_txt),
        licenses={
            u: SignalFile(url=u, status=200, body=_bytes(doc))
            for u, doc in (licenses or {}).items()
        },
    )
    page = None
    if status is not None:
        page = read_page(SignalFile(url=url, status=status, headers=headers, body=_bytes(body)))
    return evaluate(
        site,
        page,
        url=url,
        agent=agent,
        use=Use(use),
        mode=Mode(mode),
        aipref_draft=AiprefDraft(aipref_draft),
    )


def _bytes(content: bytes | str) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content
