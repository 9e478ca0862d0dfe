"""``heedful export``: web-server configuration that publishes a site policy without Heedful.

The configuration itself is the core's (:mod:`heedful.policies.sitepolicy.servers`); this command
reads the policy file, writes the site files when asked and prints the configuration.
"""

from __future__ import annotations

from pathlib import Path

import click

from heedful.cli.common import Failure
from heedful.policies.errors import PolicyFormatError
from heedful.policies.sitepolicy import load_site_policy, render_site
from heedful.policies.sitepolicy.servers import FORMATS, apache, caddy, file_path, nginx


@click.command("export")
@click.option("--policy", "policy_file", required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", required=True, type=click.Choice(FORMATS))
@click.option("--version", "version", default="1", show_default=True, help="Policy version.")
@click.option("--base-url", default=None, help="Site URL (default: [site] url).")
@click.option(
    "--part",
    type=click.Choice(["all", "http", "server"]),
    default="all",
    show_default=True,
    help="nginx: the http { } maps, the server { } part, or both.",
)
@click.option(
    "--files-dir",
    default="/var/www/heedful",
    show_default=True,
    help="nginx/apache: where the config expects robots.txt, ai.txt, tdmrep.json, license.xml.",
)
@click.option("--write-files", is_flag=True, help="Also write those files into --files-dir.")
def export(
    policy_file: str,
    fmt: str,
    version: str,
    base_url: str | None,
    part: str,
    files_dir: str,
    write_files: bool,
) -> None:
    """Print web-server configuration that publishes a site policy (exit 2 on a bad policy)."""
    try:
        data = Path(policy_file).read_bytes()
    except OSError as exc:
        raise Failure(f"cannot read {policy_file}: {exc.strerror or exc}") from None
    try:
        policy = load_site_policy(data, filename=policy_file)
        rendered = render_site(policy, version=version, base_url=base_url)
    except PolicyFormatError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(exc.exit_code) from None
    except ValueError as exc:
        raise Failure(str(exc)) from None
    if write_files:
        try:
            Path(files_dir).mkdir(parents=True, exist_ok=True)
            for path, (_, body) in rendered.files().items():
                Path(file_path(files_dir, path)).write_text(body, encoding="utf-8")
        except OSError as exc:
            raise Failure(f"cannot write to {files_dir}: {exc.strerror or exc}") from None
    if fmt == "nginx":
        text = nginx(rendered, files_dir=files_dir, part=part)
    elif fmt == "apache":
        text = apache(rendered, files_dir=files_dir)
    else:
        text = caddy(rendered)
    click.echo(text, nl=False)
