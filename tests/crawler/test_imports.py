"""What importing the add-on loads: a crawl of HTML pages never pays for the media readers."""

from __future__ import annotations

import subprocess
import sys

MEDIA_READERS = ("pypdf", "fontTools", "PIL", "mutagen", "c2pa")
ORM = ("sqlalchemy", "sqlmodel", "pydantic")


def loaded_after(module: str) -> set[str]:
    """The top-level packages a fresh interpreter has loaded once ``module`` is imported."""
    code = (
        f"import sys, {module}; print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def test_the_middleware_loads_the_media_readers_only_when_media_arrives() -> None:
    loaded = loaded_after("heedful.crawler.middlewares")
    assert not loaded & set(MEDIA_READERS)


def test_the_media_readers_load_on_first_use() -> None:
    loaded = loaded_after(
        "heedful.policies.signals.media; heedful.policies.signals.media.read_media"
    )
    assert set(MEDIA_READERS) <= loaded


def test_the_site_spider_runs_without_the_ledger() -> None:
    # The benchmark's plain Scrapy crawl uses the same spider; it must not carry Heedful's ORM.
    loaded = loaded_after("heedful.crawler.spiders.site")
    assert not loaded & set(ORM + MEDIA_READERS)
