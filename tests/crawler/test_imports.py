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


def test_each_media_reader_loads_with_the_first_file_of_its_kind() -> None:
    # The module string runs as code after "import sys, ": a JPEG is read, then a PDF.
    read = "heedful.policies.signals.media; from heedful.policies.signals.media import read_media"
    photo = loaded_after(f"{read}; read_media(b'\\xff\\xd8\\xff\\xd9', 'a.jpg')")
    assert {"PIL", "c2pa"} <= photo
    assert not photo & {"pypdf", "mutagen"}
    document = loaded_after(f"{read}; read_media(b'%PDF-1.4\\n%%EOF', 'a.pdf')")
    assert "pypdf" in document
    assert "mutagen" not in document


def test_the_site_spider_runs_without_the_ledger() -> None:
    # The benchmark's plain Scrapy crawl uses the same spider; it must not carry Heedful's ORM.
    loaded = loaded_after("heedful.crawler.spiders.site")
    assert not loaded & set(ORM + MEDIA_READERS)
