"""C2PA Content Credentials: the training-and-data-mining assertion and the manifest's state.

C2PA Technical Specification 1.x, section "Training and Data Mining", defined the assertion
``c2pa.training-mining``; C2PA 2.0 removed it and the Creator Assertions Working Group
republished it as ``cawg.training-mining`` (CAWG Training and Data Mining Assertion 1.0). Both
hold ``entries`` keyed by category (``*.data_mining``, ``*.ai_inference``, ``*.ai_training``,
``*.ai_generative_training``), each with ``use`` = ``allowed`` / ``notAllowed`` / ``constrained``
and an optional ``constraint_info``. Both labels are read, as are entries written at the top
level (early CAWG drafts were unclear about the ``entries`` wrapper).

The manifest is read with the C2PA SDK (``c2pa-python``) from bytes in memory, with every
network fetch turned off (remote manifests, OCSP): the core does no I/O. A manifest that fails
validation may have been altered, so its permissions are dropped; its reservations still count
(docs/decisions.md, Media-embedded signals).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import c2pa

from heedful.policies.diagnostics import Diagnostic, Severity
from heedful.policies.model import (
    LicenseOffer,
    Permission,
    Signal,
    Statement,
    Use,
    most_restrictive,
)
from heedful.policies.signals.media.signals import ManifestState, diagnostic

KIND: Final = "c2pa"
LABELS: Final = ("cawg.training-mining", "c2pa.training-mining")
CATEGORIES: Final[Mapping[str, Use]] = {
    "data_mining": Use.TDM,
    "ai_inference": Use.AI_INPUT,
    "ai_training": Use.AI_TRAIN,
    "ai_generative_training": Use.GENAI_TRAIN,
}
"""CAWG Training and Data Mining Assertion 1.0, section Entries: the category suffix of a
``cawg.``/``c2pa.`` entry key and the Heedful use it speaks for."""

USE_VALUES: Final[Mapping[str, Permission]] = {
    "allowed": Permission.ALLOW,
    "notAllowed": Permission.DENY,
    "constrained": Permission.LICENSE,
}

_LABEL: Final = re.compile(r"(?:cawg|c2pa)\.training-mining(?:\.v\d+)?(?:__\d+)?")
"""The assertion label, with the version suffix and the instance suffix C2PA labels may carry
(C2PA Technical Specification 2.1, section Labels: ``.v2``, ``__1``)."""
_NO_NETWORK: Final = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}


@dataclass(frozen=True, kw_only=True, slots=True)
class CredentialFacts:
    statements: tuple[Statement, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    state: ManifestState = ManifestState.NONE


def might_hold_manifest(data: bytes) -> bool:
    """Whether the bytes can hold a C2PA manifest store at all: every embedding (JUMBF in JPEG
    APP11, PNG ``caBX``, ISO BMFF ``uuid``, RIFF ``C2PA``, PDF embedded file) carries the
    ``c2pa`` JUMBF label, so a file without those bytes is not handed to the SDK."""
    return b"c2pa" in data or b"C2PA" in data


def read_credentials(
    data: bytes,
    media_type: str,
    *,
    source: str,
    trust_anchors: str = "",
    header: bytes | None = None,
) -> CredentialFacts:
    """The training-and-data-mining statements of the active manifest, and its state.

    ``trust_anchors`` (PEM) are the roots whose signers make a manifest ``trusted``; without
    them a manifest with an intact signature is ``valid``. ``header`` is the part of ``data``
    a manifest store must sit in when the format says so (a JPEG's segments before its first
    scan), searched instead of the whole file.
    """
    if not might_hold_manifest(data if header is None else header):
        return CredentialFacts()
    settings: dict[str, Any] = dict(_NO_NETWORK)
    if trust_anchors:
        settings["trust"] = {"trust_anchors": trust_anchors}
    try:
        context = c2pa.Context(c2pa.Settings.from_dict(settings))
        reader = c2pa.Reader.try_create(media_type or None, io.BytesIO(data), None, context)
        if reader is None:
            return CredentialFacts()
        with reader:
            store = json.loads(reader.json())
    except (c2pa.C2paError, ValueError, TypeError, KeyError, OSError) as exc:
        return _unreadable(exc)
    if not isinstance(store, dict):
        return _unreadable(TypeError("manifest store is not an object"))
    return _from_store(store, source=source)


def _unreadable(exc: Exception) -> CredentialFacts:
    message = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    if "ManifestNotFound" in type(exc).__name__ or "NotSupported" in type(exc).__name__:
        return CredentialFacts()
    return CredentialFacts(
        diagnostics=(
            diagnostic(
                KIND,
                "c2pa-unreadable",
                f"C2PA data present but not readable ({message}); no statement read",
                severity=Severity.ERROR,
            ),
        )
    )


def _state(store: Mapping[str, Any]) -> ManifestState:
    state = str(store.get("validation_state") or "").lower()
    if state == "trusted":
        return ManifestState.TRUSTED
    if state == "valid":
        return ManifestState.VALID
    return ManifestState.INVALID


def _from_store(store: Mapping[str, Any], *, source: str) -> CredentialFacts:
    """Read the active manifest only: earlier manifests describe ingredients, whose rights the
    new asset's author has restated (or not) in their own claim."""
    manifests = store.get("manifests")
    active = store.get("active_manifest")
    if not isinstance(manifests, dict) or not isinstance(active, str) or active not in manifests:
        msg = "C2PA manifest store without an active manifest; nothing read"
        return CredentialFacts(diagnostics=(diagnostic(KIND, "c2pa-no-active-manifest", msg),))
    state = _state(store)
    failures = [
        str(item.get("code"))
        for item in store.get("validation_status") or []
        if isinstance(item, dict) and str(item.get("code")) != "signingCredential.untrusted"
    ]
    diagnostics: list[Diagnostic] = []
    if state is ManifestState.INVALID:
        diagnostics.append(
            diagnostic(
                KIND,
                "c2pa-invalid",
                "C2PA manifest failed validation ("
                + (", ".join(failures[:5]) or "no reason given")
                + "): its reservations count, its permissions do not",
            )
        )
    manifest = manifests[active]
    statements: list[Statement] = []
    assertions = manifest.get("assertions") if isinstance(manifest, dict) else None
    for assertion in assertions if isinstance(assertions, list) else []:
        if not isinstance(assertion, dict):
            continue
        label = str(assertion.get("label", ""))
        if not _LABEL.fullmatch(label):
            continue
        stmt = _statement(label, assertion.get("data"), state, source=source, out=diagnostics)
        if stmt is not None:
            statements.append(stmt)
    return CredentialFacts(
        statements=tuple(statements), diagnostics=tuple(diagnostics), state=state
    )


