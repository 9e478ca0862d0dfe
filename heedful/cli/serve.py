"""``heedful serve``: publish one site policy in every format, take removal requests, and sell
the licences it offers (the licence server under ``/licensing``, docs/server.md).

The first line on stdout is the URL the server listens on (``--port 0`` picks a free port and
prints the real one); the second is the admin token on first start (shown once, only its hash
is stored) or a note that it was set before. Access log lines go to stderr as JSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from heedful.cli.common import Failure
from heedful.policies.errors import PolicyFormatError
from heedful.policies.plural import counted

if TYPE_CHECKING:
    from heedful.signalserver.config import ServerConfig
    from heedful.signalserver.keys import Startup

TOKEN_LABEL = "admin token (shown once; only its hash is stored)"  # noqa: S105 -- a label
TOKEN_KEPT = "admin token: unchanged (set on first start; only its hash is stored)"  # noqa: S105


class WorkerFailure(click.ClickException):
    """A worker process died while serving; the others were stopped (exit status 1)."""

    exit_code = 1


@click.command()
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The site policy (TOML) to publish.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="Port; 0 picks a free one.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes serving the port together (SO_REUSEPORT); about one per CPU.",
)
@click.option(
    "--db",
    "database",
    help="Database URL: sqlite:///path/file.db or postgresql://user:pass@host/db "
    "[default: POLICY-STEM.heedful.db beside the policy file, one per policy].",
)
@click.option(
    "--static",
    "static_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Serve this directory, adding the policy's headers.",
)
@click.option("--upstream", help="Reverse-proxy this origin, adding the policy's headers.")
@click.option(
    "--base-url",
    help="Public origin for absolute URLs (License:, Link) [default: each request's origin].",
)
@click.option(
    "--rate-limit",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Writes per minute per client (removal requests, logins, admin changes).",
)
@click.option(
    "--burst",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Writes a client may make at once.",
)
@click.option("--no-access-log", is_flag=True, help="Do not write JSON access lines to stderr.")
@click.option(
    "--no-enforcement",
    is_flag=True,
    help="Do not identify crawlers or apply the policy's [enforcement] table.",
)
@click.option(
    "--violation-ip",
    type=click.Choice(["full", "truncated", "hashed"]),
    default="truncated",
    show_default=True,
    help="How the violation log keeps client addresses (docs/enforcement.md).",
)
@click.option(
    "--ranges",
    "ranges_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Published IP range snapshots (*.json) instead of the shipped ones.",
)
@click.option(
    "--key-directory-ca",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CA bundle to trust for Web Bot Auth key directories [default: the system's].",
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    metavar="CIDR",
    help="A reverse proxy in front of the server whose X-Forwarded-For is believed (repeatable).",
)
@click.option(
    "--token-seconds",
    type=click.IntRange(min=1),
    default=3600,
    show_default=True,
    help="Lifetime of the licence tokens the licence server issues (expires_in).",
)
@click.option(
    "--token-rate-limit",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="Licence token and introspection requests per minute per client address.",
)
def serve(
    policy_path: Path,
    host: str,
    port: int,
    workers: int,
    database: str | None,
    static_dir: Path | None,
    upstream: str | None,
    base_url: str | None,
    rate_limit: float,
    burst: int,
    no_access_log: bool,
    no_enforcement: bool,
    violation_ip: str,
    ranges_dir: Path | None,
    key_directory_ca: Path | None,
    trusted_proxies: tuple[str, ...],
    token_seconds: int,
    token_rate_limit: float,
) -> None:
    """Serve robots.txt, ai.txt, TDMRep, RSL and headers from one policy; take removal requests.

    Exit status: 0 after SIGINT/SIGTERM, 2 for a bad policy or option (every problem listed),
    1 when one of the --workers processes dies (the others are stopped).
    """
    from heedful.cli.database import prepare_database
    from heedful.policies.sitepolicy import load_site_policy
    from heedful.signalserver.config import (
        LEGACY_DB_NAME,
        ConfigError,
        ServerConfig,
        async_database_url,
        check_base_url,
        default_database_path,
        default_database_url,
    )

    try:
        text = policy_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Failure(f"cannot read {policy_path}: {exc}") from None
    try:
        load_site_policy(text, filename=str(policy_path))
    except PolicyFormatError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise Failure(
            f"{policy_path}: {counted(len(exc.problems), 'problem')}; nothing was served"
        ) from None
    try:
        database_url = (
            async_database_url(database) if database else default_database_url(policy_path)
        )
    except ConfigError as exc:
        raise Failure(str(exc)) from None
    prepare_database(database_url, create=True)
    legacy = policy_path.resolve().with_name(LEGACY_DB_NAME)
    if not database and legacy.is_file() and not default_database_path(policy_path).exists():
        click.echo(
            f"note: each policy now has its own default database; {legacy} (the folder's "
            f"shared one before) is left alone: pass --db sqlite:///{legacy} to keep using it",
            err=True,
        )
    try:
        config = ServerConfig(
            database_url=database_url,
            policy_text=text,
            policy_filename=policy_path.name,
            base_url=check_base_url(base_url) if base_url else None,
            static_dir=static_dir,
            upstream=upstream,
            rate_per_minute=rate_limit,
            rate_burst=burst,
            access_log=not no_access_log,
            enforcement=not no_enforcement,
            violation_ip=violation_ip,
            ranges_dir=ranges_dir,
            key_directory_ca=key_directory_ca,
            trusted_proxies=trusted_proxies,
            token_seconds=token_seconds,
            token_rate_per_minute=token_rate_limit,
        )
    except ConfigError as exc:
        raise Failure(str(exc)) from None
    _run(config, host, port, workers)


def _announce(url: str, startup: Startup) -> None:
    """The two first lines on stdout: the URL, then the admin token on first start."""
    token = startup.new_admin_token
    startup.new_admin_token = None
    print(url, flush=True)
    print(f"{TOKEN_LABEL}: {token}" if token else TOKEN_KEPT, flush=True)


def _run(config: ServerConfig, host: str, port: int, workers: int) -> None:
    from heedful.signalserver.app import StartupError
    from heedful.signalserver.workers import WorkerDied, Workers, run, serve

    try:
        if workers == 1:
            run(serve(config, host, port, ready=_announce))
            return
        group = Workers(config, host, port, workers)
        _announce(group.url, group.start())
        group.run()
    except StartupError as exc:
        raise Failure(str(exc)) from None
    except WorkerDied as exc:
        raise WorkerFailure(str(exc)) from None
