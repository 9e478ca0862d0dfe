"""``heedful stamp --policy site.toml PATH...``: write the site policy's reservation and rights
fields into media files, in place (docs/decisions.md, Media-embedded signals).

Each file's URL path is its path below ``--root`` (by default the folder given, or a named
file's own folder), so ``/photos/a.jpg`` gets what the policy means for ``/photos/a.jpg``.

Exit status: 0 every media file stamped (or would be, with ``--dry-run``), 10 some file could not
be stamped (each is named on stderr with the reason and left unchanged: HEIF, AVIF and GIF, which
Exiv2 reads but cannot write, and damaged, encrypted or signed files), 2 bad usage or an
unreadable policy.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from heedful.cli.common import EXIT_NOT_STAMPED, read_policy


def _targets(paths: tuple[Path, ...], root: Path | None) -> Iterator[tuple[Path, str, bool]]:
    """Every file to consider, its URL path, and whether it was named on the command line
    (a named file that is not media is an error; one found in a folder is skipped)."""
    for given in paths:
        if given.is_dir():
            base = root or given
            for found in sorted(p for p in given.rglob("*") if p.is_file()):
                if not found.name.startswith("."):
                    yield found, _url_path(found, base), False
        else:
            yield given, _url_path(given, root or given.parent), True


def _url_path(path: Path, base: Path) -> str:
    try:
        return "/" + path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return "/" + path.name


@click.command("stamp")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--policy",
    "policy_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The site policy (TOML) whose reservation is written.",
)
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The folder served as the site's /: URL paths are relative to it.",
)
@click.option("--dry-run", is_flag=True, help="Say what would be written; change nothing.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def stamp(
    paths: tuple[Path, ...],
    policy_file: Path,
    root: Path | None,
    dry_run: bool,
    no_progress: bool,
) -> None:
    """Write the policy's AI-use reservation (IPTC plus:DataMining, TDMRep for PDF and EPUB)
    and rights fields into every image, XMP sidecar, MP3, MP4/M4A, FLAC, Ogg, PDF and EPUB in
    PATHS (folders recursively), in place.

    Every other metadata property and the image, audio or page data are kept. Exit status: 0
    all stamped, 10 some file could not be (named on stderr with why, left unchanged), 2 bad
    input.
    """
    from heedful.media.stamp import (
        NOT_WRITTEN,
        STAMPABLE,
        StampError,
        stamp_bytes,
        write_atomically,
    )
    from heedful.policies.signals.media import sniff
    from heedful.policies.signals.media.read import AUDIO_VIDEO, IMAGES
    from heedful.policies.signals.media.stamp_plan import plan_stamp

    policy = read_policy(policy_file)
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    media = IMAGES | AUDIO_VIDEO | STAMPABLE | NOT_WRITTEN.keys()
    targets = list(_targets(paths, root))
    failed = stamped = 0
    progress = Progress(
        TextColumn("stamp"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=err,
        disable=no_progress,
        transient=True,
    )
    with progress:
        task = progress.add_task("", total=len(targets))
        for path, url_path, named in targets:
            progress.update(task, description=escape(path.name))
            try:
                data = path.read_bytes()
                media_type = sniff(data, path.name)
                if media_type not in media:
                    if named:
                        raise StampError("not a media file Heedful reads")
                    continue
                plan = plan_stamp(policy, path=url_path, media_type=media_type)
                new = stamp_bytes(data, media_type, plan)
                if not dry_run:
                    write_atomically(path, new)
            except (StampError, OSError) as exc:
                failed += 1
                why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                progress.console.print(f"cannot stamp {escape(str(path))}: {escape(str(why))}")
            else:
                stamped += 1
                code = plan.data_mining.rsplit("/", 1)[-1]
                verb = "would stamp" if dry_run else "stamped"
                note = f"  [dim]({escape(plan.note)})[/dim]" if plan.note else ""
                out.print(f"{verb} {escape(str(path))} ({url_path}): {code}{note}")
            finally:
                progress.advance(task)
    summary = f"{stamped} {'would be stamped' if dry_run else 'stamped'}, {failed} could not be"
    err.print(summary)
    sys.exit(EXIT_NOT_STAMPED if failed else 0)
