"""W3C TDM Reservation Protocol (TDMRep): ``/.well-known/tdmrep.json``, headers and ``<meta>``.

``tdm-reservation: 1`` reserves text-and-data-mining rights (the EU DSM Art. 4(3) opt-out),
``0`` waives the reservation, anything else is a protocol error that leaves the value unset
(TDMRep, W3C CG Final Report, section Declaring the reservation of TDM Rights). The site-wide file
selects the FIRST matching rule in array order, not the longest (section TDM File on the Origin
Server); response headers and then ``<meta>`` supersede it, and absence never resets a value
(section Processing priority).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from heedful.policies.diagnostics import Diagnostic, ParseResult, Severity
from heedful.policies.headers import Headers, header_values
from heedful.policies.model import LicenseOffer, Permission, Signal, Statement, Use
from heedful.policies.patterns import PathPattern, compile_pattern
from heedful.policies.urlpath import canonical_path

MAX_TDMREP_BYTES: Final = 500 * 1024
"""The same cap as robots.txt (RFC 9309 section 2.5). A larger file is unreadable: only the
rules read whole before the cut (:func:`readable_prefix`) can decide a URL."""
UNREADABLE_CODES: Final = frozenset({"tdmrep-too-large", "tdmrep-invalid-json", "tdmrep-not-array"})
"""Diagnostics that mean no rule could be read: the file is unreadable, never "no statement"
(docs/decisions.md, Signal files that cannot be read)."""

KIND: Final = "tdmrep.json"
_KNOWN: Final = ("location", "tdm-reservation", "tdm-policy")
_MISSPELLINGS: Final = {
    "tdm_reservation": "tdm-reservation",
    "tdmreservation": "tdm-reservation",
    "tdm-reservations": "tdm-reservation",
    "tdm_policy": "tdm-policy",
    "tdmpolicy": "tdm-policy",
    "locations": "location",
    "path": "location",
}
"""Property names that are near misses of the three defined ones (compared lower-cased)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class TdmRule:
    """One ``{"location", "tdm-reservation", "tdm-policy"}`` object of the site-wide file."""

    location: str
    reservation: int
    """``1`` (reserved) or ``0`` (not reserved); invalid values never become a rule."""
    policy: str = ""
    index: int = field(default=-1, compare=False)
    """Position in the JSON array (``$[index]``); -1 for rules built in code."""
    line: int = field(default=0, compare=False)
    raw: str = field(default="", compare=False)
    """The object as compact JSON, keys in the site's order (``Statement.rule``)."""


def _meaning(
    reservation: int | None, policy: str
) -> tuple[dict[Use, Permission], LicenseOffer | None, str]:
    """Uses, offer and note for one reservation/policy pair (TDMRep, sections Declaring the
    reservation of TDM Rights and Expressing a TDM Policy, as Heedful reads them).

    A policy never lifts a reservation: it says how to obtain permission, so ``1`` with a
    policy is "denied unless licensed". ``tdm_covers_search`` in the evaluator decides whether
    the TDM answer reaches search; AI input is reached through TDM (docs/decisions.md, Uses and
    their hierarchy).
    """
    if reservation == 1 and policy:
        offer = LicenseOffer(url=policy, payment="tdm-policy")
        return {Use.TDM: Permission.LICENSE}, offer, ""
    if reservation == 1:
        return {Use.TDM: Permission.DENY}, None, ""
    if reservation == 0:
        note = (
            "tdm-policy ignored: reservation 0 (TDMRep, section Declaring the reservation of TDM Rights)"
            if policy
            else ""
        )
        return {Use.TDM: Permission.ALLOW}, None, note
    if policy:
        return {}, LicenseOffer(url=policy, payment="tdm-policy"), "tdm-policy without reservation"
    return {}, None, ""


