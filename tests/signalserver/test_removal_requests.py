"""Removal requests as a visitor meets them: only this site's addresses, refusals in plain
sentences (API and form alike), and exactly the named uses withdrawn, search only when asked."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest

from heedful.policies.evaluate import evaluate
from heedful.policies.model import Use, Verdict
from heedful.policies.signals.read import SignalFile, read_site
from heedful.policies.signals.removals import REMOVALS_PATH
from heedful.signalserver import models
from tests.signalserver.conftest import Served, ServeFactory, assert_error
from tests.signalserver.test_pages import FORM, hidden

REQUEST: dict[str, Any] = {
    "urls": ["https://news.example/photos/42"],
    "name": "Jane Doe",
    "contact": "jane@example.org",
    "relation": "I took the photograph",
}
SITE = "only addresses starting with https://news.example can be removed here"
VALIDATION_WORDING = (
    "Value error",
    "validation error",
    "Field required",
    "String should",
    "List should",
    "Input should",
    "Extra inputs",
    "type=",
    "pydantic",
)

# (id, API body, form fields (None: the form cannot send it), the one sentence expected)
REFUSALS: list[tuple[str, dict[str, Any], dict[str, str] | None, str]] = [
    (
        "neither urls nor prefix",
        {**REQUEST, "urls": []},
        {"urls": "", "url_prefix": ""},
        "Give at least one address (URL) of the work, or a URL prefix.",
    ),
    (
        "both urls and prefix",
        {**REQUEST, "url_prefix": "https://news.example/photos/"},
        {"url_prefix": "https://news.example/photos/"},
        "Give either addresses or one URL prefix, not both: send two requests if you need both.",
    ),
    (
        "not a url",
        {**REQUEST, "urls": ["news.example/photos/42"]},
        {"urls": "news.example/photos/42"},
        (
            "“news.example/photos/42” is not a web address: give the whole address, starting with "
            "https:// or http://."
        ),
    ),
    (
        "ftp url",
        {**REQUEST, "urls": ["ftp://news.example/x"]},
        {"urls": "ftp://news.example/x"},
        (
            "“ftp://news.example/x” is not a web address: give the whole address, starting with "
            "https:// or http://."
        ),
    ),
    (
        "javascript url",
        {**REQUEST, "url_prefix": "javascript:alert(1)", "urls": None},
        {"urls": "", "url_prefix": "javascript:alert(1)"},
        (
            "“javascript:alert(1)” is not a web address: give the whole address, starting with "
            "https:// or http://."
        ),
    ),
    (
        "too many urls",
        {**REQUEST, "urls": [f"https://news.example/{i}" for i in range(models.MAX_URLS + 1)]},
        {"urls": "\n".join(f"https://news.example/{i}" for i in range(models.MAX_URLS + 1))},
        (
            f"One request can name at most {models.MAX_URLS} addresses ({models.MAX_URLS + 1} "
            "given): send the rest in another request, or use a URL prefix."
        ),
    ),
    (
        "url too long",
        {**REQUEST, "urls": ["https://news.example/" + "a" * models.MAX_URL_CHARS]},
        {"urls": "https://news.example/" + "a" * models.MAX_URL_CHARS},
        f"“https://news.example/{'a' * 59}…” is longer than {models.MAX_URL_CHARS} characters.",
    ),
    (
        "another site",
        {**REQUEST, "urls": ["https://other.example/photos/42"]},
        {"urls": "https://other.example/photos/42"},
        (
            f"“https://other.example/photos/42” is not on this site: {SITE}. Ask the other site to "
            "remove it."
        ),
    ),
    (
        "a subdomain",
        {**REQUEST, "urls": None, "url_prefix": "https://www.news.example/"},
        {"urls": "", "url_prefix": "https://www.news.example/"},
        (
            f"“https://www.news.example/” is not on this site: {SITE}. Ask the other site to "
            "remove it."
        ),
    ),
    (
        "plain http",
        {**REQUEST, "urls": ["http://news.example/photos/42"]},
        {"urls": "http://news.example/photos/42"},
        (
            f"“http://news.example/photos/42” is not on this site: {SITE}. Ask the other site to "
            "remove it."
        ),
    ),
    (
        "another port",
        {**REQUEST, "urls": ["https://news.example:8443/photos/42"]},
        {"urls": "https://news.example:8443/photos/42"},
        (
            f"“https://news.example:8443/photos/42” is not on this site: {SITE}. Ask the other "
            "site to remove it."
        ),
    ),
    (
        "a look-alike host",
        {**REQUEST, "urls": ["https://news.example.evil.test/x"]},
        {"urls": "https://news.example.evil.test/x"},
        (
            f"“https://news.example.evil.test/x” is not on this site: {SITE}. Ask the other site "
            "to remove it."
        ),
    ),
    (
        "a user name",
        {**REQUEST, "urls": ["https://news.example@evil.test/x"]},
        {"urls": "https://news.example@evil.test/x"},
        "“https://news.example@evil.test/x” contains a user name or password; leave it out.",
    ),
    ("no name", {**REQUEST, "name": " "}, {"name": ""}, "Give your name."),
    (
        "name too long",
        {**REQUEST, "name": "n" * (models.MAX_NAME_CHARS + 1)},
        {"name": "n" * (models.MAX_NAME_CHARS + 1)},
        f"Your name can be at most {models.MAX_NAME_CHARS} characters.",
    ),
    (
        "no contact",
        {**REQUEST, "contact": "x"},
        {"contact": "x"},
        "Give an email address or another way to reach you.",
    ),
    (
        "no relation",
        {k: v for k, v in REQUEST.items() if k != "relation"},
        {"relation": ""},
        "Say how you are related to the work, for example “I am the photographer”.",
    ),
    (
        "text too long",
        {**REQUEST, "text": "t" * (models.MAX_TEXT_CHARS + 1)},
        {"text": "t" * (models.MAX_TEXT_CHARS + 1)},
        f"The message can be at most {models.MAX_TEXT_CHARS} characters.",
    ),
    (
        "unknown use",
        {**REQUEST, "uses": ["ai-train", "everything"]},
        None,
        (
            "“everything” is not a use a removal can withdraw; the uses are tdm, ai-train, "
            "genai-train, ai-input, search."
        ),
    ),
    (
        "empty uses",
        {**REQUEST, "uses": []},
        None,
        "Name at least one use to withdraw, or leave “uses” out to withdraw every AI use.",
    ),
    (
        "uses not a list",
        {**REQUEST, "uses": "search"},
        None,
        "“uses” must be a list of use names from: tdm, ai-train, genai-train, ai-input, search.",
    ),
    (
        "urls not a list",
        {**REQUEST, "urls": "https://news.example/x"},
        None,
        "“urls” must be a list of web addresses.",
    ),
    (
        "unknown field",
        {**REQUEST, "admin": True},
        None,
        "A removal request has no field “admin”; leave it out.",
    ),
]


def no_library_wording(text: str) -> None:
    for words in VALIDATION_WORDING:
        assert words not in text


@pytest.mark.parametrize(
    ("body", "sentence"), [(r[1], r[3]) for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
async def test_api_refusals_are_plain_sentences(
    served: Served, body: dict[str, Any], sentence: str
) -> None:
    resp = await served.client.post("/api/v1/removals", json=body)
    assert resp.status == 400
    payload = await resp.json()
    assert_error(payload, 400)
    assert payload["error"] == sentence
    assert [e["message"] for e in payload["errors"]] == [sentence]
    no_library_wording(await resp.text())


FORM_REFUSALS = [(r[2], r[3]) for r in REFUSALS if r[2] is not None]


@pytest.mark.parametrize(
    ("fields", "sentence"),
    FORM_REFUSALS,
    ids=[r[0] for r in REFUSALS if r[2] is not None],
)
async def test_form_refusals_are_plain_sentences(
    served: Served, fields: dict[str, str], sentence: str
) -> None:
    page = await served.client.get("/removals/new")
    token = hidden(await page.text(), "csrf")
    resp = await served.client.post("/removals/new", data={**FORM, **fields, "csrf": token})
    assert resp.status == 400
    html = await resp.text()
    errors = re.search(r'<ul class="errors">(.*?)</ul>', html, re.DOTALL)
    assert errors, html
    shown = [html_lib.unescape(item) for item in re.findall(r"<li>(.*?)</li>", errors[1])]
    assert shown == [sentence]
    no_library_wording(errors[1])


async def test_several_problems_are_all_said(served: Served) -> None:
    body = {"urls": ["https://other.example/1"], "name": "", "contact": "", "relation": ""}
    resp = await served.client.post("/api/v1/removals", json=body)
    payload = await resp.json()
    assert payload["error"] == "The request was not sent: 4 things need fixing."
    assert [e["field"] for e in payload["errors"]] == ["urls", "name", "contact", "relation"]


# (id, body, status, message)
BODIES = [
    ("not json", b"{oops", "application/json", 400, "The body is not valid JSON"),
    ("not utf-8", b"\xff\xfe", "application/json", 400, "The body is not valid JSON"),
    ("json array", b"[1]", "application/json", 400, "The body must be a JSON object: {...}."),
    (
        "form body",
        b"name=x",
        "application/x-www-form-urlencoded",
        415,
        "Send the body as JSON, with Content-Type: application/json.",
    ),
]


@pytest.mark.parametrize(
    ("data", "ctype", "status", "message"), [b[1:] for b in BODIES], ids=[b[0] for b in BODIES]
)
async def test_bad_bodies_are_said_plainly(
    served: Served, data: bytes, ctype: str, status: int, message: str
) -> None:
    resp = await served.client.post("/api/v1/removals", data=data, headers={"Content-Type": ctype})
    assert resp.status == status
    payload = await resp.json()
    assert payload["error"].startswith(message)
    assert payload["error"].endswith(".")


# (id, as written, as stored and published)
OWN_ADDRESSES = [
    ("host case folded", "https://NEWS.Example/Photos/42", "https://news.example/Photos/42"),
    (
        "default port dropped",
        "https://news.example:443/photos/42",
        "https://news.example/photos/42",
    ),
    ("fragment dropped", "https://news.example/photos/42#top", "https://news.example/photos/42"),
    ("scheme case folded", "HTTPS://news.example/a?b=1", "https://news.example/a?b=1"),
    ("empty path is /", "https://news.example", "https://news.example/"),
]


@pytest.mark.parametrize(
    ("written", "stored"), [a[1:] for a in OWN_ADDRESSES], ids=[a[0] for a in OWN_ADDRESSES]
)
async def test_own_addresses_are_accepted_as_crawlers_see_them(
    served: Served, written: str, stored: str
) -> None:
    resp = await served.client.post("/api/v1/removals", json={**REQUEST, "urls": [written]})
    assert resp.status == 201, await resp.text()
    made = await resp.json()
    seen = await served.client.get(made["status_url"], params={"receipt": made["receipt"]})
    assert (await seen.json())["urls"] == [stored]


async def test_the_public_base_url_is_the_site_too(serve: ServeFactory) -> None:
    served = await serve(base_url="https://www.news.example")
    for url in ("https://www.news.example/a", "https://news.example/a"):
        resp = await served.client.post("/api/v1/removals", json={**REQUEST, "urls": [url]})
        assert resp.status == 201, await resp.text()
    form = await (await served.client.get("/removals/new")).text()
    assert "they start with https://news.example or https://www.news.example." in form


async def approve(served: Served, body: dict[str, Any]) -> dict[str, Any]:
    made = await served.client.post("/api/v1/removals", json=body)
    assert made.status == 201, await made.text()
    made_json = dict(await made.json())
    decided = await served.client.post(
        f"/api/v1/admin/removals/{made_json['id']}",
        json={"decision": "approve"},
        headers=served.admin,
    )
    assert decided.status == 200
    return made_json


async def verdicts(served: Served, url: str, **params: str) -> dict[Use, str]:
    out = {}
    for use in Use:
        resp = await served.client.get(
            "/api/v1/check", params={"url": url, "use": str(use), **params}
        )
        assert resp.status == 200
        out[use] = (await resp.json())["verdict"]
    return out


async def crawler_verdicts(
    served: Served, url: str, *, tdm_covers_search: bool
) -> dict[Use, Verdict]:
    """What a crawler decides from the published list, read with the crawler's own readers."""
    published = await served.client.get(REMOVALS_PATH)
    site = read_site(
        "https://news.example",
        robots=SignalFile(url="https://news.example/robots.txt", status=404),
        removals=SignalFile(
            url="https://news.example" + REMOVALS_PATH,
            status=200,
            headers=(("Content-Type", "application/json"),),
            body=await published.read(),
        ),
    )
    return {
        use: evaluate(
            site, None, url=url, agent="HeedfulBot", use=use, tdm_covers_search=tdm_covers_search
        ).verdict
        for use in Use
    }


