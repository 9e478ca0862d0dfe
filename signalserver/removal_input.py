"""Reading a removal request (API JSON or the HTML form) into what is stored, or refusing it.

Whoever asks is a site visitor, not a developer: every problem is said in one plain sentence
they can act on, and every problem is said at once. A request may only name addresses on the
site's own origins (the policy's ``[site] url`` and the server's ``--base-url``): a list that
names another site's pages would be published as this site's word about them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from policies.model import Use
from policies.origin import BadURL, Origin, parse_origin
from policies.removals import AI_USES, withdrawn_uses
from signalserver import models
from signalserver.errors import ApiError

FIELDS: Final = ("urls", "url_prefix", "uses", "name", "contact", "relation", "text")
USE_WORDS: Final = {
    Use.TDM: "text and data mining",
    Use.AI_TRAIN: "AI training",
    Use.GENAI_TRAIN: "generative AI training",
    Use.AI_INPUT: "use as input to AI answers (grounding, retrieval)",
    Use.SEARCH: "search indexing",
}
"""How the form and the error sentences name each use (docs/decisions.md, Uses and their hierarchy)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class RemovalIn:
    """A request that passed every check: what :func:`signalserver.store.add_removal` stores."""

    urls: tuple[str, ...]
    prefix: bool
    uses: tuple[Use, ...]
    name: str
    contact: str
    relation: str
    text: str


class RemovalRefused(ApiError):
    """400 with every problem as ``{"field", "message"}``; the form shows the messages."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        message = (
            problems[0][1]
            if len(problems) == 1
            else f"The request was not sent: {len(problems)} things need fixing."
        )
        super().__init__(400, message, [{"field": f, "message": m} for f, m in problems])
        self.problems = [m for _, m in problems]


def origin_of(url: str) -> Origin | None:
    """``url``'s origin as :func:`policies.origin.parse_origin` reads it; ``None`` for no
    http(s) origin (the caller says so in a sentence)."""
    try:
        return parse_origin(url)
    except BadURL:
        return None


def origin_text(origin: Origin) -> str:
    """``scheme://host[:port]``, the default port left out."""
    return str(origin)


def site_origins(site_url: str, base_url: str | None) -> tuple[Origin, ...]:
    """The origins removals may name: the policy's site URL and the configured public URL."""
    found = (origin_of(url) for url in (site_url, base_url) if url)
    return tuple(dict.fromkeys(origin for origin in found if origin is not None))


def _said(url: str) -> str:
    return f"“{url[:80]}…”" if len(url) > 80 else f"“{url}”"


