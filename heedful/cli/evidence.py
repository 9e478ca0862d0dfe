"""``heedful evidence``: one self-contained bundle about one crawler, from the server's database.

The bundle (``evidence.json`` and ``evidence.html``, optionally ``policy-files.warc.gz``) holds
the policy versions in force over the period with their text and the SHA-256 of every file each
published, the crawler's violating requests, and how its identity was verified. What it does
and does not prove is in docs/enforcement.md ("Evidence") and in the bundle itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import json
from collections import Counter
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any, Final

import click

from heedful.cli.common import Failure
from heedful.cli.violations import parse_when

LIMITS: Final = (
    "The log records what this server saw and answered. It shows that requests naming this "
    "crawler arrived while these policy versions were published, and which rule each broke. "
    "It does not by itself prove who sent them: 'signature' is a Web Bot Auth signature "
    "verified against the signer's key directory at the time; 'ip-range' an address inside the "
    "operator's published ranges as of the snapshot's date; 'unverified' only a User-Agent "
    "claim; 'spoofed' a claim the published ranges refute. Nor does it show what the crawler "
    "did with the content afterwards. The file hashes are of the files as Heedful renders each "
    "stored version for the policy's own site URL; a server started with another --base-url "
    "published the same rules with other absolute URLs."
)


async def _gather(
    url: str, agent: str, since: datetime | None, until: datetime | None
) -> dict[str, Any]:
    from heedful.signalserver import store
    from heedful.signalserver.db import Database, make_engine
    from heedful.signalserver.live import render
    from heedful.signalserver.publishing import to_live
    from heedful.signalserver.routes.admin import violation_view

    engine = make_engine(url)
    db = Database(engine)
    try:
        history = await store.policy_history(db)
        rows = []
        before = None
        while True:
            page = await store.violations(
                db, agent=agent, since=since, until=until, before=before, limit=store.MAX_PAGE
            )
            rows += page
            if len(page) < store.MAX_PAGE:
                break
            before = page[-1].id
    finally:
        await engine.dispose()
    start = store.naive(since) if since else None
    end = store.naive(until) if until else None
    in_force = [
        row
        for i, row in enumerate(history)
        if (end is None or row.created_at < end)
        and (start is None or i + 1 >= len(history) or history[i + 1].created_at > start)
    ]
    versions, renderings = [], []
    for row in in_force:
        live = to_live(row)
        rendering = render(live, None)
        renderings.append(rendering)
        versions.append(
            {
                "number": live.number,
                "version": live.version,
                "live_from": store.iso(live.created_at),
                "text_sha256": live.sha256,
                "text": live.text,
                "files": {
                    path: hashlib.sha256(published.body).hexdigest()
                    for path, published in rendering.files.items()
                },
            }
        )
    views = [violation_view(r) for r in reversed(rows)]
    return {
        "agent": agent,
        "period": {
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
        },
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "policy_versions": versions,
        "violations": views,
        "identity": {
            "levels": dict(Counter(v["verification"] for v in views)),
            "evidence": sorted({str(v["evidence"]) for v in views}),
            "signers": sorted({str(v["signer"]) for v in views if v["signer"]}),
        },
        "what_this_proves": LIMITS,
        "_renderings": renderings,
    }


def _warc(path: Path, renderings: list[Any]) -> None:
    """Every published file of every version, as the server answered it, one WARC response each."""
    from warcio.statusandheaders import StatusAndHeaders  # type: ignore[import-untyped]
    from warcio.warcwriter import WARCWriter  # type: ignore[import-untyped]

    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for rendering in renderings:
            base = rendering.site.base_url.rstrip("/")
            when = rendering.live.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
            for file_path, published in rendering.files.items():
                headers = StatusAndHeaders(
                    "200 OK", list(published.headers.items()), protocol="HTTP/1.1"
                )
                record = writer.create_warc_record(
                    base + file_path,
                    "response",
                    payload=BytesIO(published.body),
                    http_headers=headers,
                    warc_headers_dict={"WARC-Date": when},
                )
                writer.write_record(record)


def _html(bundle: dict[str, Any], digest: str) -> str:
    e = html.escape
    versions = "".join(
        f"<li>{e(v['version'])} live from {e(v['live_from'])}; text SHA-256 "
        f"<code>{e(v['text_sha256'])}</code><ul>"
        + "".join(f"<li>{e(p)}: <code>{e(h)}</code></li>" for p, h in v["files"].items())
        + "</ul></li>"
        for v in bundle["policy_versions"]
    )
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{e(str(v[k]))}</td>"
            for k in (
                "time",
                "verification",
                "client_ip",
                "method",
                "path",
                "rule",
                "policy_version",
                "status",
                "blocked",
            )
        )
        + "</tr>"
        for v in bundle["violations"]
    )
    levels = ", ".join(f"{k}: {n}" for k, n in sorted(bundle["identity"]["levels"].items()))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Evidence: {e(bundle['agent'])}</title><style>body{{font-family:system-ui,"
        "sans-serif;margin:2rem}td,th{border-bottom:1px solid #ccc;padding:.2rem .4rem;"
        "text-align:left}table{border-collapse:collapse}</style></head><body>"
        f"<h1>Evidence: {e(bundle['agent'])}</h1><p>Generated {e(bundle['generated_at'])}; "
        f'evidence.json SHA-256 <code id="digest">{digest}</code>.</p>'
        f"<h2>What this proves</h2><p>{e(LIMITS)}</p>"
        f"<h2>Policy versions in force</h2><ul>{versions}</ul>"
        f'<h2>Identity</h2><p id="levels">{e(levels) or "no requests"}</p><ul>'
        + "".join(f"<li>{e(x)}</li>" for x in bundle["identity"]["evidence"])
        + f"</ul><h2>Violating requests ({len(bundle['violations'])})</h2><table><tr>"
        "<th>Time</th><th>Identity</th><th>Address</th><th>Method</th><th>Path</th><th>Rule</th>"
        f"<th>Version</th><th>Status</th><th>Refused</th></tr>{rows}</table></body></html>\n"
    )


@click.command("evidence")
@click.option("--db", "database", required=True, help="The database heedful serve writes.")
@click.option("--agent", required=True, help="The crawler's catalogue token, e.g. GPTBot.")
@click.option("--since", help="From this date or time (UTC unless it says otherwise).")
@click.option("--until", help="Before this date or time.")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write evidence.json and evidence.html into (made if missing).",
)
@click.option("--warc", is_flag=True, help="Also write policy-files.warc.gz (the files as served).")
def evidence_command(
    database: str, agent: str, since: str | None, until: str | None, out_dir: Path, warc: bool
) -> None:
    """A self-contained bundle about one crawler: policies in force, violations, identity.

    Exit status: 0, 2 for bad usage or a database without the log.
    """
    from heedful.cli.database import prepare_database
    from heedful.signalserver.config import ConfigError, async_database_url

    try:
        url = async_database_url(database)
    except ConfigError as exc:
        raise Failure(str(exc)) from None
    prepare_database(url, create=False)
    begin, end = parse_when(since, "--since"), parse_when(until, "--until")
    bundle = asyncio.run(_gather(url, agent, begin, end))
    renderings = bundle.pop("_renderings")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        text = json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
        (out_dir / "evidence.json").write_text(text, encoding="utf-8")
        digest = hashlib.sha256(text.encode()).hexdigest()
        (out_dir / "evidence.html").write_text(_html(bundle, digest), encoding="utf-8")
        if warc:
            _warc(out_dir / "policy-files.warc.gz", renderings)
    except OSError as exc:
        raise Failure(f"cannot write the bundle in {out_dir}: {exc}") from None
    click.echo(
        f"{out_dir}: {len(bundle['violations'])} violations by {agent}, "
        f"{len(bundle['policy_versions'])} policy versions"
    )
