"""TDMRep laws: the readers are total, and render -> parse decides like the rule list."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from heedful.policies.model import Permission, Use
from heedful.policies.signals.tdmrep import (
    TdmRepFile,
    TdmRule,
    parse_tdmrep,
    render_tdmrep,
    render_tdmrep_headers,
    render_tdmrep_meta,
    resolve_tdmrep,
    tdmrep_header_statement,
    tdmrep_meta_statement,
)
from heedful.policies.urlpath import canonical_path

SEGMENT = st.text(alphabet="abc-%2F.é", min_size=0, max_size=4)
LOCATION = st.builds(
    lambda parts, star, anchor: (
        "/" + "/".join(parts) + ("*" if star else "") + ("$" if anchor else "")
    ),
    st.lists(SEGMENT, max_size=3),
    st.booleans(),
    st.booleans(),
)
RULE = st.builds(
    lambda location, reservation, policy: TdmRule(
        location=location, reservation=reservation, policy=policy
    ),
    LOCATION,
    st.sampled_from([0, 1]),
    st.sampled_from(["", "https://pub.example/policy.json", "https://pub.example/a?b=1&c"]),
)
PATH = st.builds(lambda parts: "/" + "/".join(parts), st.lists(SEGMENT, max_size=4))
JSONISH = st.text(alphabet='[]{}",:01 \n"location-tdmreservationpolicy/*$\\', max_size=120)


@settings(max_examples=200)
@given(st.one_of(st.text(max_size=300), JSONISH))
def test_parse_text_never_raises(text: str) -> None:
    parse_tdmrep(text)


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_parse_bytes_never_raises(data: bytes) -> None:
    parse_tdmrep(data)


@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(st.sampled_from(["tdm-reservation", "tdm-policy", "x"]), st.text(max_size=20))
    ),
    st.lists(st.tuples(st.text(max_size=20), st.text(max_size=20)), max_size=5),
)
def test_header_and_meta_never_raise(
    headers: list[tuple[str, str]], metas: list[tuple[str, str]]
) -> None:
    header = tdmrep_header_statement(headers, source="u").value
    meta = tdmrep_meta_statement(headers + metas, source="u").value
    resolve_tdmrep(None, header, meta)


def _expected(rules: list[TdmRule], path: str) -> tuple[int | None, str]:
    """Oracle for plain-prefix rules: the first rule whose location prefixes the path."""
    for rule in rules:
        if path.startswith(rule.location):
            return rule.reservation, rule.policy if rule.reservation == 1 else ""
    return None, ""


@settings(max_examples=200)
@given(st.lists(RULE, max_size=6), st.lists(PATH, min_size=1, max_size=8))
def test_render_parse_decides_like_the_rules(rules: list[TdmRule], paths: list[str]) -> None:
    parsed = parse_tdmrep(render_tdmrep(rules))
    assert list(parsed.value.rules) == rules
    model = TdmRepFile(rules=tuple(rules))
    for path in paths + [rule.location.rstrip("$*") for rule in rules]:
        mine, theirs = model.statement(path), parsed.value.statement(path)
        assert (mine is None) == (theirs is None)
        if mine is not None and theirs is not None:
            assert mine.uses == theirs.uses
            assert mine.offer == theirs.offer
            assert mine.location == theirs.location


@settings(max_examples=200)
@given(
    st.lists(
        st.builds(
            lambda loc, r: TdmRule(location=loc, reservation=r),
            st.builds(lambda p: "/" + p, st.text(alphabet="ab/", max_size=4)),
            st.sampled_from([0, 1]),
        ),
        max_size=5,
    ),
    st.text(alphabet="ab/", max_size=6),
)
def test_first_prefix_wins(rules: list[TdmRule], tail: str) -> None:
    path = "/" + tail
    statement = parse_tdmrep(render_tdmrep(rules)).value.statement(path)
    reservation, _ = _expected(rules, canonical_path(path))
    if reservation is None:
        assert statement is None
    else:
        assert statement is not None
        expected = Permission.DENY if reservation == 1 else Permission.ALLOW
        assert statement.uses == {Use.TDM: expected}


@settings(max_examples=100)
@given(st.sampled_from([0, 1]), st.sampled_from(["", "https://p.example/x?a=1&b=2"]))
def test_header_and_meta_writers_read_back(reservation: int, policy: str) -> None:
    header = tdmrep_header_statement(render_tdmrep_headers(reservation, policy), source="u").value
    file_rule = TdmRule(location="/", reservation=reservation, policy=policy)
    model = TdmRepFile(rules=(file_rule,)).statement("/")
    assert header is not None
    assert model is not None
    assert header.uses == model.uses
    assert header.offer == model.offer
    meta_html = render_tdmrep_meta(reservation, policy)
    assert f'content="{reservation}"' in meta_html
