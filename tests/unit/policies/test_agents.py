"""The bundled catalogue of known crawlers: lookup, User-Agent recognition, fallbacks."""

from __future__ import annotations

import json

import pytest

from heedful.policies.agents import (
    HEEDFUL_TOKEN,
    PURPOSES,
    agent_for_user_agent,
    find_agent,
    known_agents,
    training_agents,
)
from tests.conftest import data_path

# The operators' crawler documentation, as it names them: (name, expected token, a purpose it must have)
TABLE_10_2 = [
    ("GPTBot", "GPTBot", "training"), ("OAI-SearchBot", "OAI-SearchBot", "search"),
    ("ChatGPT-User", "ChatGPT-User", "user-triggered"), ("ChatGPT Agent", "ChatGPT Agent", "agent"),
    ("Operator", "Operator", "agent"), ("ClaudeBot", "ClaudeBot", "training"),
    ("Claude-SearchBot", "Claude-SearchBot", "search"), ("Claude-User", "Claude-User", "user-triggered"),
    ("anthropic-ai", "anthropic-ai", "other"), ("Claude-Web", "Claude-Web", "other"),
    ("Google-Extended", "Google-Extended", "control"), ("Googlebot", "Googlebot", "search"),
    ("GoogleOther", "GoogleOther", "training"), ("GoogleOther-Image", "GoogleOther-Image", "training"),
    ("GoogleOther-Video", "GoogleOther-Video", "training"),
    ("Google-CloudVertexBot", "Google-CloudVertexBot", "user-triggered"),
    ("Google-Agent", "Google-Agent", "user-triggered"),
    ("GoogleAgent-URLContext", "GoogleAgent-URLContext", "user-triggered"),
    ("Gemini-Deep-Research", "Gemini-Deep-Research", "user-triggered"),
    ("Google-NotebookLM", "Google-NotebookLM", "user-triggered"),
    ("Applebot", "Applebot", "search"), ("Applebot-Extended", "Applebot-Extended", "control"),
    ("CCBot", "CCBot", "training"), ("meta-externalagent", "meta-externalagent", "training"),
    ("Meta-ExternalAgent", "meta-externalagent", "training"),
    ("Meta-ExternalFetcher", "meta-externalfetcher", "user-triggered"),
    ("meta-webindexer", "meta-webindexer", "search"), ("FacebookBot", "FacebookBot", "training"),
    ("facebookexternalhit", "facebookexternalhit", "other"), ("Bytespider", "Bytespider", "training"),
    ("TikTokSpider", "TikTokSpider", "training"), ("Amazonbot", "Amazonbot", "search"),
    ("Amzn-User", "Amzn-User", "user-triggered"), ("Amzn-SearchBot", "Amzn-SearchBot", "search"),
    ("PerplexityBot", "PerplexityBot", "search"), ("Perplexity-User", "Perplexity-User", "user-triggered"),
    ("MistralAI-User", "MistralAI-User", "user-triggered"),
    ("cohere-training-data-crawler", "cohere-training-data-crawler", "training"),
    ("cohere-ai", "cohere-ai", "user-triggered"), ("AI2Bot", "AI2Bot", "training"),
    ("Ai2Bot-Dolma", "Ai2Bot-Dolma", "training"), ("DeepSeekBot", "DeepSeekBot", "training"),
    ("PanguBot", "PanguBot", "training"), ("PetalBot", "PetalBot", "search"),
    ("Diffbot", "Diffbot", "training"), ("omgili", "omgili", "training"),
    ("omgilibot", "omgilibot", "training"), ("Webzio-Extended", "Webzio-Extended", "training"),
    ("YouBot", "YouBot", "search"), ("DuckAssistBot", "DuckAssistBot", "search"),
    ("Bravebot", "Bravebot", "search"), ("YandexAdditional", "YandexAdditional", "search"),
    ("YandexAdditionalBot", "YandexAdditionalBot", "training"),
    ("ImagesiftBot", "ImagesiftBot", "training"), ("img2dataset", "img2dataset", "training"),
    ("LAIONDownloader", "LAIONDownloader", "training"), ("Timpibot", "Timpibot", "training"),
    ("Bingbot", "Bingbot", "search"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "token", "purpose"), TABLE_10_2, ids=[r[0] for r in TABLE_10_2])
def test_every_10_2_token_is_catalogued(name: str, token: str, purpose: str) -> None:
    agent = find_agent(name)
    assert agent is not None
    assert agent.token == token
    assert purpose in agent.purposes
    assert agent.source.startswith("https://")
    assert agent.operator


def test_every_ai_robots_txt_name_is_catalogued() -> None:
    index = json.loads(data_path("corpus", "index.json").read_text(encoding="utf-8"))
    names = index["ai_agent_list"]["agents"]
    catalogued = {name for agent in known_agents() for name in agent.names}
    assert set(names) <= catalogued
    for name in names:
        found = find_agent(name)
        assert found is not None, name
        assert found.source.startswith("https://"), name