AI = (Use.TDM, Use.AI_TRAIN, Use.GENAI_TRAIN, Use.AI_INPUT)


async def test_default_removal_withdraws_every_ai_use_and_keeps_search(served_on: Served) -> None:
    url = "https://news.example/open/photo-1"
    assert set((await verdicts(served_on, url)).values()) == {"allow"}
    made = await approve(served_on, {**REQUEST, "urls": [url]})
    seen = await served_on.client.get(made["status_url"], params={"receipt": made["receipt"]})
    assert (await seen.json())["uses"] == ["tdm", "ai-train", "genai-train", "ai-input"]
    listed = (await (await served_on.client.get(REMOVALS_PATH)).json())["removals"]
    assert [e["uses"] for e in listed] == [["tdm", "ai-train", "genai-train", "ai-input"]]
    for covers in ("false", "true"):
        checked = await verdicts(served_on, url, tdm_covers_search=covers)
        assert checked == {**dict.fromkeys(AI, "deny"), Use.SEARCH: "allow"}
        crawled = await crawler_verdicts(served_on, url, tdm_covers_search=covers == "true")
        assert crawled == {**dict.fromkeys(AI, Verdict.DENY), Use.SEARCH: Verdict.ALLOW}


async def test_search_is_withdrawn_when_asked(served_on: Served) -> None:
    url = "https://news.example/open/photo-2"
    await approve(served_on, {**REQUEST, "urls": [url], "uses": ["tdm", "search"]})
    assert set((await verdicts(served_on, url)).values()) == {"deny"}
    crawled = await crawler_verdicts(served_on, url, tdm_covers_search=False)
    assert set(crawled.values()) == {Verdict.DENY}
    other = "https://news.example/open/photo-3"
    assert set((await verdicts(served_on, other)).values()) == {"allow"}


