"""Remove withdrawn items from the WARC files, keeping everything else byte for byte.

For each WARC file holding a record on the purge list, a new file is written with every other
record copied verbatim (each record is its own gzip member, so its stored bytes are copied, not
re-encoded; the warcinfo record still names the file it was first written to). Before anything
is written, each listed record is verified: the record at the location must be a ``response``
for the listed URL whose payload hashes to the listed SHA-256; any mismatch stops the purge
with nothing changed. The old files move to ``DIR/superseded/<purge id>/`` (out of the set any
tool reads as the collection) and stay until ``delete_superseded``. The purge id is derived from
what is removed, so a dry run names exactly the files ``--apply`` then writes. The ledger gains, never
loses: a ``PurgeAction``, a ``PurgedItem`` per removed record, and a ``WarcRelocation`` per
copied record, so every earlier row's (file, offset) can still be followed to its record.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from heedful.crawler.ledger import Ledger, PurgeAction, PurgedItem, WarcRelocation, utcnow
from heedful.crawler.transparency.ledgerdata import load_async
from heedful.crawler.transparency.warcrecords import Locations, read_at, spans

SUPERSEDED: Final = "superseded"
SUFFIX: Final = ".warc.gz"
MARK: Final = "-purged-"


class PurgeError(ValueError):
    """The purge list does not match the WARC files; nothing was changed."""


@dataclass(kw_only=True, slots=True)
class PurgePlan:
    purge_id: str
    entries: list[dict[str, Any]]
    already: int
    files: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    """Current file name -> offset -> purge-list entry."""


@dataclass(kw_only=True, slots=True)
class PurgeResult:
    purge_id: str
    removed: int
    already_purged: int
    rewritten: dict[str, str]
    """Old file name -> new file name."""
    superseded: Path | None
    applied: bool

    def as_dict(self) -> dict[str, Any]:
        """The outcome as ``heedful purge --json`` prints it."""
        return {
            "purge_id": self.purge_id if self.applied else None,
            "applied": self.applied,
            "records_removed": self.removed,
            "already_purged": self.already_purged,
            "files": self.rewritten,
            "superseded": str(self.superseded) if self.superseded else None,
        }


def read_purge_list(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise PurgeError(f"no purge list at {path}; run heedful recheck first")
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            item = entry["item"]
            entry["_key"] = (str(item["warc_file"]), int(item["warc_offset"]))
            str(entry["url"])
        except (ValueError, KeyError, TypeError) as exc:
            raise PurgeError(f"{path}:{number}: not a purge-list entry ({exc})") from None
        entries.append(entry)
    return entries


def new_name(old: str, purge_id: str) -> str:
    """``x.warc.gz`` -> ``x-purged-<id>.warc.gz`` (an earlier purge mark is replaced)."""
    stem = old.removesuffix(SUFFIX)
    stem = stem.split(MARK, 1)[0]
    return f"{stem}{MARK}{purge_id[:12]}{SUFFIX}"


def plan(
    directory: Path, entries: Iterable[dict[str, Any]], relocations: Any, purged: set[Any]
) -> PurgePlan:
    """Where each listed record is now, verified; raises :class:`PurgeError` on any mismatch."""
    locations = Locations(relocations)
    todo = [e for e in entries if e["_key"] not in purged]
    result = PurgePlan(purge_id="", entries=todo, already=0)
    result.already = sum(1 for e in entries if e["_key"] in purged)
    for entry in todo:
        file, offset = locations.current(*entry["_key"])
        result.files.setdefault(file, {})[offset] = entry
    result.purge_id = _purge_id(result.files)
    for file, targets in result.files.items():
        path = directory / file
        if "/" in file or not path.is_file():
            raise PurgeError(f"WARC file {file} is not in {directory}")
        with path.open("rb") as handle:
            for offset, entry in targets.items():
                record = read_at(handle, offset)
                if record is None or record.rec_type != "response":
                    raise PurgeError(f"{file}@{offset}: no response record for {entry['url']}")
                if record.url != entry["url"]:
                    raise PurgeError(f"{file}@{offset}: record is {record.url}, not {entry['url']}")
                if entry.get("sha256") and record.sha256 != entry["sha256"]:
                    raise PurgeError(f"{file}@{offset}: payload SHA-256 differs from the list")
    return result


def _purge_id(files: Mapping[str, Mapping[int, dict[str, Any]]]) -> str:
    """An id for removing exactly these records from exactly these files.

    The same plan always gets the same id, so the file names a dry run announces are those
    ``--apply`` writes; a plan differs from every earlier one, since applied items leave the
    list and their files get new names.
    """
    digest = hashlib.sha256()
    for file in sorted(files):
        for offset in sorted(files[file]):
            entry = files[file][offset]
            digest.update(f"{file}\0{offset}\0{entry['url']}\0{entry.get('sha256', '')}\n".encode())
    return digest.hexdigest()[:32]


def _rewrite(src: Path, dst: Path, drop: Mapping[int, Any]) -> list[tuple[int, int]]:
    """Copy every record of ``src`` but those at ``drop`` offsets; returns (old, new) offsets."""
    moves = []
    tmp = dst.with_name(dst.name + f".{os.getpid()}.tmp")
    with src.open("rb") as handle, tmp.open("wb") as out:
        for start, end in spans(src):
            if start in drop:
                continue
            handle.seek(start)
            moves.append((start, out.tell()))
            out.write(handle.read(end - start))
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(dst)
    return moves


async def purge(directory: Path, db_url: str, list_path: Path, *, apply: bool) -> PurgeResult:
    """Plan (and with ``apply``, carry out) the purge of every item on the list."""
    data = await load_async(db_url)
    entries = read_purge_list(list_path)
    the_plan = plan(directory, entries, data.relocations, data.purged_keys())
    rewritten = {old: new_name(old, the_plan.purge_id) for old in the_plan.files}
    if not apply or not the_plan.entries:
        return PurgeResult(
            purge_id=the_plan.purge_id,
            removed=len(the_plan.entries),
            already_purged=the_plan.already,
            rewritten=rewritten,
            superseded=None,
            applied=False,
        )
    ledger = Ledger(db_url)
    now = utcnow()
    superseded = directory / SUPERSEDED / the_plan.purge_id
    try:
        await ledger.create()
        for old, new in rewritten.items():
            targets = the_plan.files[old]
            for old_offset, new_offset in _rewrite(directory / old, directory / new, targets):
                ledger.add(
                    WarcRelocation,
                    {
                        "purge_id": the_plan.purge_id,
                        "old_file": old,
                        "old_offset": old_offset,
                        "new_file": new,
                        "new_offset": new_offset,
                    },
                )
            for entry in targets.values():
                ledger.add(
                    PurgedItem,
                    {
                        "purge_id": the_plan.purge_id,
                        "url": entry["url"],
                        "sha256": entry.get("sha256") or "",
                        "warc_file": entry["_key"][0],
                        "warc_offset": entry["_key"][1],
                        "reasons": entry.get("reasons") or [],
                        "purged_at": now,
                    },
                )
        ledger.add(
            PurgeAction,
            {
                "purge_id": the_plan.purge_id,
                "action": "apply",
                "at": now,
                "records_removed": len(the_plan.entries),
                "files_rewritten": len(rewritten),
                "detail": {
                    "files": rewritten,
                    "superseded": f"{SUPERSEDED}/{the_plan.purge_id}",
                    "list": list_path.name,
                },
            },
        )
        await ledger.flush()
        superseded.mkdir(parents=True, exist_ok=True)
        for old in rewritten:
            (directory / old).replace(superseded / old)
    finally:
        await ledger.close()
    return PurgeResult(
        purge_id=the_plan.purge_id,
        removed=len(the_plan.entries),
        already_purged=the_plan.already,
        rewritten=rewritten,
        superseded=superseded,
        applied=True,
    )


async def delete_superseded(directory: Path, db_url: str) -> list[str]:
    """Delete the old files every earlier purge kept; recorded as a ``delete-old`` action."""
    root = directory / SUPERSEDED
    found = (
        sorted(str(p.relative_to(directory)) for p in root.rglob("*") if p.is_file())
        if root.is_dir()
        else []
    )
    if not found:
        return []
    by_purge: dict[str, list[str]] = defaultdict(list)
    for name in found:
        by_purge[Path(name).parts[1]].append(name)
    ledger = Ledger(db_url)
    try:
        await ledger.create()
        for purge_id, names in sorted(by_purge.items()):
            ledger.add(
                PurgeAction,
                {
                    "purge_id": purge_id,
                    "action": "delete-old",
                    "at": utcnow(),
                    "detail": {"deleted": names},
                },
            )
        await ledger.flush()
        shutil.rmtree(root)
    finally:
        await ledger.close()
    return found