@pytest.mark.parametrize(
    ("name", "token"),
    [("ChatGPT Agent", "ChatGPT Agent"), ("iaskspider/2.0", "iaskspider"), ("bigsur.ai", "bigsur.ai"),
     ("Brightbot 1.0", "Brightbot"), ("MistralAI-User/1.0", "MistralAI-User"),
     ("netEstate Imprint Crawler", "netEstate Imprint Crawler"), ("panscient.com", "Panscient"),
     ("Crawl4AI", "Crawl4AI"), ("Terra Cotta", "Terra Cotta"), ("AI2Bot", "AI2Bot"),
     ("img2dataset", "img2dataset"), ("Channel3Bot", "Channel3Bot")],
    ids=["space", "slash-version", "dot", "space-version", "token-version", "words", "domain",
         "digit", "space-not-terracotta", "ai2bot", "img2dataset", "channel3bot"],
)  # fmt: skip
def test_names_are_kept_whole(name: str, token: str) -> None:
    """No entry is keyed by a prefix cut at a digit or a space (``AI``, ``img``, ``ChatGPT``)."""
    agent = find_agent(name)
    assert agent is not None
    assert agent.token == token
    assert name in agent.names
    for cut in ("AI", "img", "ChatGPT", "Crawl", "Channel"):
        assert find_agent(cut) is None, cut


def test_catalogue_invariants() -> None:
    agents = known_agents()
    tokens = [agent.token.lower() for agent in agents]
    assert len(tokens) == len(set(tokens)), "one entry per case-insensitive token"
    for agent in agents:
        assert agent.purposes, agent.token
        assert PURPOSES.issuperset(agent.purposes), agent.token
        assert agent.names, agent.token
        assert agent.source, agent.token
        assert agent.control_only == ("control" in agent.purposes), agent.token
    assert known_agents() is agents, "loaded once"


def test_heedful_entry() -> None:
    agent = find_agent(HEEDFUL_TOKEN.upper())
    assert agent is not None
    assert agent.token == HEEDFUL_TOKEN
    assert agent.operator == "Heedful"
    assert agent.respects_robots == "yes"


@pytest.mark.parametrize(("token", "expected"), [("gptbot", "GPTBot"), ("CLAUDEBOT", "ClaudeBot"),
                         ("no-such-bot", None), ("", None), ("*", None)],
                         ids=["lower", "upper", "unknown", "empty", "star"])  # fmt: skip
def test_find_agent_case_insensitive(token: str, expected: str | None) -> None:
    agent = find_agent(token)
    assert (agent.token if agent else None) == expected


def test_training_agents() -> None:
    tokens = {agent.token for agent in training_agents()}
    assert {"GPTBot", "ClaudeBot", "CCBot", "Google-Extended", "Applebot-Extended",
            "meta-externalagent", "Bytespider", HEEDFUL_TOKEN} <= tokens  # fmt: skip
    assert not {"OAI-SearchBot", "Googlebot", "ChatGPT-User", "Claude-User"} & tokens


UA_CASES = [
    (("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.1; "
     "+https://openai.com/gptbot)"), "GPTBot"),
    (("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; "
     "+https://openai.com/bot"), "ChatGPT-User"),
    (("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; OAI-SearchBot/1.0; "
     "+https://openai.com/searchbot"), "OAI-SearchBot"),
    (("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; "
     "+claudebot@anthropic.com)"), "ClaudeBot"),
    ("CCBot/2.0 (https://commoncrawl.org/faq/)", "CCBot"),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Googlebot"),
    (("Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 "
     "(compatible; Bytespider; spider-feedback@bytedance.com)"), "Bytespider"),
    ("meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
     "meta-externalagent"),
    ("Mozilla/5.0 (compatible) Ai2Bot-Dolma (+https://www.allenai.org/crawler)", "Ai2Bot-Dolma"),
    ("Mozilla/5.0 (compatible) AI2Bot (+https://www.allenai.org/crawler)", "AI2Bot"),
    ("GoogleOther-Image/1.0", "GoogleOther-Image"),
    ("Googlebot-Image/1.0", "Googlebot-Image"),
    ("Mozilla/5.0 (compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)",
     "PerplexityBot"),
    ("Mozilla/5.0 (compatible; HeedfulBot/1.0; +https://heedful.example/bot)", HEEDFUL_TOKEN),
    (("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0 Safari/537.36"), None),
    ("Mozilla/5.0 (compatible; Google-Extended)", None),
    ("NotGPTBotter/1.0", None),
    ("", None),
]  # fmt: skip


@pytest.mark.parametrize(("ua", "token"), UA_CASES, ids=[f"ua{i}" for i in range(len(UA_CASES))])
def test_agent_for_user_agent(ua: str, token: str | None) -> None:
    agent = agent_for_user_agent(ua)
    assert (agent.token if agent else None) == token


def test_wrong_types_raise() -> None:
    with pytest.raises(TypeError):
        find_agent(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        agent_for_user_agent(b"GPTBot")  # type: ignore[arg-type]
