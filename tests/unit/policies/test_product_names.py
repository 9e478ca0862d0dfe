"""Which crawler a User-agent value binds: one rule for every reader (docs/decisions.md).

Each case goes through the real readers: robots.txt access, ai.txt, X-Robots-Tag, the site
policy's crawler classes and the audit's agent classes, so none of them can match differently.
"""

from __future__ import annotations

import pytest

from heedful.policies.audit.probe import classify
from heedful.policies.model import Permission, Use
from heedful.policies.signals.aitxt import parse_ai_txt
from heedful.policies.signals.robots.document import parse_robots
from heedful.policies.signals.robots.groups import names_crawler
from heedful.policies.signals.robots.lines import scan
from heedful.policies.signals.robots.product_names import (
    group_key,
    is_product_name,
    is_product_token,
)
from heedful.policies.signals.robots_tag import robots_tag_statements
from heedful.policies.sitepolicy import load_site_policy
from heedful.policies.sitepolicy.resolve import EVERYONE, index_of

GPTBOT_UA = (
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.1; "
    "+https://openai.com/gptbot)"
)

# (User-agent value, crawler name, does the value bind the crawler?)
MATCHING = [
    ("crawler1", "crawler3", False),
    ("crawler1", "crawler1", True),
    ("crawler1", "Crawler1/2.0", True),
    ("AI", "AI2Bot", False),
    ("AI2Bot", "AI", False),
    ("AI2Bot", "AI2Bot", True),
    ("ai2bot", "AI2Bot/1.0", True),
    ("AI2Bot", "Ai2Bot-Dolma", False),
    ("Googlebot", "Googlebot", True),
    ("Googlebot-Image", "Googlebot", False),
    ("Googlebot-News", "Googlebot", False),
    ("Googlebot/2.1", "Googlebot", True),
    ("GOOGLEBOT", "googlebot", True),
    ("gptbot", "GPTBot", True),
    ("GPTBot", GPTBOT_UA, True),
    ("Mozilla", GPTBOT_UA, False),
    ("Foo Bar", "Foo", True),
    ("barbarbot*", "barbarbot", True),
    ("barbarbot*", "barbarbot-prod", False),
    ("*bot", "bot", False),
    ("bigsur.ai", "bigsur.ai", True),
    ("bigsur.ai", "bigsur", False),
    ("123bot", "123bot", True),
]
IDS = [f"{value}~{crawler[:20]}" for value, crawler, _ in MATCHING]


@pytest.mark.parametrize(("value", "crawler", "binds"), MATCHING, ids=IDS)
def test_robots_txt_binds(value: str, crawler: str, binds: bool) -> None:
    body = f"User-agent: {value}\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    access = parse_robots(body).value.access("https://e.example/page", crawler)
    assert access.allowed is not binds
    assert names_crawler(value, crawler) is binds


@pytest.mark.parametrize(("value", "crawler", "binds"), MATCHING, ids=IDS)
def test_ai_txt_binds(value: str, crawler: str, binds: bool) -> None:
    body = f"User-agent: {value}\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    statement = parse_ai_txt(body).value.statement("https://e.example/page", crawler)
    assert statement is not None
    expected = Permission.DENY if binds else Permission.ALLOW
    assert statement.uses[Use.AI_TRAIN] is expected


@pytest.mark.parametrize(
    ("value", "crawler", "binds"),
    [case for case in MATCHING if " " not in case[0] and "*" not in case[0]
     and "/" not in case[0] and not case[0][0].isdigit()],
)  # fmt: skip
def test_x_robots_tag_binds(value: str, crawler: str, binds: bool) -> None:
    statements = robots_tag_statements(
        [("X-Robots-Tag", f"{value}: noai")], [], agent=crawler, source="https://e.example/"
    ).value
    assert bool(statements) is binds


