"""robots-tag laws: the reader is total, and render -> parse keeps what it can say (style.md E)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from heedful.policies.html import HeadMeta, parse_html_head
from heedful.policies.model import Permission, Statement, Use, apply_hierarchy, most_restrictive
from heedful.policies.signals.robots_tag import (
    images_reserved,
    render_robots_meta,
    render_robots_tag,
    robots_tag_statements,
)

AGENTS = st.one_of(
    st.sampled_from(["HeedfulBot", "HeedfulBot/1.0", "googlebot", "", "2bot", "Mozilla/5.0"]),
    st.text(max_size=20),
)
VALUE = st.one_of(
    st.text(max_size=80),
    st.lists(
        st.sampled_from(
            ["noai", "noimageai", "noindex", "none", "noml", "nofollow", "max-snippet: 5",
             "unavailable_after: 2020", "googlebot:", "heedfulbot:", "HeedfulBot: ", ":", " ",
             "NOAI", "x"]
        ),
        max_size=6,
    ).map(", ".join),
)  # fmt: skip
HEADERS = st.lists(
    st.tuples(st.sampled_from(["X-Robots-Tag", "x-robots-tag", "Other"]), VALUE), max_size=4
)
METAS = st.lists(
    st.builds(
        HeadMeta,
        name=st.sampled_from(["robots", "heedfulbot", "googlebot", "tdm-reservation", ""]),
        content=VALUE,
        index=st.integers(0, 10),
        line=st.integers(1, 10),
    ),
    max_size=4,
)


@settings(max_examples=200)
@given(headers=HEADERS, metas=METAS, agent=AGENTS, image=st.booleans())
def test_never_raises(
    headers: list[tuple[str, str]], metas: list[HeadMeta], agent: str, image: bool
) -> None:
    result = robots_tag_statements(headers, metas, agent=agent, source="u", image=image)
    assert all(statement.uses for statement in result.value)
    images_reserved(headers, metas, agent=agent)


PERMISSIONS = st.sampled_from(list(Permission))
USES = st.dictionaries(st.sampled_from(list(Use)), PERMISSIONS)


def combined(statements: Sequence[Statement]) -> dict[Use, Permission]:
    out = dict.fromkeys(Use, Permission.UNKNOWN)
    for statement in statements:
        for use, permission in apply_hierarchy(statement.uses).items():
            out[use] = most_restrictive(out[use], permission)
    return out


def expected(uses: Mapping[Use, Permission]) -> dict[Use, Permission]:
    """What the robots tag can say about ``uses``: noai needs both AI uses reserved."""
    full = apply_hierarchy(uses)
    reserved = {use for use, p in full.items() if p in (Permission.DENY, Permission.LICENSE)}
    out = dict.fromkeys(Use, Permission.UNKNOWN)
    if {Use.AI_TRAIN, Use.AI_INPUT} <= reserved:
        out.update(dict.fromkeys((Use.AI_TRAIN, Use.GENAI_TRAIN, Use.AI_INPUT), Permission.DENY))
    if Use.SEARCH in reserved:
        out[Use.SEARCH] = Permission.DENY
    return out


@settings(max_examples=200)
@given(uses=USES, images=st.booleans(), agent=AGENTS)
def test_header_round_trip(uses: dict[Use, Permission], images: bool, agent: str) -> None:
    value = render_robots_tag(uses, images=images)
    result = robots_tag_statements(
        [("X-Robots-Tag", value)], [], agent=agent, source="u", image=images
    )
    assert combined(result.value) == expected(uses)
    assert result.diagnostics == () or value == ""
    # Soundness: whatever the tag denies, the policy denied or licensed.
    full = apply_hierarchy(uses)
    for use, permission in combined(result.value).items():
        if permission is Permission.DENY:
            assert full[use] in (Permission.DENY, Permission.LICENSE)


@settings(max_examples=200)
@given(uses=USES, agent=AGENTS)
def test_meta_round_trip(uses: dict[Use, Permission], agent: str) -> None:
    element = render_robots_meta(uses)
    metas = parse_html_head(f"<head>{element}</head>").value.metas
    result = robots_tag_statements([], metas, agent=agent, source="u")
    assert combined(result.value) == expected(uses)
    # The meta always reserves the page's images along with the page.
    reserved = images_reserved([], metas, agent=agent)
    assert (reserved is not None) == (expected(uses)[Use.AI_TRAIN] is Permission.DENY)
