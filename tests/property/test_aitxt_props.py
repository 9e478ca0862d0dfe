"""ai.txt laws: the reader is total, and parse(render(spec)) decides exactly like spec.

Reference (standards.md 3.1 Recommendation): longest matching glob, ties to Allow, the final
``/`` rule from ``allow_rest``; a disallowed URL denies ai-train, an allowed one allows it.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from heedful.policies.model import Permission, Use
from heedful.policies.patterns import compile_pattern
from heedful.policies.signals.aitxt import AiTxtSpec, parse_ai_txt, render_ai_txt
from heedful.policies.urlpath import canonical_path

GLOBS = ["*.jpg", "*.jpeg", "*.png", "*.txt", "*.pdf", "*.html", "*.jp", "*", "/img/", "*.tar.gz"]
PATHS = [
    "/a.jpg",
    "/b/c.png",
    "/x.txt",
    "/page",
    "/a.jpg.html",
    "/doc.pdf?x=1",
    "/img/a.gif",
    "/f.tar.gz",
]
AGENTS = ["*", "DatasetBot", "img2dataset/1.0"]

specs = st.builds(
    AiTxtSpec,
    disallow=st.lists(st.sampled_from(GLOBS), max_size=4).map(tuple),
    allow=st.lists(st.sampled_from(GLOBS), max_size=4).map(tuple),
    allow_rest=st.booleans(),
)


def _reference(spec: AiTxtSpec, path: str) -> Permission:
    canonical = canonical_path(path)
    rules = [(g, True) for g in spec.allow] + [(g, False) for g in spec.disallow]
    rules.append(("/", spec.allow_rest))
    best, allowed = -1, True
    for glob, allow in rules:
        pattern = compile_pattern(glob)
        if not pattern.matches(canonical):
            continue
        if pattern.priority > best:
            best, allowed = pattern.priority, allow
        elif pattern.priority == best and allow:
            allowed = True
    return Permission.ALLOW if allowed else Permission.DENY


@settings(max_examples=200)
@given(st.text(), st.none() | st.sampled_from(["text/plain", "text/html", "", ";"]))
def test_parse_text_never_raises(text: str, content_type: str | None) -> None:
    parse_ai_txt(text, content_type=content_type).value.statement("/a.jpg", "Bot")


@settings(max_examples=200)
@given(st.binary())
def test_parse_bytes_never_raises(data: bytes) -> None:
    parse_ai_txt(data).value.statement("https://e.example/a.png?x", "*")


@settings(max_examples=200)
@given(specs, st.sampled_from(PATHS), st.sampled_from(AGENTS))
def test_render_parse_round_trip(spec: AiTxtSpec, path: str, agent: str) -> None:
    result = parse_ai_txt(render_ai_txt(spec))
    assert result.diagnostics == ()
    statement = result.value.statement(path, agent)
    assert statement is not None  # the final "/" rule always matches
    assert dict(statement.uses) == {Use.AI_TRAIN: _reference(spec, path)}