@pytest.mark.parametrize(
    ("crawler", "klass"),
    [("crawler1", "crawler1"), ("crawler3", EVERYONE), ("AI2Bot", "ai2bot"), ("AI", EVERYONE),
     ("ai2bot/1.0", "ai2bot"), ("Googlebot-Image", "googlebot"), ("GoogleOther", EVERYONE),
     (GPTBOT_UA.replace("GPTBot", "Googlebot-Image"), "googlebot")],
)  # fmt: skip
def test_site_policy_classes(crawler: str, klass: str) -> None:
    policy = load_site_policy(
        b'[site]\nname = "S"\nurl = "https://e.example"\ncontact = "a@e.example"\n'
        b'[defaults]\nsearch = "allow"\nai-input = "allow"\nai-train = "allow"\ntdm = "allow"\n'
        b'[[agents]]\nagent = "crawler1"\naccess = "deny"\n'
        b'[[agents]]\nagent = "AI2Bot"\naccess = "deny"\n'
        b'[[agents]]\nagent = "Googlebot"\nai-train = "deny"\n'
    )
    assert index_of(policy).class_of(crawler) == klass


# Fallbacks: a crawler obeys its most specific name that has a group, else its documented
# fallback, else * (Google documents GoogleOther-Image with the tokens GoogleOther-Image and
# GoogleOther, Googlebot-Image with Googlebot-Image and Googlebot).
FALLBACK_FILE = (
    "User-agent: Googlebot\nDisallow: /g/\n\n"
    "User-agent: Googlebot-Image\nDisallow: /img/\n\n"
    "User-agent: GoogleOther\nDisallow: /o/\n\n"
    "User-agent: *\nDisallow: /star/\n"
)


@pytest.mark.parametrize(
    ("crawler", "denied"),
    [("Googlebot-Image", "/img/"), ("Googlebot-Video", "/g/"), ("Googlebot-News", "/g/"),
     ("Googlebot", "/g/"), ("GoogleOther-Image", "/o/"), ("GoogleOther-Video", "/o/"),
     ("Googlebot-Imagery", "/star/"), ("GPTBot", "/star/"), ("Googlebot-Video/1.0", "/g/")],
)  # fmt: skip
def test_fallbacks(crawler: str, denied: str) -> None:
    robots = parse_robots(FALLBACK_FILE).value
    for path in ("/g/", "/img/", "/o/", "/star/"):
        allowed = robots.access(f"https://e.example{path}x", crawler).allowed
        assert allowed is (path != denied), (crawler, path)


def test_audit_classes_do_not_merge_names() -> None:
    """The audit groups crawlers by what they select: crawler1 and crawler3 stay apart."""
    groups = scan(
        "User-agent: crawler1\nDisallow: /\n\nUser-agent: AI2Bot\nDisallow: /\n", kind="robots.txt"
    ).groups
    classes = classify(["crawler1", "crawler3", "AI2Bot", "AI"], groups, (), frozenset())
    by_agent = {agent: cls.label for cls in classes for agent in cls.agents}
    assert by_agent == {"crawler1": "crawler1", "crawler3": "*", "AI2Bot": "AI2Bot", "AI": "*"}


@pytest.mark.parametrize(
    ("text", "token", "name"),
    [("GPTBot", True, True), ("AI2Bot", False, True), ("bigsur.ai", False, True),
     ("ChatGPT Agent", False, False), ("Foo/1.0", False, False), ("*", False, False),
     ("bot*", False, False), ("", False, False)],
)  # fmt: skip
def test_token_and_name(text: str, token: bool, name: bool) -> None:
    assert is_product_token(text) is token
    assert is_product_name(text) is name


@pytest.mark.parametrize(
    ("value", "key"),
    [("*", "*"), ("* # all", "*"), ("*\tfoo", "*"), ("*bot", None), ("", None),
     ("Googlebot/2.1", "googlebot"), ("Foo Bar", "foo"), ("AB42bot", "ab42bot")],
)  # fmt: skip
def test_group_key(value: str, key: str | None) -> None:
    assert group_key(value) == key
