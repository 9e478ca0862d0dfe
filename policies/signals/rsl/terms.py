"""RSL ``<license>`` terms: the usage vocabulary, its hierarchy and the element reader/writer.

Kept apart from :mod:`heedful.policies.signals.rsl.document` (documents, scopes, discovery) so each module stays small.
Usage tokens and their hierarchy are RSL 1.0 section 3; the mapping onto Heedful uses is
Heedful's (docs/decisions.md, Each mechanism's own rules).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape, quoteattr

from heedful.policies.diagnostics import Diagnostic, Severity
from heedful.policies.model import Use

KIND: Final = "rsl"

USAGE_PARENT: Final[Mapping[str, str]] = {
    "ai-all": "all",
    "search": "all",
    "ai-train": "ai-all",
    "ai-input": "ai-all",
    "ai-index": "ai-all",
}
"""RSL 1.0 section 3: ``all`` ⊃ {``ai-all``, ``search``}; ``ai-all`` ⊃ {``ai-train``, ``ai-input``, ``ai-index``}."""

USAGES: Final = frozenset({"all", *USAGE_PARENT})

CATEGORY_USES: Final[Mapping[str, tuple[Use, ...]]] = {
    # ``all`` speaks for TDM and, explicitly, for search (a TDM answer reaches
    # search only under ``tdm_covers_search``). ``ai-index`` feeds AI answers, so it lands on
    # AI input and leaves the classic search column alone (docs/decisions.md, Each
    # mechanism's own rules).
    "all": (Use.TDM, Use.SEARCH),
    "ai-all": (Use.AI_TRAIN, Use.AI_INPUT),
    "ai-train": (Use.AI_TRAIN,),
    "ai-input": (Use.AI_INPUT,),
    "ai-index": (Use.AI_INPUT,),
    "search": (Use.SEARCH,),
}

DRAFT_USAGES: Final[Mapping[str, str]] = {
    "train-ai": "ai-train",
    "train-genai": "ai-train",
    "ai-training": "ai-train",
    "ai-summarize": "ai-input",
    "ai-use": "ai-input",
    "inference": "ai-input",
    "ai-inference": "ai-input",
    "ai-search": "ai-index",
}
"""Draft-era and AIPREF-style names seen in the wild (msoucy.me, the RSL guide).

