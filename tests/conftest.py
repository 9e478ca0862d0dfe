"""Shared test helpers: where the read-only reference material lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI must be reproducible: the same examples on every run (a failure found locally is kept in
# .hypothesis/ and replayed); locally, every run explores new ones.
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
SHARED = (ROOT / ".." / "shared").resolve()
"""``../shared`` beside the repository: conformance cases and the real-world corpus."""


def shared_path(*parts: str) -> Path:
    """A path under ``../shared``; the calling test skips, saying why, when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference material {path} is absent (expected ../shared beside the repo)")
    return path
