"""The readable prefix of a cut tdmrep.json (issue 16 s. 3; TDMRep, first matching rule wins)."""

from __future__ import annotations

import json

from heedful.policies.signals.tdmrep import parse_tdmrep, readable_prefix

FIRST = {"location": "/*", "tdm-reservation": 1}


def test_complete_rules_before_the_cut_are_kept_and_the_partial_one_dropped() -> None:
    whole = json.dumps([FIRST, {"location": "/open/*", "tdm-reservation": 0}] * 20000).encode()
    cut = whole[:512000]
    assert parse_tdmrep(cut).value.rules == ()  # the cut file alone is not JSON
    prefix = parse_tdmrep(readable_prefix(cut)).value
    assert prefix.rules
    stmt = prefix.statement("https://example.test/any/page")
    assert stmt is not None
    assert stmt.location == "$[0]"
    assert "tdm-reservation" in stmt.rule


def test_a_cut_before_any_complete_rule_reads_nothing() -> None:
    assert readable_prefix(b'[{"location": "/*", "tdm-res') == b"[]"
    assert readable_prefix(b"not json") == b"[]"