Read only when prohibiting: a creator who wrote ``train-ai`` in ``<prohibits>`` meant no
training, but an unclear permit must not open anything (the reading that respects the creator).
"""

PAYMENTS: Final = frozenset(
    {"free", "purchase", "subscription", "training", "crawl", "use", "contribution", "attribution"}
)
FREE_PAYMENTS: Final = frozenset({"", "free", "attribution"})
"""Attribution is a duty, not a price: the use is free once credit is given (docs/decisions.md, Each mechanism's own rules)."""

_TOKEN_SPLIT: Final = re.compile(r"[\s,]+")
_DIMENSIONS: Final = ("usage", "user", "geo")


@dataclass(frozen=True, kw_only=True, slots=True)
class RslLicense:
    """One ``<license>``: usage/user/geo permits and prohibits plus payment and attribution.

    An empty ``permits_usage`` means there is no ``<permits type="usage">`` element: the licence
    permits every usage it does not prohibit (Heedful's reading of RSL 1.0 section 3). Tokens are
    kept as written.
    """

    permits_usage: tuple[str, ...] = ()
    prohibits_usage: tuple[str, ...] = ()
    permits_user: tuple[str, ...] = ()
    prohibits_user: tuple[str, ...] = ()
    permits_geo: tuple[str, ...] = ()
    prohibits_geo: tuple[str, ...] = ()
    payment_type: str = ""
    """``""`` when there is no ``<payment>`` element (free)."""
    amount: str = ""
    currency: str = ""
    standard: str = ""
    custom: str = ""
    copyright: str = ""
    copyright_type: str = ""
    copyright_email: str = ""
    copyright_url: str = ""
    terms: str = ""
    legal: tuple[tuple[str, str], ...] = ()
    """``(type, text)`` of each ``<legal>`` element, in order."""

    @property
    def free(self) -> bool:
        """No price asked (``free``, ``attribution`` or no ``<payment>``); ``server`` aside."""
        return self.payment_type.strip().lower() in FREE_PAYMENTS

    @property
    def conditional(self) -> bool:
        """Limited to users or countries the evaluator cannot know: read as licence terms."""
        return bool(
            self.permits_user or self.prohibits_user or self.permits_geo or self.prohibits_geo
        )


def canonical_usage(token: str, *, prohibiting: bool) -> str:
    """The 1.0 name of ``token``, ``""`` when it means nothing here."""
    token = token.strip().lower()
    if token in USAGES:
        return token
    return DRAFT_USAGES.get(token, "") if prohibiting else ""


def covers(tokens: tuple[str, ...], category: str, *, prohibiting: bool) -> bool:
    """Whether one of ``tokens`` names ``category`` or a usage that contains it (RSL 1.0 section 3)."""
    names = {canonical_usage(token, prohibiting=prohibiting) for token in tokens}
    node: str | None = category
    while node is not None:
        if node in names:
            return True
        node = USAGE_PARENT.get(node)
    return False


def split_tokens(text: str) -> tuple[str, ...]:
    """Space- and comma-separated tokens (RSL 1.0 section 3; msoucy.me writes ``train-ai, ai-summarize``)."""
    return tuple(token for token in _TOKEN_SPLIT.split(text.strip()) if token)


Lookup = Callable[[Element], str]
LineOf = Callable[[Element], int]


def _diag(severity: Severity, line: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(severity=severity, kind=KIND, line=line, code=code, message=message)


def _check_usages(tokens: tuple[str, ...], verb: str, line: int, out: list[Diagnostic]) -> None:
    for token in tokens:
        name = token.lower()
        if name in USAGES:
            continue
        if name in DRAFT_USAGES:
            effect = (
                f"read as {DRAFT_USAGES[name]!r}" if verb == "prohibits" else "not read in a permit"
            )
            msg = f"draft-era usage {token!r} ({effect}); RSL 1.0 says {DRAFT_USAGES[name]!r}"
            out.append(_diag(Severity.WARNING, line, "rsl-draft-token", msg))
        else:
            msg = f"unknown usage {token!r} in <{verb}> ignored"
            out.append(_diag(Severity.WARNING, line, "rsl-unknown-usage", msg))


def read_license(
    element: Element, local: Lookup, line_of: LineOf, out: list[Diagnostic]
) -> RslLicense:
    """Read one ``<license>`` element; unknown children become info diagnostics."""
    lists: dict[str, list[str]] = {}
    fields: dict[str, str] = {}
    legal: list[tuple[str, str]] = []
    for child in element:
        name, line = local(child), line_of(child)
        text = (child.text or "").strip()
        if name in ("permits", "prohibits"):
            dimension = child.get("type", "").strip().lower()
            if dimension not in _DIMENSIONS:
                msg = f'<{name} type="{dimension}"> is not usage, user or geo; read as usage'
                out.append(_diag(Severity.WARNING, line, "rsl-unknown-type", msg))
                dimension = "usage"
            tokens = split_tokens(text)
            if "," in text:
                msg = f"<{name}> separates tokens with commas"
                out.append(_diag(Severity.INFO, line, "rsl-comma-tokens", msg))
            if not tokens:
                msg = f"empty <{name} type={dimension!r}> read as absent"
                out.append(_diag(Severity.WARNING, line, "rsl-empty-list", msg))
            if dimension == "usage":
                _check_usages(tokens, name, line, out)
            lists.setdefault(f"{name}_{dimension}", []).extend(tokens)
        elif name == "payment":
            if "payment_type" in fields:
                msg = "a second <payment> in one <license> is ignored"
                out.append(_diag(Severity.WARNING, line, "rsl-duplicate-payment", msg))
                continue
            fields.update(_payment(child, local, line, out))
        elif name == "copyright":
            fields.update(read_copyright(child))
        elif name == "terms":
            fields["terms"] = text
        elif name == "legal":
            legal.append((child.get("type", "").strip(), text))
        else:
            msg = f"unexpected <{child.tag}> in <license> ignored"
            out.append(_diag(Severity.INFO, line, "rsl-unknown-element", msg))
    values: dict[str, Any] = {key: tuple(value) for key, value in lists.items()}
    values.update(fields)
    return RslLicense(**values, legal=tuple(legal))


def _payment(element: Element, local: Lookup, line: int, out: list[Diagnostic]) -> dict[str, str]:
    kind = element.get("type", "").strip()
    if not kind:
        msg = "<payment> without a type: read as a paid licence"
        out.append(_diag(Severity.WARNING, line, "rsl-payment-without-type", msg))
        kind = "unspecified"
    elif kind.lower() not in PAYMENTS:
        msg = f"unknown payment type {kind!r}: read as a paid licence"
        out.append(_diag(Severity.WARNING, line, "rsl-unknown-payment", msg))
    fields = {"payment_type": kind}
    for child in element:
        name = local(child)
        text = (child.text or "").strip()
        if name in ("standard", "custom"):
            fields[name] = text
        elif name == "amount":
            fields["amount"] = text
            fields["currency"] = child.get("currency", "").strip()
        else:
            msg = f"unexpected <{child.tag}> in <payment> ignored"
            out.append(_diag(Severity.INFO, line, "rsl-unknown-element", msg))
    return fields


def read_copyright(element: Element) -> dict[str, str]:
    """``<copyright type contactEmail contactUrl>holder</copyright>`` as dataclass fields."""
    return {
        "copyright": (element.text or "").strip(),
        "copyright_type": element.get("type", "").strip(),
        "copyright_email": element.get("contactEmail", "").strip(),
        "copyright_url": element.get("contactUrl", "").strip(),
    }


def render_text(tag: str, text: str) -> list[str]:
    """``<tag>text</tag>`` when there is text."""
    return [f"<{tag}>{escape(text)}</{tag}>"] if text else []


def render_copyright(holder: str, kind: str, email: str, url: str) -> list[str]:
    """The ``<copyright>`` element, when any part of it is set."""
    if not (holder or kind or email or url):
        return []
    attrs = "".join(
        f" {name}={quoteattr(value)}"
        for name, value in (("type", kind), ("contactEmail", email), ("contactUrl", url))
        if value
    )
    return [f"<copyright{attrs}>{escape(holder)}</copyright>"]


def render_license(lic: RslLicense) -> list[str]:
    """The lines of one ``<license>`` element (children indented by two spaces)."""
    rows: list[str] = []
    for verb in ("permits", "prohibits"):
        for dimension in _DIMENSIONS:
            tokens: tuple[str, ...] = getattr(lic, f"{verb}_{dimension}")
            if tokens:
                rows.append(f'<{verb} type="{dimension}">{escape(" ".join(tokens))}</{verb}>')
    if lic.payment_type:
        inner = render_text("standard", lic.standard) + render_text("custom", lic.custom)
        if lic.amount or lic.currency:
            currency = f" currency={quoteattr(lic.currency)}" if lic.currency else ""
            inner.append(f"<amount{currency}>{escape(lic.amount)}</amount>")
        kind = "" if lic.payment_type == "unspecified" else f" type={quoteattr(lic.payment_type)}"
        if inner:
            rows.append(f"<payment{kind}>")
            rows.extend("  " + row for row in inner)
            rows.append("</payment>")
        else:
            rows.append(f"<payment{kind}/>")
    rows += render_copyright(
        lic.copyright, lic.copyright_type, lic.copyright_email, lic.copyright_url
    )
    rows += render_text("terms", lic.terms)
    for kind, text in lic.legal:
        attr = f" type={quoteattr(kind)}" if kind else ""
        rows.append(f"<legal{attr}>{escape(text)}</legal>")
    return ["<license>", *("  " + row for row in rows), "</license>"]
