"""The PLUS "Data Mining" vocabulary (``plus:DataMining``) and what each value means per use.

IPTC Photo Metadata Standard 2023.1, property "Data Mining" (XMP ``plus:DataMining``, namespace
``http://ns.useplus.org/ldf/xmp/1.0/``), takes a value from the PLUS Coalition's controlled
vocabulary ``http://ns.useplus.org/ldf/vocab/DMI-...``. The mapping to Heedful's uses, and why
ambiguous values are read in the creator's favour, is in docs/decisions.md, Media-embedded
signals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from heedful.policies.model import Permission, Use

VOCAB_PREFIX: Final = "http://ns.useplus.org/ldf/vocab/"

_ALL_DENY: Final = MappingProxyType(dict.fromkeys(Use, Permission.DENY))


@dataclass(frozen=True, kw_only=True, slots=True)
class DataMiningValue:
    """One vocabulary value: its code, the label IPTC gives it, and its per-use meaning.

    ``exact`` values say what they mean for every use, so the evaluator must not spread them
    down the hierarchy (search is stated outright, never left to ``tdm_covers_search``).
    """

    code: str
    label: str
    uses: Mapping[Use, Permission]
    exact: bool = False
    see: str = ""
    """The property the value refers the reader to (``plus:OtherConstraints``...)."""


DATA_MINING: Final[tuple[DataMiningValue, ...]] = (
    DataMiningValue(code="DMI-UNSPECIFIED", label="Unspecified - no prohibition defined", uses={}),
    DataMiningValue(code="DMI-ALLOWED", label="Allowed", uses={Use.TDM: Permission.ALLOW}),
    DataMiningValue(
        code="DMI-PROHIBITED-AIMLTRAINING",
        label="Prohibited for AI/ML training",
        uses={Use.AI_TRAIN: Permission.DENY},
    ),
    DataMiningValue(
        code="DMI-PROHIBITED-GENAIMLTRAINING",
        label="Prohibited for Generative AI/ML training",
        uses={Use.GENAI_TRAIN: Permission.DENY},
    ),
    DataMiningValue(
        code="DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING",
        label="Prohibited except for search engine indexing",
        uses={**_ALL_DENY, Use.SEARCH: Permission.ALLOW},
        exact=True,
    ),
    DataMiningValue(code="DMI-PROHIBITED", label="Prohibited", uses=_ALL_DENY, exact=True),
    DataMiningValue(
        code="DMI-PROHIBITED-SEECONSTRAINT",
        label="Prohibited, see Other Constraints property",
        uses=_ALL_DENY,
        exact=True,
        see="plus:OtherConstraints",
    ),
    DataMiningValue(
        code="DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR",
        label="Prohibited, see Embedded Encoded Rights Expression property",
        uses=_ALL_DENY,
        exact=True,
        see="Iptc4xmpExt:EmbdEncRightsExpr",
    ),
    DataMiningValue(
        code="DMI-PROHIBITED-SEELINKEDRIGHTSEXPR",
        label="Prohibited, see Linked Encoded Rights Expression property",
        uses=_ALL_DENY,
        exact=True,
        see="Iptc4xmpExt:LinkedEncRightsExpr",
    ),
)
"""Every value of the vocabulary, in the order IPTC lists them."""

BY_CODE: Final[Mapping[str, DataMiningValue]] = MappingProxyType(
    {value.code: value for value in DATA_MINING}
)
PROHIBITED: Final = BY_CODE["DMI-PROHIBITED"]


def lookup(text: str) -> DataMiningValue | None:
    """The value ``text`` names: the vocabulary URI, the bare code, or either in another case
    (writers differ: ExifTool writes the URI, some tools the code, some ``DMI-Allowed``)."""
    code = text.strip()
    if code.lower().startswith(VOCAB_PREFIX):
        code = code[len(VOCAB_PREFIX) :]
    return BY_CODE.get(code.upper())