@dataclass(frozen=True, kw_only=True, slots=True)
class TdmRepFile:
    """The rules of one origin's ``tdmrep.json``; empty when the file was unusable."""

    rules: tuple[TdmRule, ...] = ()
    source: str = "/.well-known/tdmrep.json"
    partial: str = ""
    """Why only the file's leading rules were read (cut off, too large, malformed after them);
    empty when the file was read whole. Shown on every statement those rules make."""
    _prepared: tuple[tuple[PathPattern, Statement], ...] = field(
        init=False, repr=False, compare=False
    )
    """Each rule's compiled location and the statement it makes, in file order."""

    def __post_init__(self) -> None:
        # Derived once from the rules, never changed: a frozen dataclass sets it this way.
        prepared = tuple(
            (compile_pattern(rule.location), self._statement(rule, position))
            for position, rule in enumerate(self.rules)
        )
        object.__setattr__(self, "_prepared", prepared)

    def statement(self, url: str) -> Statement | None:
        """The first rule whose location matches ``url`` (TDMRep, section TDM File on the Origin Server: first match, not longest)."""
        if not self._prepared:
            return None
        found = self.rule_index(canonical_path(url))
        return None if found is None else self._prepared[found][1]

    def rule_statement(self, index: int) -> Statement:
        """The statement the rule at ``index`` (in file order) makes."""
        return self._prepared[index][1]

    def rule_index(self, path: str) -> int | None:
        """The position of the first rule matching the canonical ``path``, or None."""
        for index, (pattern, _) in enumerate(self._prepared):
            if pattern.matches(path):
                return index
        return None

    def _statement(self, rule: TdmRule, position: int) -> Statement:
        uses, offer, note = _meaning(rule.reservation, rule.policy)
        if self.partial:
            note = f"{note}; {self.partial}" if note else self.partial
        index = rule.index if rule.index >= 0 else position
        return Statement(
            signal=Signal.TDMREP,
            source=self.source,
            location=f"$[{index}]",
            rule=rule.raw or _compact(_rule_object(rule)),
            uses=uses,
            offer=offer,
            note=note,
        )


def _json_type(value: object) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _rule_object(rule: TdmRule) -> dict[str, object]:
    obj: dict[str, object] = {"location": rule.location, "tdm-reservation": rule.reservation}
    if rule.policy:
        obj["tdm-policy"] = rule.policy
    return obj


def _element_lines(text: str) -> list[int]:
    """1-based line of each element of the top-level JSON array (text is valid JSON)."""
    lines: list[int] = []
    depth, line, in_string, escaped, expect = 0, 1, False, False, False
    for char in text:
        if char == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if expect and not char.isspace() and char != "]":
            lines.append(line)
            expect = False
        if char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth == 1 and char == "[":
                expect = True
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 1:
            expect = True
    return lines


def _decode(data: str | bytes, diagnostics: list[Diagnostic]) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        diagnostics.append(_diag(Severity.WARNING, line, "tdmrep-encoding", "not UTF-8"))
        return data.decode("utf-8-sig", errors="replace")


def _diag(severity: Severity, line: int, code: str, message: str, kind: str = KIND) -> Diagnostic:
    return Diagnostic(severity=severity, kind=kind, line=line, code=code, message=message)


def _reservation_value(
    value: object, line: int, where: str, diagnostics: list[Diagnostic], kind: str = KIND
) -> int | None:
    """``1``/``0``; ``"1"``/``"0"`` leniently (Heedful's reading of TDMRep, section TDM File on the Origin Server); else unset (TDMRep, section Declaring the reservation of TDM Rights)."""
    if type(value) is int and value in (0, 1):
        return value
    if isinstance(value, str) and value.strip() in ("0", "1"):
        diagnostics.append(
            _diag(
                Severity.WARNING,
                line,
                "tdmrep-string-value",
                f"{where}: tdm-reservation {value!r} should be the number {value.strip()}",
                kind,
            )
        )
        return int(value.strip())
    diagnostics.append(
        _diag(
            Severity.ERROR,
            line,
            "tdmrep-invalid-reservation",
            f"{where}: tdm-reservation {value!r} is neither 1 nor 0; treated as unset (TDMRep, section Declaring the reservation of TDM Rights)",
            kind,
        )
    )
    return None


def _check_keys(
    obj: dict[str, object], line: int, where: str, out: list[Diagnostic], *, unknown: bool = True
) -> None:
    for key in obj:
        if key in _KNOWN:
            continue
        meant = _MISSPELLINGS.get(key.lower()) or next((k for k in _KNOWN if k == key.lower()), "")
        if meant:
            msg = f"{where}: property {key!r} is not {meant!r} and is ignored"
            out.append(_diag(Severity.WARNING, line, "tdmrep-misspelled-property", msg))
        elif unknown:
            msg = f"{where}: unknown property {key!r} ignored"
            out.append(_diag(Severity.INFO, line, "tdmrep-unknown-property", msg))


