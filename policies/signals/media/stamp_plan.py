"""What ``heedful stamp`` writes into one file: the policy's reservation as a PLUS Data Mining
value, and the rights fields, decided from the site policy for the path the file is published at.

IPTC Photo Metadata Standard 2023.1, property "Data Mining" (``plus:DataMining``) has one value
per file, from a fixed vocabulary that cannot say every combination a site policy can (AI input
alone, say). The value written is the narrowest one that reserves every use the policy reserves
(docs/decisions.md, Media-embedded signals): a copy read by its metadata alone is then never
more permissive than the site. It may be stricter, and the plan says so (``note``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from heedful.policies.model import Permission, Use, Verdict, apply_hierarchy
from heedful.policies.signals.media.plus import BY_CODE, VOCAB_PREFIX
from heedful.policies.sitepolicy.resolve import intended

if TYPE_CHECKING:
    from heedful.policies.sitepolicy.model import SitePolicy

EVERY_CRAWLER: Final = "*"


@dataclass(frozen=True, kw_only=True, slots=True)
class StampPlan:
    """The values one file gets; empty strings are not written."""

    path: str
    verdicts: dict[Use, Verdict]
    """What the policy means at ``path`` for every crawler without an override."""
    data_mining: str
    """The ``plus:DataMining`` vocabulary URI."""
    linked_rights: str = ""
    """``Iptc4xmpExt:LinkedEncRightsExpr`` URL: the terms under which a licensed use is granted."""
    other_constraints: str = ""
    rights: str = ""
    """``dc:rights`` (Copyright Notice), written only where the file states none."""
    credit: str = ""
    """``photoshop:Credit`` (Credit Line), written only where the file states none."""
    web_statement: str = ""
    """``xmpRights:WebStatement`` (Web Statement of Rights), written only where absent."""
    licensor: str = ""
    """``plus:Licensor/plus:LicensorName``, written only where absent."""
    licensor_url: str = ""
    tdm_reservation: str = "1"
    """TDMRep ``tdm:reservation`` (PDF XMP, EPUB OPF): ``0`` only where the policy allows TDM at
    ``path`` (its verdicts already read TDM as reserved where a use TDM covers is not allowed,
    ``heedful.policies.sitepolicy.resolve.tdm_reading``), so it never says less than the PLUS value."""
    tdm_policy: str = ""
    """TDMRep ``tdm:policy``: the licence terms, where TDM is licensed and the policy links them."""
    note: str = ""


_CANDIDATES: Final = (
    "DMI-ALLOWED",
    "DMI-PROHIBITED-GENAIMLTRAINING",
    "DMI-PROHIBITED-AIMLTRAINING",
    "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING",
    "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR",
    "DMI-PROHIBITED",
)
"""From the narrowest reservation to the broadest."""


def reserved_by(code: str) -> frozenset[Use]:
    """The uses a vocabulary value reserves as Heedful reads it (docs/decisions.md,
    Media-embedded signals, the IPTC Data Mining table)."""
    value = BY_CODE[code]
    uses = dict(value.uses) if value.exact else apply_hierarchy(value.uses)
    return frozenset(u for u, p in uses.items() if p in (Permission.DENY, Permission.LICENSE))


def data_mining_code(verdicts: dict[Use, Verdict], *, licence_url: str = "") -> tuple[str, str]:
    """The narrowest PLUS value that reserves every use ``verdicts`` does not allow, and a note
    when that value reserves more than the policy. The linked-rights value (a licence, not a
    refusal) is chosen only when some use is licensed and a licence URL is there to link."""
    reserved = frozenset(u for u, v in verdicts.items() if v is not Verdict.ALLOW)
    licensed = any(v is Verdict.LICENSE for v in verdicts.values())
    for code in _CANDIDATES:
        if code == "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR" and not (licensed and licence_url):
            continue
        covers = reserved_by(code)
        if reserved <= covers:
            return code, _stricter(covers - reserved)
    raise AssertionError("DMI-PROHIBITED reserves every use")  # pragma: no cover


def _stricter(extra: frozenset[Use]) -> str:
    if not extra:
        return ""
    names = ", ".join(str(u) for u in Use if u in extra)
    return (
        f"also reserves {names}, which the policy allows: the PLUS vocabulary has no narrower "
        "value that reserves everything the policy does"
    )


def plan_stamp(policy: SitePolicy, *, path: str, media_type: str | None = None) -> StampPlan:
    """The plan for a file published at ``path`` (a URL path, ``/photos/a.jpg``)."""
    verdicts = {
        use: intended(policy, path=path, agent=EVERY_CRAWLER, use=use, media_type=media_type)
        for use in Use
    }
    terms = policy.license
    licence_url = ""
    if terms is not None:
        licence_url = terms.terms or terms.server or ""
    code, note = data_mining_code(verdicts, licence_url=licence_url)
    holder = (terms.copyright if terms is not None else None) or policy.site.name
    contact = policy.site.contact
    return StampPlan(
        path=path,
        verdicts=verdicts,
        data_mining=VOCAB_PREFIX + code,
        linked_rights=licence_url if code == "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR" else "",
        rights=f"© {holder}",
        credit=policy.defaults.attribution or "",
        web_statement=policy.site.url,
        licensor=holder,
        licensor_url=contact if contact.startswith(("http://", "https://")) else policy.site.url,
        tdm_reservation="0" if verdicts[Use.TDM] is Verdict.ALLOW else "1",
        tdm_policy=licence_url if verdicts[Use.TDM] is Verdict.LICENSE else "",
        note=note,
    )
