"""``heedful ranges``: the shipped snapshots of vendors' published crawler IP ranges.

``heedful ranges list`` shows each snapshot, its source and date, and whether it is a
placeholder. ``heedful ranges refresh --vendor NAME FILE`` imports a vendor file downloaded by
hand (Heedful downloads nothing): the file is validated in the vendors' published shape
(:func:`heedful.policies.identity.ranges.parse_prefixes`) before anything is written, then written as
the snapshot ``NAME`` with today's date (or ``--date``). Exit status 2 for a bad file or name.
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import click

from heedful.cli.common import Failure
from heedful.policies.identity.ranges import (
    RANGES_DIR,
    RangeFileError,
    bundled_snapshots,
    is_snapshot_name,
    parse_snapshot,
    refreshed,
)


def _default_dir() -> Path:
    return Path(str(resources.files("heedful.policies").joinpath(RANGES_DIR)))


@click.group("ranges")
def ranges() -> None:
    """Vendors' published crawler IP ranges, as dated snapshots."""


@ranges.command("list")
def list_command() -> None:
    """Every shipped snapshot: name, agents, date, source, placeholder or not."""
    for snap in bundled_snapshots():
        mark = "  PLACEHOLDER" if snap.placeholder else ""
        click.echo(
            f"{snap.name:<26} {','.join(snap.agents):<28} {snap.retrieved}  "
            f"{len(snap.prefixes):>5} prefixes  {snap.source}{mark}"
        )


@ranges.command("refresh")
@click.option(
    "--vendor", "name", required=True, help="The snapshot to replace (see 'heedful ranges list')."
)
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--date",
    "retrieved",
    default=None,
    help="YYYY-MM-DD the file was downloaded [default: today, UTC].",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="The snapshot folder to write [default: the installed policies/data/ranges].",
)
def refresh_command(name: str, file: Path, retrieved: str | None, data_dir: Path | None) -> None:
    """Replace snapshot NAME with the vendor's FILE (validated first; nothing is downloaded)."""
    if not is_snapshot_name(name):
        raise Failure(f"not a snapshot name: {name!r}")
    folder = data_dir or _default_dir()
    target = folder / f"{name}.json"
    if not target.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.json")))
        raise Failure(f"no snapshot {name!r} in {folder} (known: {known})")
    day = retrieved or datetime.now(UTC).date().isoformat()
    try:
        text = refreshed(target.read_text(encoding="utf-8"), file.read_bytes(), retrieved=day)
        snap = parse_snapshot(name, text)
    except (OSError, RangeFileError) as exc:
        raise Failure(f"{file}: {exc}") from None
    target.write_text(text, encoding="utf-8")
    click.echo(f"{target}: {len(snap.prefixes)} prefixes from {file}, retrieved {snap.retrieved}")
