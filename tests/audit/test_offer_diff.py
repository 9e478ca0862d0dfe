"""``heedful diff`` and licence offers: a price changed on the live site is reported."""

from __future__ import annotations

from pathlib import Path

from heedful.client.audit import gather
from heedful.policies.audit.offer_diff import offer_diff
from heedful.policies.model import Use
from heedful.policies.sitepolicy import load_site_policy, render_site
from tests.audit.sites import LOCAL, Page, page, serve

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = (ROOT / "examples" / "licensed-photos.toml").read_text()


def _publish(pages: dict[str, Page], text: str, base: str) -> None:
    rendered = render_site(load_site_policy(text), version="1", base_url=base)
    for path, (content_type, body) in rendered.files().items():
        pages[path] = Page(body=body, content_type=content_type)
    pages["/photos/1"] = Page(
        body=page("photo", head=rendered.html_head_for("/photos/1")),
        headers=tuple(rendered.headers_for("/photos/1")),
    )


async def test_live_offers_as_the_policy_says_have_no_difference() -> None:
    pages: dict[str, Page] = {}
    with serve({"agency": pages}) as urls:
        _publish(pages, EXAMPLE, urls["agency"])
        data = await gather(urls["agency"] + "/photos/1", sample=3, hosts=LOCAL)
        assert offer_diff(data, load_site_policy(EXAMPLE)) == ()


async def test_a_changed_price_is_reported() -> None:
    pages: dict[str, Page] = {}
    live = EXAMPLE.replace('amount = "0.05"', 'amount = "0.07"')
    with serve({"agency": pages}) as urls:
        _publish(pages, live, urls["agency"])
        data = await gather(urls["agency"] + "/photos/1", sample=3, hosts=LOCAL)
        found = offer_diff(data, load_site_policy(EXAMPLE))
    assert found
    cells = {(d.path, d.use, d.field, d.live, d.intended, d.offer_id) for d in found}
    assert ("/photos/1", Use.AI_TRAIN, "price", "USD 0.07", "USD 0.05", "photos-training") in cells
    assert {d.field for d in found} == {"price"}
    assert "price live USD 0.07, policy USD 0.05" in str(found[0])