def _read_rule(obj: object, index: int, line: int, diagnostics: list[Diagnostic]) -> TdmRule | None:
    where = f"$[{index}]"
    if not isinstance(obj, dict):
        msg = f"{where} is a JSON {_json_type(obj)}, not an object; skipped"
        diagnostics.append(_diag(Severity.ERROR, line, "tdmrep-rule-not-object", msg))
        return None
    _check_keys(obj, line, where, diagnostics)
    location = obj.get("location")
    if not isinstance(location, str):
        code = "tdmrep-missing-location" if location is None else "tdmrep-invalid-location"
        msg = f"{where}: location is required and must be a string; rule skipped"
        diagnostics.append(_diag(Severity.ERROR, line, code, msg))
        return None
    if not location.startswith(("/", "*")):
        msg = f"{where}: location {location!r} does not start with '/' and matches no path"
        diagnostics.append(_diag(Severity.WARNING, line, "tdmrep-location-not-path", msg))
    if "tdm-reservation" not in obj:
        msg = f"{where}: tdm-reservation is required; rule skipped"
        diagnostics.append(_diag(Severity.ERROR, line, "tdmrep-missing-reservation", msg))
        return None
    reservation = _reservation_value(obj["tdm-reservation"], line, where, diagnostics)
    if reservation is None:
        return None
    policy = obj.get("tdm-policy", "")
    if not isinstance(policy, str):
        msg = f"{where}: tdm-policy must be a URL string; ignored"
        diagnostics.append(_diag(Severity.WARNING, line, "tdmrep-invalid-policy", msg))
        policy = ""
    return TdmRule(
        location=location,
        reservation=reservation,
        policy=policy.strip(),
        index=index,
        line=line,
        raw=_compact(obj),
    )


def _prefix_of(location: str) -> str | None:
    """The literal prefix a pattern is equivalent to, or None when it is not a plain prefix."""
    stripped = location.rstrip("*")
    if "*" in stripped or stripped.endswith("$"):
        return None
    return stripped


def _shadow_warnings(rules: Sequence[TdmRule]) -> list[Diagnostic]:
    """Rules that can never be selected because an earlier rule matches all they match (TDMRep, section TDM File on the Origin Server).

    An earlier rule shadows a later one when it has the same location, or when it is a plain
    prefix (``/a/*``) of the later one's literal start. The earlier rules are indexed by
    location and by prefix, so a file of thousands of rules is checked in one pass over its
    rules and their characters, not in a pass per pair.
    """
    out: list[Diagnostic] = []
    by_location: dict[str, tuple[int, TdmRule]] = {}
    by_prefix: dict[str, tuple[int, TdmRule]] = {}
    for position, later in enumerate(rules):
        literal = later.location.split("*", 1)[0].removesuffix("$") if later.location else ""
        candidates = [by_location.get(later.location)]
        candidates.extend(by_prefix.get(literal[:end]) for end in range(1, len(literal) + 1))
        first = min(
            (found for found in candidates if found is not None),
            key=lambda found: found[0],
            default=None,
        )
        if first is not None:
            earlier = first[1]
            msg = (
                f"$[{later.index}] ({later.location!r}) is never used: $[{earlier.index}] "
                f"({earlier.location!r}) matches first; list specific rules first (TDMRep, section TDM File on the Origin Server)"
            )
            out.append(_diag(Severity.WARNING, later.line, "tdmrep-shadowed-rule", msg))
        by_location.setdefault(later.location, (position, later))
        if prefix := _prefix_of(later.location):
            by_prefix.setdefault(prefix, (position, later))
    return out


