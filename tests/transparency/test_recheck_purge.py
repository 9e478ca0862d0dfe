"""``heedful recheck`` and ``heedful purge`` against a real crawl whose sites change afterwards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from heedful.crawler.transparency.warcrecords import records
from tests.transparency.conftest import ETAG_PAGE, World, heedful, json_lines

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(ledger_world: World) -> World:
    """Each test here runs on a SQLite ledger and on a PostgreSQL one."""
    return ledger_world


WITHDRAW_PHOTOS = (
    "User-agent: *\nDisallow: /private\nAllow: /\nContent-Usage: /photos/ train-ai=n\n"
)


def removals(*urls: str) -> str:
    entries = [{"url": u, "prefix": False, "approved_at": "2026-01-02T03:04:05Z"} for u in urls]
    return json.dumps({"version": 1, "generated": "2026-01-02T03:04:05Z", "removals": entries})


def withdraw(world: World) -> set[str]:
    """Reserve /photos/ for AI training and approve a removal of /b; returns the URLs hit."""
    news = world.site("news")
    news.text("/robots.txt", WITHDRAW_PHOTOS)
    news.add(
        "/.well-known/heedful/removals.json",
        removals(world.url("news", "/b")),
        ctype="application/json",
    )
    return {world.url("news", p) for p in ("/photos/1", "/photos/2", "/b")}


def crawl_rows(world: World) -> list[tuple[object, ...]]:
    return world.sql("select * from heedful_url_event where event = 'crawl' order by id")


def kept_count(world: World) -> int:
    query = "select count(*) from heedful_url_event where event='crawl' and status='kept'"
    return int(world.sql(query)[0][0])


def all_records(out: Path) -> dict[tuple[str, str, str], bytes]:
    """Every stored record of every WARC file in ``out`` (not superseded/), by identity."""
    found = {}
    for path in sorted(out.glob("*.warc.gz")):
        for _, raw, rec in records(path):
            found[(rec.rec_type, rec.url, rec.sha256 + str(len(raw)))] = raw
    return found


def test_unchanged_sites_withdraw_nothing(world: World) -> None:
    before = crawl_rows(world)
    done = world.heedful("recheck", "--json")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert (world.out / "purge-list.jsonl").read_text() == ""
    statuses = world.sql(
        "select status, count(*) from heedful_url_event where event='recheck' group by status",
    )
    assert statuses == [("kept", kept_count(world))]
    assert crawl_rows(world) == before  # history is never rewritten
    runs = world.sql("select items, kept, withdrawn from heedful_recheck")
    assert runs == [(kept_count(world), kept_count(world), 0)]


def test_withdrawn_items_are_exactly_the_purge_list(world: World) -> None:
    expected = withdraw(world)
    before = crawl_rows(world)
    done = world.heedful("recheck", "--json")
    assert done.returncode == 0, done.stderr
    lines = json_lines(done.stdout)
    assert {line["url"] for line in lines} == expected
    assert len(lines) == len(expected)
    for line in lines:
        assert {"url", "sha256", "warc", "reasons"} <= set(line)
        assert len(line["sha256"]) == 64
        assert line["warc"]["file"].endswith(".warc.gz")
        signals = {r["signal"] for r in line["reasons"]}
        assert signals == ({"removals"} if line["url"].endswith("/b") else {"content-usage"})
    file_lines = json_lines((world.out / "purge-list.jsonl").read_text())
    assert file_lines == lines
    assert crawl_rows(world) == before
    withdrawn = world.sql(
        "select url from heedful_url_event where event='recheck' and status='withdrawn'"
    )
    assert {u for (u,) in withdrawn} == expected
    # The signal files the re-check read are evidence in the ledger, under the re-check's id.
    recheck_id = world.sql("select recheck_id from heedful_recheck")[0][0]
    kinds = world.sql(
        "select distinct kind from heedful_signal_snapshot where crawl_id = ?",
        recheck_id,
    )
    assert {"robots", "removals"} <= {k for (k,) in kinds}


def test_pages_are_rechecked_with_conditional_requests(world: World) -> None:
    etag_url = world.url("news", "/etag")
    done = world.heedful("recheck", "--json", "--pages", "--no-progress")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    log = [entry for entry in world.site("news").log if entry[1] == "/etag"]
    assert log[-1][2] == 304  # unchanged: the stored ETag was sent back
    ETAG_PAGE["etag"] = '"v2"'
    ETAG_PAGE["headers"] = {"Content-Usage": "train-ai=n"}
    plain = world.heedful("recheck", "--json")
    assert plain.stdout == ""  # without --pages the stored headers decide
    done = world.heedful("recheck", "--json", "--pages")
    assert done.returncode == 0, done.stderr
    assert [line["url"] for line in json_lines(done.stdout)] == [etag_url]


def test_unreachable_robots_is_unverified_unless_fail_closed(world: World) -> None:
    other = world.site("other")
    other.add("/robots.txt", "down", status=503, ctype="text/plain")
    count = world.sql(
        "select count(*) from heedful_url_event where event='crawl' and status='kept' "
        "and origin = ?",
        world.running.urls["other"],
    )[0][0]
    assert count > 0
    done = world.heedful("recheck", "--json")
    assert done.stdout == ""
    assert world.sql("select count(*) from heedful_url_event where status='unverified'") == [
        (count,)
    ]
    closed = world.heedful("recheck", "--json", "--fail-closed")
    assert len(json_lines(closed.stdout)) == count


def test_purge_removes_exactly_the_listed_records(world: World) -> None:
    expected = withdraw(world)
    assert world.heedful("recheck", "--json").returncode == 0
    before = all_records(world.out)
    old_files = sorted(p.name for p in world.out.glob("*.warc.gz"))

    dry = world.heedful("purge")
    assert dry.returncode == 0, dry.stderr
    assert "would remove 3 records" in dry.stdout
    assert all_records(world.out) == before

    done = world.heedful("purge", "--apply", "--json")
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["records_removed"] == 3
    # The dry run named every file --apply then wrote, and the file each one replaces.
    for old, new in outcome["files"].items():
        assert f"would write {new}, a copy of {old} without them" in dry.stdout
    after = all_records(world.out)
    removed = {key for key in before if key not in after}
    assert {url for _, url, _ in removed} == expected
    assert all(kind == "response" for kind, _, _ in removed)
    # Everything else is still there, byte for byte (each record's stored bytes).
    assert {k: v for k, v in before.items() if k not in removed} == after
    superseded = world.out / "superseded" / outcome["purge_id"]
    assert sorted(p.name for p in superseded.iterdir()) == sorted(outcome["files"])
    assert set(outcome["files"]) <= set(old_files)
    purged = world.sql("select url from heedful_purged_item")
    assert {u for (u,) in purged} == expected
    assert world.sql("select action, records_removed from heedful_purge") == [("apply", 3)]

    # A second re-check follows the moved records and no longer lists the purged items.
    again = world.heedful("recheck", "--json", "--pages")
    assert again.returncode == 0, again.stderr
    assert again.stdout == ""
    report = json.loads(world.heedful("report", "--format", "json").stdout)
    assert report["rechecks"]["current"]["purged"] == 3
    assert report["rechecks"]["current"]["withdrawn"] == 0

    deleted = world.heedful("purge", "--delete-old", "--json")
    assert deleted.returncode == 0, deleted.stderr
    assert len(json.loads(deleted.stdout)["deleted"]) == len(outcome["files"])
    assert not (world.out / "superseded").exists()
    actions = world.sql("select action from heedful_purge order by id")
    assert actions == [("apply",), ("delete-old",)]


def test_purge_counts_one_record_in_the_singular(world: World) -> None:
    news = world.site("news")
    news.add(
        "/.well-known/heedful/removals.json",
        removals(world.url("news", "/b")),
        ctype="application/json",
    )
    assert world.heedful("recheck", "--json").returncode == 0
    dry = world.heedful("purge")
    assert dry.returncode == 0, dry.stderr
    assert "would remove 1 record from 1 file\n" in dry.stdout
    done = world.heedful("purge", "--apply")
    assert "removed 1 record from 1 file\n" in done.stdout
    deleted = world.heedful("purge", "--delete-old")
    assert "deleted 1 old file\n" in deleted.stdout


def test_purge_refuses_a_list_that_does_not_match(world: World) -> None:
    withdraw(world)
    assert world.heedful("recheck", "--json").returncode == 0
    listed = world.out / "purge-list.jsonl"
    lines = json_lines(listed.read_text())
    lines[0]["sha256"] = "0" * 64
    listed.write_text("".join(json.dumps(line) + "\n" for line in lines))
    before = all_records(world.out)
    done = world.heedful("purge", "--apply")
    assert done.returncode == 2
    assert "SHA-256" in done.stderr
    assert all_records(world.out) == before
    assert world.sql("select count(*) from heedful_purge") == [(0,)]


def test_commands_fail_cleanly_without_a_ledger(tmp_path: Path) -> None:
    for command in ("report", "credits", "recheck", "purge"):
        done = heedful(command, str(tmp_path))
        assert done.returncode == 2, (command, done.stderr)
        assert "no ledger" in done.stderr
        assert "Traceback" not in done.stderr
