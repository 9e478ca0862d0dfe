"""Debian's chromium, driven headless through playwright, for tests of pages people read."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.services import services_required

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    # The machine has no network beyond loopback: keep chromium from calling home.
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched browser; skips with the reason when chromium is absent (fails in CI)."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is absent (apt install chromium; .ci/run installs it)"
        if services_required():
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()
