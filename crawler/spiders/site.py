"""The reference spider: start from seed URLs, follow links and images within each seed's origin.

It knows nothing about policy: Heedful's middleware decides every request it makes. It only
marks image requests with the page they came from (``heedful_from_page``), so a page's
``noimageai`` can reserve them (DeviantArt's noai and noimageai directives), and bounds the crawl to
``max_pages``
requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urldefrag

import scrapy
from scrapy.http import Response, TextResponse

from heedful.crawler.origincache import url_origin
from heedful.crawler.signalfetch import FROM_PAGE_META, IMAGES_RESERVED_META


class SiteSpider(scrapy.Spider):
    """``scrapy crawl heedful-site -a urls=URL,URL -a max_pages=N``."""

    name = "heedful-site"

    def __init__(self, urls: str | list[str] = "", max_pages: int | str = 0, **kw: Any) -> None:
        super().__init__(**kw)
        seeds = urls.split(",") if isinstance(urls, str) else list(urls)
        self.start_urls = [u.strip() for u in seeds if u.strip()]
        self.origins = {url_origin(u) for u in self.start_urls} - {""}
        self.max_pages = int(max_pages or 0)
        self.scheduled = 0
        self.seen: set[str] = set()

    def _budget(self, url: str) -> bool:
        """Whether ``url`` is new and within ``max_pages`` (0: no limit)."""
        if url in self.seen or (self.max_pages and self.scheduled >= self.max_pages):
            return False
        self.seen.add(url)
        self.scheduled += 1
        return True

    async def start(self) -> Any:
        for url in self.start_urls:
            if self._budget(url):
                yield scrapy.Request(url, callback=self.parse)

    def parse(self, response: Response) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            yield {"url": response.url, "status": response.status, "kind": "file"}
            return
        reserved = bool(response.meta.get(IMAGES_RESERVED_META))
        images = [response.urljoin(src) for src in response.css("img::attr(src)").getall()]
        yield {
            "url": response.url,
            "status": response.status,
            "kind": "page",
            "title": (response.css("title::text").get() or "").strip(),
            "image_urls": images,
            IMAGES_RESERVED_META: reserved,
        }
        for href in response.css("a::attr(href)").getall():
            url = urldefrag(response.urljoin(href))[0]
            if url_origin(url) in self.origins and self._budget(url):
                yield scrapy.Request(url, callback=self.parse)
        for url in images:
            if url_origin(url) in self.origins and self._budget(url):
                yield scrapy.Request(
                    url, callback=self.parse_image, meta={FROM_PAGE_META: response.url}
                )

    def parse_image(self, response: Response) -> Iterator[Any]:
        yield {"url": response.url, "status": response.status, "kind": "image"}