async def test_fewer_uses_can_be_named(served: Served) -> None:
    url = "https://news.example/open/photo-4"
    await approve(served, {**REQUEST, "urls": [url], "uses": ["ai-input"]})
    checked = await verdicts(served, url)
    assert checked == {
        Use.TDM: "allow",
        Use.AI_TRAIN: "allow",
        Use.GENAI_TRAIN: "allow",
        Use.AI_INPUT: "deny",
        Use.SEARCH: "allow",
    }


async def form_submit(served: Served, **fields: str) -> str:
    page = await served.client.get("/removals/new")
    token = hidden(await page.text(), "csrf")
    resp = await served.client.post("/removals/new", data={**FORM, **fields, "csrf": token})
    assert resp.status == 201, await resp.text()
    rid = re.search(r'id="request-id" class="receipt">([^<]+)<', await resp.text())
    assert rid
    return rid.group(1)


async def test_form_says_what_is_withdrawn_and_offers_search(served: Served) -> None:
    html = await (await served.client.get("/removals/new")).text()
    said = re.search(r'<p id="uses-said">(.*?)</p>', html, re.DOTALL)
    assert said
    assert " ".join(said[1].split()) == (
        "An approved request withdraws every AI use of the work: text and data mining, AI "
        "training, generative AI training and use as input to AI answers (grounding, "
        "retrieval). Search engines may still index it and link to it, unless you tick the "
        "box below."
    )
    assert '<input type="checkbox" id="search" name="search" value="withdraw"' in html
    assert (
        '<label for="search" class="inline">Also remove the work from search engines</label>'
        in html
    )
    assert "they start with https://news.example." in html


