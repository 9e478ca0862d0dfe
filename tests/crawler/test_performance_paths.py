"""What keeps the ledger cheap for a crawl changes nothing a user or an auditor can see.

* The ledger's JSON columns written from cached encodings are exactly what
  ``heedful.crawler.ledger.dumps`` writes for the same values.
* A queued row holds only strings, numbers and times, so the garbage collector does not track
  it: a batch waiting to be written adds nothing to the collector's passes. The crawl leaves
  the collector as it found it (no ``gc.freeze``).
"""

from __future__ import annotations

import gc
import json
from pathlib import Path

import scrapy
from scrapy.utils.test import get_crawler

from heedful.crawler.ledger import UrlEvent, dumps
from heedful.crawler.middlewares import PolicyDownloaderMiddleware
from heedful.crawler.provenance import Provenance
from heedful.crawler.settings import read_config
from heedful.policies.model import (
    Decision,
    LicenseOffer,
    Mode,
    Permission,
    Reason,
    Signal,
    Use,
    Verdict,
)


class _Spider(scrapy.Spider):
    name = "perf"


def _middleware(tmp_path: Path, **settings: object) -> PolicyDownloaderMiddleware:
    crawler = get_crawler(
        _Spider,
        {
            "ADDONS": {"heedful.crawler.addon.HeedfulAddon": 0},
            "HEEDFUL_OUT_DIR": str(tmp_path),
            **settings,
        },
    )
    return PolicyDownloaderMiddleware.from_crawler(crawler)


async def test_the_crawl_leaves_the_collector_alone(tmp_path: Path) -> None:
    gc.unfreeze()
    middleware = _middleware(tmp_path)
    spider = _Spider()
    try:
        await middleware._opened(spider)
        assert gc.get_freeze_count() == 0
    finally:
        await middleware._closed(spider)


def _decision(*reasons: Reason, offers: tuple[LicenseOffer, ...] = ()) -> Decision:
    return Decision(
        url="http://site.test/p",
        agent="HeedfulBot",
        use=Use.AI_TRAIN,
        mode=Mode.OPT_OUT,
        verdict=Verdict.DENY,
        access=Verdict.ALLOW,
        uses={Use.AI_TRAIN: Permission.DENY},
        reasons=reasons,
        offers=offers,
    )


REASONS = (
    Reason(
        signal=Signal.ROBOTS,
        source="http://site.test/robots.txt",
        location="line 2",
        rule="Disallow: /p — «é»",
        effect="access allow",
    ),
    Reason(
        signal=Signal.CONTENT_USAGE, source="", location="header", rule="x", effect="deny", note="n"
    ),
)


def test_encoded_rows_equal_the_ledger_encoding(tmp_path: Path) -> None:
    crawler = get_crawler(
        _Spider,
        {"ADDONS": {"heedful.crawler.addon.HeedfulAddon": 0}, "HEEDFUL_OUT_DIR": str(tmp_path)},
    )
    provenance = Provenance(read_config(crawler.settings), crawl_id="c")
    rows = provenance.ledger._pending.setdefault(UrlEvent, [])
    offer = LicenseOffer(url="https://lic.test/", payment="purchase", amount="USD 1")
    for decision in (
        _decision(*REASONS),
        _decision(*REASONS),
        _decision(REASONS[0], offers=(offer,)),
    ):
        provenance.event(
            url=decision.url,
            origin="http://site.test",
            status="refused",
            stage="before-fetch",
            decision=decision,
            snapshots=("s1", "s2"),
            redirected_from=("http://site.test/old",),
            extra={"attribution": {"author": "Ådа"}, "license": [{"url": "u"}], "size": 3},
        )
        data = decision.as_dict()
        row = rows[-1]
        assert row["reasons"] == dumps(data["reasons"])
        assert row["offers"] == dumps(data["offers"])
        assert row["verdict"] == data["verdict"]
        assert row["access"] == data["access"]
        assert row["snapshots"] == dumps(["s1", "s2"])
        assert row["redirected_from"] == dumps(["http://site.test/old"])
        assert row["attribution"] == dumps({"author": "Ådа"})
        assert row["license"] == dumps([{"url": "u"}])
        assert row["size"] == 3
        assert json.loads(str(row["reasons"]))[0]["rule"] == "Disallow: /p — «é»"
        assert not gc.is_tracked(row)
    provenance.event(
        url="http://site.test/q",
        origin="http://site.test",
        status="failed",
        stage="after-fetch",
        decision=None,
        snapshots=(),
    )
    assert rows[-1]["reasons"] == dumps([])
    assert rows[-1]["snapshots"] == dumps([])
    assert rows[-1]["redirected_from"] == dumps([])
