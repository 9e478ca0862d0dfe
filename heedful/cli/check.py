"""``heedful check URL_OR_FILE...``: fetch a site's signals and decide, with reasons; for media
(a local file, or a URL whose response is an image, audio, video, PDF or EPUB) also read the
statements embedded in the file."""

from __future__ import annotations

import asyncio
import sys

import click
from rich.console import Console

from heedful.cli.common import (
    AIPREF_DRAFT_OPTION,
    EXIT_DENIED,
    EXIT_FAILED,
    EXIT_LICENSE,
    EXIT_UNKNOWN,
    Failure,
    budget_options,
)
from heedful.cli.output import Budget, decision_json, print_decision, print_matrix, print_media
from heedful.client.check import check_urls
from heedful.client.media import MediaCheck, is_local_file, media_of, read_local
from heedful.policies.agents import HEEDFUL_TOKEN, published_agents
from heedful.policies.budget import Money
from heedful.policies.model import AiprefDraft, Decision, Mode, Use, Verdict
from heedful.policies.origin import BadURL


@click.command()
@click.argument("targets", nargs=-1, required=True)
@click.option(
    "--agent", default=HEEDFUL_TOKEN, show_default=True, help="Product token to decide for."
)
@click.option(
    "--agents", "all_agents", type=click.Choice(["all"]), help="Decide for every known AI agent."
)
@click.option(
    "--use",
    "use",
    type=click.Choice([u.value for u in Use]),
    default=Use.GENAI_TRAIN.value,
    show_default=True,
    help="The use the content is wanted for.",
)
@click.option(
    "--mode",
    type=click.Choice([m.value for m in Mode]),
    default=Mode.OPT_OUT.value,
    show_default=True,
    help="opt-out: silence allows; consent: silence denies.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1, max=600),
    default=10.0,
    show_default=True,
    help="Seconds allowed for each fetch; a host that does not answer in time is failed.",
)
@click.option(
    "--tdm-covers-search", is_flag=True, help="Read a TDM reservation as covering search too."
)
@AIPREF_DRAFT_OPTION
@budget_options
def check(
    targets: tuple[str, ...],
    agent: str,
    all_agents: str | None,
    use: str,
    mode: str,
    as_json: bool,
    timeout: float,
    tdm_covers_search: bool,
    aipref_draft: str,
    budget: Money | None,
    max_price: Money | None,
) -> None:
    """Fetch a site's signals and decide whether TARGETS (URLs or local media files) may be used.

    A local file is decided by the statements embedded in it (IPTC plus:DataMining, C2PA/CAWG
    training-mining, TDMRep in PDF/EPUB); a URL whose response is media by the site's signals
    narrowed by the file's own.

    Exit status: 0 every target allowed, 3 any denied, 4 none denied but some need a licence,
    7 some host or page gave no usable answer (no response, 404, 5xx), 8 some use is unknown
    because a signal file that governs it could not be read. 7 goes before 8, 8 before 3 and 4.
    """
    if max_price is not None and budget is None:
        raise click.UsageError("--max-price needs --budget")
    pricing = Budget(budget, max_price) if budget is not None else None
    agents = [a.token for a in published_agents()] if all_agents else [agent]
    files = [t for t in targets if is_local_file(t)]
    urls = [t for t in targets if t not in files]
    console = Console(highlight=False, soft_wrap=True)
    verdicts: list[Verdict] = []
    asked = Use(use)
    for path in files:
        try:
            local = MediaCheck(path, read_local(path))
        except OSError as exc:
            raise Failure(f"{path}: {exc.strerror or exc}") from None
        if as_json:
            click.echo(local.to_json(asked, mode=Mode(mode), tdm_covers_search=tdm_covers_search))
        else:
            print_media(console, local, asked, mode=Mode(mode), tdm_covers_search=tdm_covers_search)
        verdicts.append(local.verdict(asked, mode=Mode(mode), tdm_covers_search=tdm_covers_search))
    if not urls:
        sys.exit(_exit_status(verdicts))
    try:
        checked = asyncio.run(check_urls(urls, agents=agents, fetch_timeout=timeout))
        media = {} if all_agents else asyncio.run(media_of(checked, fetch_timeout=timeout))
    except BadURL as exc:
        raise Failure(str(exc)) from None
    for item in checked:
        if all_agents:
            rows = []
            for token in agents:
                cells = [
                    item.decide(
                        agent=token,
                        use=u,
                        mode=Mode(mode),
                        tdm_covers_search=tdm_covers_search,
                        aipref_draft=AiprefDraft(aipref_draft),
                    )
                    for u in Use
                ]
                rows.append((token, cells))
                _emit(cells, as_json, pricing)
            if not as_json:
                print_matrix(console, item.url, rows)
            verdicts.extend(d.verdict for _, cells in rows for d in cells if d.use == Use(use))
        else:
            decision = item.decide(
                agent=agent,
                use=Use(use),
                mode=Mode(mode),
                tdm_covers_search=tdm_covers_search,
                aipref_draft=AiprefDraft(aipref_draft),
            )
            if item.url in media:
                # ``None``: media that could not be fetched whole, so its use is unknown.
                found = MediaCheck(item.url, media[item.url], decision)
                if as_json:
                    click.echo(
                        found.to_json(asked, mode=Mode(mode), tdm_covers_search=tdm_covers_search)
                    )
                else:
                    print_decision(console, decision, pricing)
                    print_media(
                        console, found, asked, mode=Mode(mode), tdm_covers_search=tdm_covers_search
                    )
                verdicts.append(
                    found.verdict(asked, mode=Mode(mode), tdm_covers_search=tdm_covers_search)
                )
                continue
            if as_json:
                _emit([decision], True, pricing)
            else:
                print_decision(console, decision, pricing)
            verdicts.append(decision.verdict)
    sys.exit(_exit_status(verdicts))


def _emit(decisions: list[Decision], as_json: bool, budget: Budget | None = None) -> None:
    if as_json:
        for decision in decisions:
            click.echo(decision_json(decision, budget))


def _exit_status(verdicts: list[Verdict]) -> int:
    if Verdict.FAILED in verdicts:
        return EXIT_FAILED
    if Verdict.UNKNOWN in verdicts:
        return EXIT_UNKNOWN
    if Verdict.DENY in verdicts:
        return EXIT_DENIED
    if Verdict.LICENSE in verdicts:
        return EXIT_LICENSE
    return 0