async def test_form_checkbox_withdraws_search_and_is_kept_on_refusal(served: Served) -> None:
    page = await served.client.get("/removals/new")
    token = hidden(await page.text(), "csrf")
    refused = await served.client.post(
        "/removals/new", data={**FORM, "name": "", "search": "withdraw", "csrf": token}
    )
    assert refused.status == 400
    assert 'value="withdraw" checked' in await refused.text()

    without = await form_submit(served, urls="https://news.example/open/a")
    with_search = await form_submit(served, urls="https://news.example/open/b", search="withdraw")
    for rid in (without, with_search):
        resp = await served.client.post(
            f"/api/v1/admin/removals/{rid}", json={"decision": "approve"}, headers=served.admin
        )
        assert resp.status == 200
    listed = (await (await served.client.get(REMOVALS_PATH)).json())["removals"]
    by_url = {e["url"]: e["uses"] for e in listed}
    assert by_url == {
        "https://news.example/open/a": ["tdm", "ai-train", "genai-train", "ai-input"],
        "https://news.example/open/b": ["tdm", "ai-train", "genai-train", "ai-input", "search"],
    }
    assert (await verdicts(served, "https://news.example/open/a"))[Use.SEARCH] == "allow"
    assert (await verdicts(served, "https://news.example/open/b"))[Use.SEARCH] == "deny"


@pytest.mark.parametrize("search", [False, True])
async def test_status_page_says_which_uses_are_withdrawn(served: Served, search: bool) -> None:
    page = await served.client.get("/removals/new")
    token = hidden(await page.text(), "csrf")
    fields = {"search": "withdraw"} if search else {}
    made = await served.client.post("/removals/new", data={**FORM, **fields, "csrf": token})
    receipt_page = await made.text()
    rid = re.search(r'id="request-id" class="receipt">([^<]+)<', receipt_page)
    receipt = re.search(r'id="receipt" class="receipt">([^<]+)<', receipt_page)
    assert rid
    assert receipt
    status = await served.client.post(
        "/removals/status",
        data={"csrf": hidden(receipt_page, "csrf"), "id": rid[1], "receipt": receipt[1]},
    )
    said = re.search(r'<p id="uses">(.*?)</p>', await status.text())
    assert said
    ai = (
        "Uses withdrawn: text and data mining; AI training; generative AI training; use as "
        "input to AI answers (grounding, retrieval)"
    )
    assert said[1] == (
        f"{ai}; search indexing."
        if search
        else f"{ai}. Search engines may still index these addresses."
    )
