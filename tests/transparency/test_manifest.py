"""``heedful manifest``: the preferences that travel with a dataset (draft-ietf-aipref-vocab-08
section 3.3), per kept item, kept current by ``heedful recheck``."""

from __future__ import annotations

import csv
import io
import json

import pytest

from heedful.crawler.transparency.manifest import manifest_item
from tests.transparency.conftest import World
from tests.transparency.test_recheck_purge import kept_count, withdraw

pytestmark = pytest.mark.e2e


def _manifest(world: World, *args: str) -> dict[str, object]:
    done = world.heedful("manifest", *args)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_every_kept_item_with_what_the_site_allowed_and_reserved(ledger_world: World) -> None:
    found = _manifest(ledger_world)
    items = found["items"]
    assert isinstance(items, list)
    assert len(items) == kept_count(ledger_world)
    for item in items:
        assert len(item["sha256"]) == 64
        assert item["state"] == "kept"
        assert item["collected_for"] == "ai-train"
        assert item["uses_recorded"] is True
        assert "ai-train" in item["allowed"] or item["allowed"] == []
        assert "ai-train" not in item["reserved"]
        assert item["aipref_draft"] == "08"
        assert item["decided_by"]
    reserved = {tuple(i["reserved"]) for i in items}
    # The other site's tdmrep.json reserves only /reserved/: its kept pages reserve nothing.
    assert () in reserved


def test_recheck_keeps_a_manifest_in_the_folder_current(world: World) -> None:
    (world.out / "manifest.json").write_text(json.dumps(_manifest(world)))
    done = world.heedful("manifest", "--format", "csv", "--output", str(world.out / "manifest.csv"))
    assert done.returncode == 0, done.stderr
    expected = withdraw(world)
    rechecked = world.heedful("recheck")
    assert rechecked.returncode == 0, rechecked.stderr
    assert "manifest   " in rechecked.stdout
    refreshed = json.loads((world.out / "manifest.json").read_text())
    withdrawn = {i["url"] for i in refreshed["items"] if i["state"] == "withdrawn"}
    assert withdrawn == expected
    rows = list(csv.DictReader(io.StringIO((world.out / "manifest.csv").read_text())))
    assert {r["url"] for r in rows if r["state"] == "withdrawn"} == expected


def test_an_item_admitted_for_search_only_is_flagged() -> None:
    event = {
        "url": "https://pub.example/a",
        "crawl_id": "c1",
        "use": "search",
        "uses": {
            "tdm": "deny",
            "ai-train": "deny",
            "genai-train": "deny",
            "ai-input": "license",
            "search": "allow",
        },
        "reasons": [{"signal": "content-usage", "effect": "allow"}],
    }
    item = manifest_item(event, "kept")
    assert item["search_only"] is True
    assert item["allowed"] == ["search"]
    old = manifest_item({"url": "https://pub.example/b", "crawl_id": "c0"}, "kept")
    assert old["uses_recorded"] is False
    assert old["search_only"] is False
