"""The SQLite file behind a ``--db`` URL, checked before any command opens it.

SQLite creates a missing file but not a missing folder, and its driver then says only "unable
to open database file" (``OperationalError``) with no path. Every command that takes ``--db``
(``serve``, ``crawl``, ``ledger``, ``report``, ``credits``, ``recheck``, ``purge``) passes the URL
through :func:`prepare_database` first: a command that writes makes the folder, a command that
only reads an existing ledger says that there is none, and a path that cannot be opened is one
plain sentence naming it (exit status 2). Other databases (PostgreSQL) pass through unchanged.
"""

from __future__ import annotations

import os
from pathlib import Path

from heedful.cli.common import Failure


def sqlite_file(url: str) -> Path | None:
    """The file a ``sqlite://`` URL (any driver) names; ``None`` for memory or another database.

    ``sqlite:///var/h.db`` is the relative path ``var/h.db``, ``sqlite:////srv/h.db`` the absolute
    ``/srv/h.db`` (SQLAlchemy's URL grammar); a query string (``?mode=ro``) is not part of it.
    """
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower().split("+")[0] != "sqlite":
        return None
    path = rest.partition("?")[0]
    if not path.startswith("/"):
        return None  # sqlite://host/... is not a file URL; SQLAlchemy rejects it with its reason
    path = path[1:]
    if path in ("", ":memory:") or path.startswith("file:"):
        return None
    return Path(path)


def prepare_database(url: str, *, create: bool) -> None:
    """Make sure the SQLite file ``url`` names can be opened, or fail naming it.

    ``create``: the command writes (a server, a crawl), so the folder is made when missing.
    Otherwise the command reads an existing ledger, and a missing file is reported as such
    rather than created empty.
    """
    path = sqlite_file(url)
    if path is None:
        return
    if not create:
        if not path.is_file():
            raise Failure(f"no ledger at {path}")
        return
    folder = path.parent
    blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise Failure(f"cannot open the database {path}: {blocker} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise Failure(
            f"cannot open the database {path}: its folder {folder} cannot be created ({reason})"
        ) from None
    if path.is_dir():
        raise Failure(f"cannot open the database {path}: it is a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise Failure(f"cannot open the database {path}: the folder {folder} is not writable")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise Failure(f"cannot open the database {path}: the file is not readable and writable")