def parse_tdmrep(
    data: str | bytes, *, source: str = "/.well-known/tdmrep.json", lint: bool = True
) -> ParseResult[TdmRepFile]:
    """Read a ``tdmrep.json`` body; a malformed document or non-array yields no rules (TDMRep, section TDM File on the Origin Server).

    ``lint=False`` skips the warnings about rules that earlier rules shadow: the first matching
    rule decides either way, so only the file's author needs them."""
    if not isinstance(data, (str, bytes)):
        raise TypeError(f"parse_tdmrep expects str or bytes, got {type(data).__name__}")
    diagnostics: list[Diagnostic] = []
    size = len(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    if size > MAX_TDMREP_BYTES:
        msg = f"{size} bytes is over the {MAX_TDMREP_BYTES} byte limit; file not read"
        diagnostics.append(_diag(Severity.ERROR, 0, "tdmrep-too-large", msg))
        return ParseResult(TdmRepFile(source=source), tuple(diagnostics))
    text = _decode(data, diagnostics)
    empty = TdmRepFile(source=source)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"not valid JSON: {exc.msg}; treated as absent (TDMRep, section TDM File on the Origin Server)"
        diagnostics.append(_diag(Severity.ERROR, exc.lineno, "tdmrep-invalid-json", msg))
        return ParseResult(empty, tuple(diagnostics))
    except (ValueError, RecursionError) as exc:
        msg = f"not readable JSON ({type(exc).__name__}); treated as absent (TDMRep, section TDM File on the Origin Server)"
        diagnostics.append(_diag(Severity.ERROR, 0, "tdmrep-invalid-json", msg))
        return ParseResult(empty, tuple(diagnostics))
    if not isinstance(document, list):
        msg = f"the document is a JSON {_json_type(document)}, not an array; no rules read"
        diagnostics.append(_diag(Severity.ERROR, 1, "tdmrep-not-array", msg))
        if isinstance(document, dict):
            _check_keys(document, 1, "$", diagnostics, unknown=False)
        return ParseResult(empty, tuple(diagnostics))
    if not document:
        diagnostics.append(_diag(Severity.INFO, 1, "tdmrep-empty", "the array has no rules"))
    lines = _element_lines(text)
    rules = [
        rule
        for index, obj in enumerate(document)
        if (rule := _read_rule(obj, index, lines[index] if index < len(lines) else 0, diagnostics))
    ]
    if lint:
        diagnostics.extend(_shadow_warnings(rules))
    return ParseResult(TdmRepFile(rules=tuple(rules), source=source), tuple(diagnostics))


def _layer_statement(
    reservation_values: Sequence[str],
    policy_values: Sequence[str],
    *,
    source: str,
    technique: str,
    kind: str,
) -> ParseResult[Statement | None]:
    """Shared by the header and meta techniques: several values keep the strictest (own)."""
    diagnostics: list[Diagnostic] = []
    name = "header" if technique == "header" else "meta"
    reservations: list[int] = []
    for raw in reservation_values:
        text = _unquote(raw)
        if text in ("0", "1"):  # header and attribute values are text: "1" is the normal form
            reservations.append(int(text))
        else:
            _reservation_value(raw, 0, f"{name} tdm-reservation", diagnostics, kind)
    if len(set(reservations)) > 1:
        msg = "conflicting tdm-reservation values; the reservation (1) is kept"
        diagnostics.append(_diag(Severity.WARNING, 0, "tdmrep-conflicting-values", msg, kind))
    reservation = max(reservations) if reservations else None
    policies = [p.strip() for p in policy_values if p.strip()]
    policy = policies[0] if policies else ""
    if len(set(policies)) > 1:
        msg = "several tdm-policy values; the first is used"
        diagnostics.append(_diag(Severity.WARNING, 0, "tdmrep-conflicting-values", msg, kind))
    if reservation is None and not policy:
        return ParseResult(None, tuple(diagnostics))
    if reservation is None:
        msg = "tdm-policy without a valid tdm-reservation"
        diagnostics.append(
            _diag(Severity.WARNING, 0, "tdmrep-policy-without-reservation", msg, kind)
        )
    if technique == "header":
        location = "header tdm-reservation" if reservation is not None else "header tdm-policy"
        parts = [f"tdm-reservation: {v}" for v in reservation_values]
        parts += [f"tdm-policy: {v}" for v in policy_values]
    else:
        location = (
            "meta[name=tdm-reservation]" if reservation is not None else "meta[name=tdm-policy]"
        )
        parts = [f'<meta name="tdm-reservation" content="{v}">' for v in reservation_values]
        parts += [f'<meta name="tdm-policy" content="{v}">' for v in policy_values]
    uses, offer, note = _meaning(reservation, policy)
    statement = Statement(
        signal=Signal.TDMREP,
        source=source,
        location=location,
        rule="\n".join(parts),
        uses=uses,
        offer=offer,
        note=note,
    )
    return ParseResult(statement, tuple(diagnostics))


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def tdmrep_header_statement(headers: Headers, *, source: str) -> ParseResult[Statement | None]:
    """``tdm-reservation`` / ``tdm-policy`` response header fields (TDMRep, section TDM Header Field in HTTP Responses)."""
    return _layer_statement(
        header_values(headers, "tdm-reservation"),
        header_values(headers, "tdm-policy"),
        source=source,
        technique="header",
        kind="tdm-reservation",
    )


def tdmrep_meta_statement(
    metas: Sequence[tuple[str, str]], *, source: str
) -> ParseResult[Statement | None]:
    """``<meta name="tdm-reservation|tdm-policy">`` from the HTML head (TDMRep, section TDM Metadata in HTML Content)."""
    names = [(name.strip().lower(), content) for name, content in metas]
    return _layer_statement(
        [content for name, content in names if name == "tdm-reservation"],
        [content for name, content in names if name == "tdm-policy"],
        source=source,
        technique="meta",
        kind="meta tdm-reservation",
    )


_RESERVATION_OF: Final = {Permission.ALLOW: 0, Permission.DENY: 1, Permission.LICENSE: 1}
"""The ``tdm-reservation`` value a statement's TDM answer stands for."""


def _pair_of(statement: Statement) -> tuple[int | None, str]:
    reservation = _RESERVATION_OF.get(statement.uses.get(Use.TDM, Permission.UNKNOWN))
    policy = statement.offer.url if statement.offer is not None else ""
    return reservation, policy


def _name(statement: Statement) -> str:
    prefix = "tdmrep.json " if statement.location.startswith("$") else ""
    return prefix + statement.location


def resolve_tdmrep(*layers: Statement | None) -> Statement | None:
    """Layer file, header and meta statements (TDMRep, section Processing priority): later values
    supersede earlier ones.

    Absence does not reset; ``tdm-reservation`` and ``tdm-policy`` travel as a pair
    (Heedful's reading of TDMRep, section Processing priority): a later reservation without a policy
    keeps the earlier policy unless
    it is ``0``, and a later policy alone updates the policy. None when nothing set a reservation.
    """
    present = [layer for layer in layers if layer is not None]
    if len(present) == 1 and _pair_of(present[0])[0] is not None:
        return present[0]  # one layer with a reservation: nothing to supersede or pair
    reservation: int | None = None
    policy = ""
    winner: Statement | None = None
    superseded: list[str] = []
    policy_from = ""
    for layer in layers:
        if layer is None:
            continue
        value, layer_policy = _pair_of(layer)
        if value is None:
            if layer_policy:
                policy, policy_from = layer_policy, _name(layer)
            continue
        if winner is not None:
            superseded.append(_name(winner))
        winner, reservation = layer, value
        if value == 0:
            policy, policy_from = "", ""
        elif layer_policy:
            policy, policy_from = layer_policy, _name(layer)
    if winner is None:
        return None
    uses, offer, _ = _meaning(reservation, policy)
    notes = [winner.note] if winner.note else []
    if superseded:
        notes.append(f"supersedes {', '.join(superseded)} (TDMRep, section Processing priority)")
    if policy and policy_from != _name(winner):
        notes.append(f"tdm-policy from {policy_from} (TDMRep, section Processing priority)")
    return Statement(
        signal=Signal.TDMREP,
        source=winner.source,
        location=winner.location,
        rule=winner.rule,
        uses=uses,
        offer=offer,
        note="; ".join(notes),
    )


def _check(reservation: int) -> None:
    if reservation not in (0, 1):
        raise ValueError(f"tdm-reservation must be 0 or 1, got {reservation!r}")


def render_tdmrep(rules: Sequence[TdmRule]) -> str:
    """The ``tdmrep.json`` body; the caller orders rules specific to general (TDMRep, section TDM File on the Origin Server)."""
    for rule in rules:
        _check(rule.reservation)
    return json.dumps([_rule_object(rule) for rule in rules], indent=2) + "\n"


def render_tdmrep_headers(reservation: int, policy: str = "") -> dict[str, str]:
    """Response header fields carrying the same values as the file (TDMRep, sections TDM Header Field in HTTP Responses and TDM File on the Origin Server)."""
    _check(reservation)
    out = {"tdm-reservation": str(reservation)}
    if policy:
        out["tdm-policy"] = policy
    return out


def render_tdmrep_meta(reservation: int, policy: str = "") -> str:
    """The ``<meta>`` elements for an HTML head (TDMRep, section TDM Metadata in HTML Content)."""
    _check(reservation)
    out = f'<meta name="tdm-reservation" content="{reservation}">'
    if policy:
        out += f'\n<meta name="tdm-policy" content="{html.escape(policy, quote=True)}">'
    return out


def readable_prefix(data: bytes) -> bytes:
    """The complete rule objects before a cut, as a JSON array: what a truncated file still says.

    TDMRep's file is read in array order and the first matching rule wins (TDMRep, section TDM
    File on the Origin Server), so a rule read whole before the cut decides every path it
    matches whatever follows; paths no such rule matches stay unknown (the caller's part).
    """
    text = data.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if not text.startswith("["):
        return b"[]"
    decoder = json.JSONDecoder()
    items: list[str] = []
    position = 1
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        try:
            _, end = decoder.raw_decode(text, position)
        except (ValueError, RecursionError):
            break
        items.append(text[position:end])
        position = end
    return ("[" + ",".join(items) + "]").encode("utf-8")
