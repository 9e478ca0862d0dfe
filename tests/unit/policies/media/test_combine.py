"""A file's own statements per use, and how they narrow a site's verdict."""

from __future__ import annotations

import pytest

from heedful.policies.model import Mode, Use, Verdict
from heedful.policies.signals.media import narrowed, verdicts
from heedful.policies.signals.media.xmp import read_packets
from tests.helpers.media_files import xmp_packet

AIML = read_packets([xmp_packet()], source="a").statements
ALLOWED = read_packets([xmp_packet("DMI-ALLOWED")], source="a").statements


def test_silence_takes_the_mode_default() -> None:
    assert set(verdicts((), mode=Mode.OPT_OUT).values()) == {Verdict.ALLOW}
    assert set(verdicts((), mode=Mode.CONSENT).values()) == {Verdict.DENY}


def test_an_explicit_allow_lets_content_in_under_consent() -> None:
    assert verdicts(ALLOWED, mode=Mode.CONSENT)[Use.GENAI_TRAIN] is Verdict.ALLOW


@pytest.mark.parametrize(
    ("site", "statements", "use", "expected"),
    [
        (Verdict.ALLOW, AIML, Use.GENAI_TRAIN, Verdict.DENY),  # the file narrows
        (Verdict.LICENSE, AIML, Use.AI_TRAIN, Verdict.DENY),
        (Verdict.ALLOW, AIML, Use.SEARCH, Verdict.ALLOW),  # the file says nothing of search
        (Verdict.DENY, ALLOWED, Use.AI_TRAIN, Verdict.DENY),  # the file never widens
        (Verdict.LICENSE, ALLOWED, Use.TDM, Verdict.LICENSE),
        (Verdict.ALLOW, (), Use.TDM, Verdict.ALLOW),
    ],
)
def test_narrowed(site: Verdict, statements: tuple, use: Use, expected: Verdict) -> None:  # type: ignore[type-arg]
    assert narrowed(site, statements, use) is expected
