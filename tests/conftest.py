"""Shared test helpers: where the read-only reference material lives."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = (ROOT / ".." / "shared").resolve()
"""``../shared`` beside the repository: conformance cases and the real-world corpus."""


def shared_path(*parts: str) -> Path:
    """A path under ``../shared``; the calling test skips, saying why, when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference material {path} is absent (expected ../shared beside the repo)")
    return path
