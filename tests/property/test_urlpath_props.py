"""Laws of path normalisation (RFC 3986 section 5.2.4): idempotent, no dot segment left, the root
never left, and robots.txt decides a path as it decides its normalised form."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from heedful.policies.signals.robots.document import parse_robots
from heedful.policies.urlpath import normalise_path

_SEGMENT = st.sampled_from(["", ".", "..", "%2e", "%2E%2e", "a", "b.", ".c", "%41", "%2F", "..%2f"])
_PATHS = st.lists(_SEGMENT, max_size=8).map(lambda parts: "/" + "/".join(parts))


@given(_PATHS | st.text(max_size=30).map(lambda t: "/" + t))
def test_normalising_twice_is_normalising_once(path: str) -> None:
    once = normalise_path(path)
    assert normalise_path(once) == once


@given(_PATHS)
def test_no_dot_segment_survives_and_the_root_is_never_left(path: str) -> None:
    result = normalise_path(path)
    assert result.startswith("/")
    segments = result.split("?", 1)[0].split("/")
    assert "." not in segments
    assert ".." not in segments


_ROBOTS = parse_robots("User-agent: *\nDisallow: /\nAllow: /a/\nDisallow: /a/b\n").value


@given(_PATHS)
def test_robots_decides_a_path_as_its_normalised_form(path: str) -> None:
    url = "https://x.example" + path
    normalised = "https://x.example" + normalise_path(path)
    assert _ROBOTS.access(url, "Bot").allowed is _ROBOTS.access(normalised, "Bot").allowed
