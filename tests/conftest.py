"""Shared test helpers: where the third-party test data lives."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import settings

# CI must be reproducible: the same examples on every run (a failure found locally is kept in
# .hypothesis/ and replayed); locally, every run explores new ones.
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = ROOT / "tests" / "data"
"""Third-party data in the repository: conformance cases and the real-world corpus (each folder's
README names the source and licence of every file)."""


def data_path(*parts: str) -> Path:
    """A path under ``tests/data``; a missing file is an error of the checkout, never a skip."""
    path = TEST_DATA.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"test data {path} is missing from the repository")
    return path
