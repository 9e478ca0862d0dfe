"""Every TDMRep and RSL file of the corpus in tests/data reads without raising; diagnostics are pinned.

The diagnostics (code and line per file) are compared with
``tests/corpus/snapshots/tdmrep_rsl_diagnostics.json``. After a deliberate change to a reader,
regenerate it with::

    HEEDFUL_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/corpus/test_corpus_tdmrep_rsl.py

and review the diff before committing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from heedful.policies.diagnostics import Diagnostic
from heedful.policies.html import parse_html_head
from heedful.policies.model import Permission, Use
from heedful.policies.signals.rsl.document import parse_rsl
from heedful.policies.signals.tdmrep import (
    parse_tdmrep,
    tdmrep_header_statement,
    tdmrep_meta_statement,
)
from tests.conftest import data_path

KINDS = ("tdmrep.json", "tdmrep-http-header", "tdmrep-html-meta", "tdmrep-policy", "rsl-xml")
SNAPSHOT = Path(__file__).parent / "snapshots" / "tdmrep_rsl_diagnostics.json"
UPDATE = os.environ.get("HEEDFUL_UPDATE_SNAPSHOTS") == "1"


def _entries() -> list[dict[str, str]]:
    index = data_path("corpus", "index.json")
    files = json.loads(index.read_text(encoding="utf-8"))["files"]
    return [entry for entry in files if entry["kind"] in KINDS]


ENTRIES = _entries()


def _http_headers(text: str) -> list[tuple[str, str]]:
    lines = text.split("\n\n", 1)[0].splitlines()[1:]
    return [(name.strip(), value.strip()) for name, _, value in (ln.partition(":") for ln in lines)]


def read(entry: dict[str, str]) -> tuple[object, tuple[Diagnostic, ...]]:
    """The reader result for one corpus file, by kind."""
    data = data_path(entry["path"]).read_bytes()
    kind = entry["kind"]
    if kind == "rsl-xml":
        result = parse_rsl(data, source=entry["path"])
        return result.value, result.diagnostics
    if kind == "tdmrep-http-header":
        header = tdmrep_header_statement(_http_headers(data.decode()), source=entry["path"])
        return header.value, header.diagnostics
    if kind == "tdmrep-html-meta":
        head = parse_html_head(data).value
        metas = [(m.name, m.content) for m in head.metas]
        meta = tdmrep_meta_statement(metas, source=entry["path"])
        return meta.value, meta.diagnostics
    # tdmrep.json, and TDM policies (2.8) fed to the same reader as a robustness check.
    parsed = parse_tdmrep(data, source=entry["path"])
    return parsed.value, parsed.diagnostics


def test_corpus_diagnostics_snapshot() -> None:
    got = {
        entry["path"]: [f"{d.code}:{d.line}" for d in read(entry)[1]]
        for entry in sorted(ENTRIES, key=lambda e: e["path"])
    }
    assert len(got) >= 20
    if UPDATE or not SNAPSHOT.exists():
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(json.dumps(got, indent=1) + "\n", encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"{SNAPSHOT.name} was missing and has been written; review and rerun")
    assert got == json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def _entry(path_end: str) -> dict[str, str]:
    matches = [entry for entry in ENTRIES if entry["path"].endswith(path_end)]
    if not matches:
        raise LookupError(f"no corpus file ends with {path_end}")
    return matches[0]


W3C_EXAMPLE_2 = [
    ("/directory-a/page.html", Permission.DENY, ""),
    (
        "/directory-b/html/index.html",
        Permission.LICENSE,
        "https://provider.com/policies/policy.json",
    ),
    ("/directory-b/images/photo.jpg", Permission.ALLOW, ""),
    ("/directory-c/", None, ""),
]


@pytest.mark.parametrize(
    ("url", "expected", "policy"), W3C_EXAMPLE_2, ids=[row[0] for row in W3C_EXAMPLE_2]
)
def test_w3c_example_2(url: str, expected: Permission | None, policy: str) -> None:
    value, diagnostics = read(_entry("example-2-three-locations.tdmrep.json"))
    assert diagnostics == ()
    statement = value.statement("https://provider.com" + url)  # type: ignore[attr-defined]
    if expected is None:
        assert statement is None
        return
    assert statement.uses == {Use.TDM: expected}
    assert (statement.offer.url if statement.offer else "") == policy


def test_koji_blog_object_is_invalid() -> None:
    value, diagnostics = read(_entry("koji-blog.tdmrep.json"))
    assert value.rules == ()  # type: ignore[attr-defined]
    codes = [d.code for d in diagnostics]
    assert codes[0] == "tdmrep-not-array"
    assert any("tdm_reservation" in d.message for d in diagnostics)


def test_w3c_header_and_meta() -> None:
    header, _ = read(_entry("header-2-with-policy.http"))
    meta, _ = read(_entry("html-meta.html"))
    for statement in (header, meta):
        assert statement.uses == {Use.TDM: Permission.LICENSE}  # type: ignore[attr-defined]
        assert statement.offer.url == "https://provider.com/policies/policy.json"  # type: ignore[attr-defined]


def _rsl_uses(path_end: str) -> dict[Use, Permission]:
    value, _ = read(_entry(path_end))
    statement = value.statement("https://site.example/page")  # type: ignore[attr-defined]
    assert statement is not None
    return dict(statement.uses)


def test_mezzode_space_separated_tokens() -> None:
    uses = _rsl_uses("mezzode.com.license.xml")
    assert uses == dict.fromkeys((Use.TDM, Use.AI_TRAIN, Use.AI_INPUT, Use.SEARCH), Permission.DENY)


def test_msoucy_comma_tokens() -> None:
    value, diagnostics = read(_entry("msoucy.me.license.xml"))
    lic = value.contents[0].licenses[0]  # type: ignore[attr-defined]
    assert lic.prohibits_usage == ("train-ai", "ai-summarize")
    assert {d.code for d in diagnostics} == {"rsl-comma-tokens", "rsl-draft-token"}
    uses = _rsl_uses("msoucy.me.license.xml")
    assert uses[Use.AI_TRAIN] is Permission.DENY
    assert uses[Use.AI_INPUT] is Permission.DENY


def test_dylmye_server_means_licence() -> None:
    value, _ = read(_entry("dylmye.github.io.license.xml"))
    statement = value.statement("https://dylmye.github.io/post")  # type: ignore[attr-defined]
    assert statement.uses == {Use.AI_TRAIN: Permission.LICENSE}
    assert statement.offer.server == "https://api.rslcollective.org"
    assert statement.offer.payment == "attribution"


def test_typographic_quotes_not_well_formed() -> None:
    value, diagnostics = read(_entry("getting-started-prohibit-ai-training.license.xml"))
    assert value.contents == ()  # type: ignore[attr-defined]
    assert [(d.code, d.line) for d in diagnostics] == [("rsl-not-well-formed", 2)]