class _Reader:
    def __init__(self, origins: tuple[Origin, ...]) -> None:
        self.origins = origins
        self.problems: list[tuple[str, str]] = []

    def problem(self, field: str, message: str) -> None:
        self.problems.append((field, message))

    def address(self, field: str, value: str) -> str | None:
        """``value`` as stored (scheme and host lower-cased, default port and fragment
        dropped, an empty path made ``/``), or ``None`` after saying what is wrong."""
        url = value.strip()
        if len(url) > models.MAX_URL_CHARS:
            self.problem(field, f"{_said(url)} is longer than {models.MAX_URL_CHARS} characters.")
            return None
        origin = origin_of(url)
        if origin is None or "://" not in url or any(c.isspace() or ord(c) < 32 for c in url):
            self.problem(
                field,
                f"{_said(url)} is not a web address: give the whole address, starting with "
                "https:// or http://.",
            )
            return None
        parts = urlsplit(url)
        if parts.username is not None or parts.password is not None:
            self.problem(field, f"{_said(url)} contains a user name or password; leave it out.")
            return None
        if origin not in self.origins:
            sites = " or ".join(origin_text(o) for o in self.origins) or "this site"
            self.problem(
                field,
                f"{_said(url)} is not on this site: only addresses starting with {sites} can "
                "be removed here. Ask the other site to remove it.",
            )
            return None
        path = parts.path or "/"
        query = f"?{parts.query}" if parts.query else ""
        return f"{origin_text(origin)}{path}{query}"

    def text(self, field: str, value: object, *, limit: int, empty: str, long: str) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.problem(field, f"“{field}” must be text.")
            return ""
        value = value.strip()
        if not value and empty:
            self.problem(field, empty)
        elif len(value) > limit:
            self.problem(field, long.format(limit=limit))
        return value

    def targets(self, urls: object, prefix: object) -> tuple[tuple[str, ...], bool]:
        if urls is not None and not (
            isinstance(urls, list) and all(isinstance(u, str) for u in urls)
        ):
            self.problem("urls", "“urls” must be a list of web addresses.")
            return (), False
        if prefix is not None and not isinstance(prefix, str):
            self.problem("url_prefix", "“url_prefix” must be one web address.")
            return (), False
        named = [u for u in urls or () if u.strip()]
        start = (prefix or "").strip()
        if not named and not start:
            self.problem("urls", "Give at least one address (URL) of the work, or a URL prefix.")
            return (), False
        if named and start:
            self.problem(
                "url_prefix",
                "Give either addresses or one URL prefix, not both: send two requests if you "
                "need both.",
            )
            return (), False
        if start:
            found = self.address("url_prefix", start)
            return ((found,) if found else ()), True
        if len(named) > models.MAX_URLS:
            self.problem(
                "urls",
                f"One request can name at most {models.MAX_URLS} addresses ({len(named)} "
                "given): send the rest in another request, or use a URL prefix.",
            )
            return (), False
        found_urls = (self.address("urls", u) for u in named)
        return tuple(dict.fromkeys(u for u in found_urls if u)), False

    def uses(self, value: object) -> tuple[Use, ...]:
        if value is None:
            return AI_USES
        names = ", ".join(str(u) for u in Use)
        if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            self.problem("uses", f"“uses” must be a list of use names from: {names}.")
            return AI_USES
        if not value:
            self.problem(
                "uses",
                "Name at least one use to withdraw, or leave “uses” out to withdraw every AI use.",
            )
            return AI_USES
        known = {str(u): u for u in Use}
        for bad in dict.fromkeys(v for v in value if v.strip() not in known):
            self.problem(
                "uses", f"“{bad[:40]}” is not a use a removal can withdraw; the uses are {names}."
            )
        return withdrawn_uses(known[v.strip()] for v in value if v.strip() in known)


def read_removal(values: Mapping[str, object], *, origins: tuple[Origin, ...]) -> RemovalIn:
    """The request in ``values`` (decoded JSON, or the form's fields), or :class:`RemovalRefused`."""
    reader = _Reader(origins)
    for unknown in sorted(set(values) - set(FIELDS))[:5]:
        reader.problem(
            unknown[:40], f"A removal request has no field “{unknown[:40]}”; leave it out."
        )
    urls, prefix = reader.targets(values.get("urls"), values.get("url_prefix"))
    uses = reader.uses(values.get("uses"))
    name = reader.text(
        "name",
        values.get("name"),
        limit=models.MAX_NAME_CHARS,
        empty="Give your name.",
        long="Your name can be at most {limit} characters.",
    )
    contact = reader.text(
        "contact",
        values.get("contact"),
        limit=models.MAX_CONTACT_CHARS,
        empty="Give an email address or another way to reach you.",
        long="The contact details can be at most {limit} characters.",
    )
    if contact and len(contact) < 3:
        reader.problem("contact", "Give an email address or another way to reach you.")
    relation = reader.text(
        "relation",
        values.get("relation"),
        limit=models.MAX_RELATION_CHARS,
        empty="Say how you are related to the work, for example “I am the photographer”.",
        long="Your relation to the work can be at most {limit} characters.",
    )
    text = reader.text(
        "text",
        values.get("text"),
        limit=models.MAX_TEXT_CHARS,
        empty="",
        long="The message can be at most {limit} characters.",
    )
    if reader.problems:
        raise RemovalRefused(reader.problems)
    return RemovalIn(
        urls=urls,
        prefix=prefix,
        uses=uses,
        name=name,
        contact=contact,
        relation=relation,
        text=text,
    )
