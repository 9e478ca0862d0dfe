"""``heedful audit URL`` and ``heedful diff URL --policy FILE``.

audit: every signal of an origin, its contradictions, gaps and score. Exit status 0 (findings
are reported, not judged) unless ``--fail-on`` is given: then 5 when some finding is at least
that severe.

diff: every cell where the live site decides differently from its site policy. Exit status 0
when none, 6 when some differ.

Both: 2 for bad usage, an unusable URL or an invalid policy file.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path
from typing import Final
from urllib.parse import urljoin

import click
from rich.console import Console

from heedful.cli.audit_output import (
    diff_json,
    print_differences,
    print_media_audit,
    print_offer_differences,
    print_report,
    report_json,
    sarif,
    with_media,
)
from heedful.cli.audit_output import explain as explain_cell
from heedful.cli.common import AIPREF_DRAFT_OPTION, Failure, budget_options, fail_on_option
from heedful.cli.output import Budget, offer_json, print_offer
from heedful.client.audit import MAX_SAMPLE, gather
from heedful.client.audit_media import DEFAULT_MAX_FILES as DEFAULT_MAX_MEDIA
from heedful.client.audit_media import MAX_FILES as MAX_MEDIA_FILES
from heedful.client.audit_media import audit_media
from heedful.client.served import DEFAULT_MAX_REQUESTS
from heedful.client.served import probe_agents as probe
from heedful.policies.audit.analysis import audit
from heedful.policies.audit.diff import media_probes, policy_diff
from heedful.policies.audit.offer_diff import offer_diff
from heedful.policies.budget import Money
from heedful.policies.diagnostics import Severity, reaches
from heedful.policies.model import AiprefDraft, Mode, Use
from heedful.policies.origin import BadURL, page_origin
from heedful.policies.plural import counted
from heedful.policies.sitepolicy import PolicyFormatError, load_site_policy

_TOKEN: Final = re.compile(r"[A-Za-z0-9_.-]+")
EXIT_FINDINGS: Final = 5
"""``heedful audit --fail-on``: a finding at or above the threshold."""
EXIT_DIFFERENCES: Final = 6
"""``heedful diff``: the live site decides some cell differently from the policy."""


@click.command("audit")
@click.argument("url")
@click.option(
    "--sample",
    type=click.IntRange(0, MAX_SAMPLE),
    default=5,
    show_default=True,
    help="Also audit up to N same-origin pages from the sitemap, else the page's links.",
)
@click.option("--agent", "agents", multiple=True, help="Extra product token for the matrix.")
@click.option(
    "--explain",
    nargs=2,
    metavar="AGENT USE",
    help="Print the reasons behind one matrix cell and exit.",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
)
@fail_on_option(EXIT_FINDINGS)
@click.option("--no-matrix", is_flag=True, help="Leave the agents x uses table out of the text.")
@click.option(
    "--mode",
    type=click.Choice([m.value for m in Mode]),
    default=Mode.OPT_OUT.value,
    show_default=True,
)
@click.option("--tdm-covers-search", is_flag=True)
@click.option("--timeout", type=click.FloatRange(min=0.1, max=600), default=10.0, show_default=True)
@click.option(
    "--probe-agents",
    is_flag=True,
    help="Also fetch robots.txt and the pages as each class of agent and report what differs.",
)
@click.option(
    "--as",
    "as_tokens",
    multiple=True,
    metavar="TOKEN",
    help="Add a probe sending this crawler's product token (your own site; implies --probe-agents).",
)
@click.option(
    "--max-requests",
    type=click.IntRange(min=1, max=1000),
    default=DEFAULT_MAX_REQUESTS,
    show_default=True,
    help="Most requests the agent probes make in all.",
)
@click.option(
    "--media",
    "media",
    is_flag=True,
    help="Also fetch the media the pages embed or link and report metadata that disagrees.",
)
@click.option(
    "--max-media",
    type=click.IntRange(0, MAX_MEDIA_FILES),
    default=DEFAULT_MAX_MEDIA,
    show_default=True,
    help="Most media files --media reads.",
)
@AIPREF_DRAFT_OPTION
@budget_options
def audit_command(
    url: str,
    sample: int,
    agents: tuple[str, ...],
    explain: tuple[str, str] | None,
    as_json: bool,
    fmt: str,
    fail_on: str | None,
    no_matrix: bool,
    mode: str,
    tdm_covers_search: bool,
    timeout: float,
    probe_agents: bool,
    as_tokens: tuple[str, ...],
    max_requests: int,
    media: bool,
    max_media: int,
    aipref_draft: str,
    budget: Money | None,
    max_price: Money | None,
) -> None:
    """Audit what URL's site tells AI crawlers: matrix, contradictions, gaps, score and the
    licence offers of its RSL documents (with --budget: whether each would be covered).

    Exit status: 0, or 5 with --fail-on when a finding is at least that severe; 2 bad input.
    """
    if max_price is not None and budget is None:
        raise click.UsageError("--max-price needs --budget")
    pricing = Budget(budget, max_price) if budget is not None else None
    for token in as_tokens:
        if not _TOKEN.fullmatch(token):
            raise Failure(f"--as {token!r} is not a product token (letters, digits, _ . -)")
    explain_use = None
    if explain:
        try:
            explain_use = Use(explain[1])
        except ValueError:
            uses = ", ".join(u.value for u in Use)
            raise click.BadParameter(f"{explain[1]!r} is not a use ({uses})") from None
    try:
        data = asyncio.run(gather(url, sample=sample, fetch_timeout=timeout))
    except BadURL as exc:
        raise Failure(str(exc)) from None
    report = audit(
        data,
        agents=agents,
        mode=Mode(mode),
        tdm_covers_search=tdm_covers_search,
        aipref_draft=AiprefDraft(aipref_draft),
    )
    if probe_agents or as_tokens:
        pages = [page_url for page_url, _ in data.pages]
        served = asyncio.run(
            probe(
                url,
                pages,
                as_tokens=as_tokens,
                max_requests=max_requests,
                fetch_timeout=timeout,
            )
        )
        report = report.with_served(served)
    found = None
    if media:
        found = asyncio.run(
            audit_media(
                data,
                max_files=max_media,
                fetch_timeout=timeout,
                mode=Mode(mode),
                tdm_covers_search=tdm_covers_search,
            )
        )
    console = Console(highlight=False, soft_wrap=True)
    if explain and explain_use is not None:
        if not explain_cell(console, report, explain[0], explain_use):
            raise Failure(f"{explain[0]!r} is not in the matrix; add it with --agent")
        sys.exit(0)
    offers = [offer for doc in data.site.licenses.values() for offer in doc.offers()]
    fmt = "json" if as_json else fmt
    if fmt == "json":
        text = report_json(report) if found is None else with_media(report_json(report), found)
        payload = json.loads(text)
        payload["offers"] = [offer_json(offer, pricing) for offer in offers]
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    elif fmt == "sarif":
        click.echo(json.dumps(sarif(report), indent=2, ensure_ascii=False))
    else:
        print_report(console, report, matrix=not no_matrix)
        if found is not None:
            print_media_audit(console, found)
        if offers:
            console.print(f"[bold]Licence offers[/bold] ({counted(len(offers), 'offer')})")
            for offer in offers:
                print_offer(console, offer, pricing)
    media_severities = found.severities if found is not None else []
    sys.exit(exit_status([f.severity for f in report.findings] + media_severities, fail_on))


def exit_status(severities: list[Severity], fail_on: str | None) -> int:
    """``EXIT_FINDINGS`` when some severity reaches ``fail_on``, else 0."""
    if fail_on is None:
        return 0
    return EXIT_FINDINGS if reaches(severities, Severity(fail_on)) else 0


@click.command("diff")
@click.argument("url")
@click.option(
    "--policy",
    "policy_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The Heedful site policy (TOML) the site is meant to publish.",
)
@click.option(
    "--sample",
    type=click.IntRange(0, MAX_SAMPLE),
    default=5,
    show_default=True,
    help="Also compare up to N same-origin pages (sitemap, else links), headers included.",
)
@click.option("--agent", "agents", multiple=True, help="Extra product token to compare.")
@click.option("--json", "as_json", is_flag=True, help="The differences as a JSON object.")
@click.option(
    "--mode",
    type=click.Choice([m.value for m in Mode]),
    default=Mode.OPT_OUT.value,
    show_default=True,
    help="How a crawler reads silence in the live files.",
)
@click.option("--tdm-covers-search", is_flag=True)
@click.option("--timeout", type=click.FloatRange(min=0.1, max=600), default=10.0, show_default=True)
def diff_command(
    url: str,
    policy_file: Path,
    sample: int,
    agents: tuple[str, ...],
    as_json: bool,
    mode: str,
    tdm_covers_search: bool,
    timeout: float,
) -> None:
    """Compare what URL's site publishes with what its policy FILE means.

    Every path x agent x use where the live verdict differs from the policy's is listed with
    the live file and line that decided. Exit status: 0 none, 6 some differ, 2 bad input.
    """
    try:
        text = policy_file.read_bytes()
    except OSError as exc:
        raise Failure(f"cannot read {policy_file}: {exc.strerror or exc}") from None
    try:
        policy = load_site_policy(text, filename=str(policy_file))
    except PolicyFormatError as exc:
        first, *rest = exc.problems
        more = f" (and {counted(len(rest), 'more problem')})" if rest else ""
        raise Failure(f"{first}{more}") from None
    try:
        probes = [urljoin(page_origin(url), path) for path in media_probes(policy)]
        data = asyncio.run(gather(url, sample=sample, fetch_timeout=timeout, extra=probes))
    except BadURL as exc:
        raise Failure(str(exc)) from None
    differences = policy_diff(
        data, policy, agents=agents, mode=Mode(mode), tdm_covers_search=tdm_covers_search
    )
    offers = offer_diff(data, policy)
    if as_json:
        payload = json.loads(diff_json(url, differences))
        payload["offers"] = [d.as_dict() for d in offers]
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        console = Console(highlight=False, soft_wrap=True)
        print_differences(console, url, differences)
        print_offer_differences(console, offers)
    sys.exit(EXIT_DIFFERENCES if differences or offers else 0)