def _statement(
    label: str, data: object, state: ManifestState, *, source: str, out: list[Diagnostic]
) -> Statement | None:
    if not isinstance(data, dict):
        out.append(diagnostic(KIND, "c2pa-assertion-malformed", f"{label} has no data object"))
        return None
    entries = data.get("entries", data)
    if not isinstance(entries, dict):
        out.append(diagnostic(KIND, "c2pa-assertion-malformed", f"{label} entries is not a map"))
        return None
    found: dict[Use, Permission] = {}
    offers: list[LicenseOffer] = []
    notes: list[str] = []
    for key, entry in entries.items():
        category = str(key).split(".", 1)[-1] if "." in str(key) else ""
        use = CATEGORIES.get(category)
        if use is None or not str(key).startswith(("cawg.", "c2pa.")):
            continue
        permission, offer, note = _entry(str(key), entry, out)
        if permission is Permission.ALLOW and state is ManifestState.INVALID:
            notes.append(f"{key} allowed: ignored, the manifest is invalid")
            continue
        found[use] = most_restrictive(found.get(use, Permission.UNKNOWN), permission)
        if offer is not None:
            offers.append(offer)
        if note:
            notes.append(note)
    # The categories are separate in CAWG: ``ai_training`` is non-generative training, which
    # Heedful's ``ai-train`` (all training) contains; so ``ai-train`` is the stricter of the two
    # training entries when both are stated, and nothing is spread down the hierarchy.
    if Use.AI_TRAIN in found and Use.GENAI_TRAIN in found:
        found[Use.AI_TRAIN] = most_restrictive(found[Use.AI_TRAIN], found[Use.GENAI_TRAIN])
    if state is not ManifestState.NONE:
        notes.insert(0, f"manifest {state}")
    return Statement(
        signal=Signal.C2PA,
        source=source,
        location=f"C2PA {label}",
        rule=json.dumps(entries, separators=(",", ":"), sort_keys=True, ensure_ascii=False)[:2000],
        uses=found,
        offer=offers[0] if offers else None,
        note="; ".join(notes),
        exact=True,
    )


def _entry(
    key: str, entry: object, out: list[Diagnostic]
) -> tuple[Permission, LicenseOffer | None, str]:
    """One entry's meaning. ``constrained`` is "not unconditionally allowed": absent further
    information it is ``notAllowed`` (CAWG Training and Data Mining Assertion 1.0, section
    Entries); with a URL in ``constraint_info`` it is a licence offer."""
    if not isinstance(entry, dict):
        out.append(
            diagnostic(KIND, "c2pa-entry-malformed", f"{key} is not a map; read as notAllowed")
        )
        return Permission.DENY, None, f"{key} malformed, read as notAllowed"
    use = entry.get("use")
    permission = USE_VALUES.get(str(use)) if use is not None else None
    if permission is None:
        out.append(
            diagnostic(
                KIND,
                "c2pa-entry-malformed",
                f"{key} use {use!r} is not allowed/notAllowed/constrained; read as notAllowed",
            )
        )
        return Permission.DENY, None, f"{key} use {use!r} read as notAllowed"
    if permission is not Permission.LICENSE:
        return permission, None, ""
    info = entry.get("constraint_info", entry.get("constraints_info", ""))
    info = info if isinstance(info, str) else ""
    if info.startswith(("https://", "http://")):
        return Permission.LICENSE, LicenseOffer(url=info, payment="constrained"), ""
    note = (
        f"{key} constrained"
        + (f": {info[:200]}" if info else " without constraint_info")
        + ", read as notAllowed"
    )
    return Permission.DENY, None, note
