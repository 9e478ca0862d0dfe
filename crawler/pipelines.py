"""Item pipelines: nothing the policy refused reaches a project's storage.

The middleware already drops refused responses, so items only come from kept pages. What is
left for items is what a page allows only in part: ``noimageai`` (DeviantArt's noai and noimageai
directives) keeps the
text but reserves the images, so :class:`UsePolicyPipeline` removes the image URLs an item
carries (Scrapy's ``ImagesPipeline`` field ``image_urls`` by default, ``IMAGES_URLS_FIELD``)
when the item's page reserved its images. :class:`LedgerPipeline` counts what items were
produced from kept pages and flushes the ledger when the spider closes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from heedful.crawler.provenance import Provenance
from heedful.crawler.settings import read_config

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

PAGE_FIELD = "url"
"""The item field naming the page an item came from (checked when present)."""
RESERVED_FIELD = "heedful_images_reserved"
"""Set by the reference spider (and any spider) to say the page reserved its images."""


class UsePolicyPipeline:
    """Drops image URLs from pages that reserve their images, and items flagged as refused."""

    def __init__(self, crawler: Crawler) -> None:
        self.images_field = crawler.settings.get("IMAGES_URLS_FIELD", "image_urls")
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        read_config(crawler.settings)  # NotConfigured when HEEDFUL_ENABLED is off
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        if adapter.get("heedful_refused"):
            raise DropItem(f"heedful: {adapter.get(PAGE_FIELD)} may not be used")
        if adapter.get(RESERVED_FIELD) and adapter.get(self.images_field):
            adapter[self.images_field] = []
            if self.stats is not None:
                self.stats.inc_value("heedful/images_reserved/items")
        return item


class LedgerPipeline:
    """Counts items per crawl; the ledger itself is written by the middleware."""

    def __init__(self, crawler: Crawler) -> None:
        self.provenance = Provenance.of(crawler, read_config(crawler.settings))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        self.provenance.totals["items"] += 1
        return item
