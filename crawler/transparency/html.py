"""The HTML report: one self-contained file (inline CSS and SVG, no script, no network).

Every number is printed with a machine-readable twin: totals as ``<data id="total-kept"
value="82">``, table rows as ``<tr data-key="robots.txt">`` with ``<td data-col="kept"
data-value="12">``, so a test (or any tool) can compare the page with the ledger.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any, Final

from heedful.crawler.transparency import charts
from heedful.policies.plural import plural

CSS: Final = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:64rem;padding:0 1rem;color:#222}
h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd}
.totals{display:flex;flex-wrap:wrap;gap:1rem;padding:0;list-style:none}
.totals li{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;min-width:8rem}
.totals data{display:block;font-size:1.6rem;font-weight:600}
table{border-collapse:collapse;margin:.8rem 0;font-size:.92rem}
th,td{border-bottom:1px solid #eee;padding:.25rem .6rem;text-align:left}
td[data-value]{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1rem 0}svg{max-width:100%;height:auto}
details{margin:.5rem 0}code{font-size:.88em}.muted{color:#666}
"""


def _value(value: object) -> str:
    return escape(str(value), quote=True)


def _total(key: str, value: int, singular: str, plural_form: str = "") -> str:
    """A headline figure, its noun agreeing with it ("1 origin", "2 origins")."""
    label = plural(int(value), singular, plural_form)
    return (
        f'<li><data id="total-{key}" value="{int(value)}">{int(value)}</data>{escape(label)}</li>'
    )


def _table(
    table_id: str,
    rows: Sequence[Mapping[str, Any]],
    key: str,
    columns: Sequence[tuple[str, str]],
    *,
    key_label: str,
) -> str:
    head = "".join(f"<th>{escape(label)}</th>" for _, label in columns)
    body = []
    for row in rows:
        cells = "".join(
            f'<td data-col="{col}" data-value="{int(row.get(col, 0))}">{int(row.get(col, 0))}</td>'
            for col, _ in columns
        )
        name = str(row[key])
        body.append(
            f'<tr data-key="{_value(name)}"><th scope="row">{escape(name)}</th>{cells}</tr>'
        )
    return (
        f'<table id="{table_id}"><thead><tr><th>{escape(key_label)}</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _counts(table_id: str, counts: Mapping[str, int], *, key_label: str, col: str) -> str:
    rows = [{"name": k, col: v} for k, v in counts.items()]
    return _table(table_id, rows, "name", [(col, col.replace("_", " "))], key_label=key_label)


def _figure(name: str, caption: str, svg: str) -> str:
    return f'<figure><figcaption id="{name}-title">{escape(caption)}</figcaption>{svg}</figure>'


STATUS_COLUMNS: Final = [
    ("kept", "kept"),
    ("refused", "refused"),
    ("failed", "failed"),
    ("kept_bytes", "bytes kept"),
]


def render_html(figures: Mapping[str, Any]) -> str:
    """The whole report as one HTML document."""
    totals = figures["totals"]
    period = figures["period"]
    rechecks = figures["rechecks"]
    eu = figures["eu_summary"]
    crawl_rows = "".join(
        f"<tr><td><code>{escape(c['crawl_id'])}</code></td><td>{escape(c['agent'])}</td>"
        f"<td>{escape(c['use'])}</td><td>{escape(c['mode'])}</td>"
        f"<td>{escape(str(c['started_at']))}</td><td><code>{escape(c['user_agent'])}</code></td></tr>"
        for c in figures["crawls"]
    )
    domains = figures["by_domain"]
    time_series = figures["over_time"]["series"]
    sections = [
        "<h2 id='overview'>Overview</h2>",
        '<ul class="totals">',
        _total("considered", totals["considered"], "URL considered", "URLs considered"),
        _total("kept", totals["kept"], "item kept", "items kept"),
        _total("refused", totals["refused"], "item refused", "items refused"),
        _total("failed", totals["failed"], "item failed", "items failed"),
        _total("kept-bytes", totals["kept_bytes"], "byte kept", "bytes kept"),
        _total("origins", totals["origins"], "origin"),
        _total("domains", totals["domains"], "registrable domain"),
        _total(
            "images-reserved",
            totals["images_reserved"],
            "page with images reserved",
            "pages with images reserved",
        ),
        "</ul>",
        (
            f'<p>Collected from <time id="period-first">{escape(str(period["first"]))}</time> to '
            f'<time id="period-last">{escape(str(period["last"]))}</time>.</p>'
        ),
        (
            "<table id='crawls'><thead><tr><th>Crawl</th><th>Agent</th><th>Use</th><th>Mode</th>"
            f"<th>Started</th><th>User-Agent</th></tr></thead><tbody>{crawl_rows}</tbody></table>"
        ),
        "<h2 id='refusals'>Refused, per signal and per reason</h2>",
        _figure(
            "chart-refused-signal",
            "Items refused, by the signal that decided",
            charts.hbar(
                "chart-refused-signal",
                "Refused by signal",
                figures["refused_by_signal"],
                colour=charts.COLOURS["refused"],
            ),
        ),
        _counts("refused-by-signal", figures["refused_by_signal"], key_label="signal", col="items"),
        _counts("refused-by-reason", figures["refused_by_reason"], key_label="reason", col="items"),
        _counts("refused-by-stage", figures["refused_by_stage"], key_label="stage", col="items"),
        "<h2 id='kept'>Kept, per signal and per reason</h2>",
        _figure(
            "chart-kept-signal",
            "Items kept, by the signal that allowed the use",
            charts.hbar(
                "chart-kept-signal",
                "Kept by signal",
                figures["kept_by_signal"],
                colour=charts.COLOURS["kept"],
            ),
        ),
        _counts("kept-by-signal", figures["kept_by_signal"], key_label="signal", col="items"),
        _counts("kept-by-reason", figures["kept_by_reason"], key_label="reason", col="items"),
        _counts("content-types", figures["content_types"], key_label="content type", col="items"),
        "<h2 id='domains'>Per registrable domain</h2>",
        _figure(
            "chart-domains",
            "Kept and refused per registrable domain (largest first)",
            charts.stacked(
                "chart-domains",
                "Per domain",
                [d["domain"] for d in domains],
                {s: [d[s] for d in domains] for s in ("kept", "refused", "failed")},
            ),
        ),
        _table("by-domain", domains, "domain", STATUS_COLUMNS, key_label="domain"),
        "<h2 id='origins'>Per origin</h2>",
        _table("by-origin", figures["by_origin"], "origin", STATUS_COLUMNS, key_label="origin"),
        "<h2 id='time'>Over time</h2>",
        _figure(
            "chart-time",
            f"Decisions per {figures['over_time']['bucket']}",
            charts.stacked(
                "chart-time",
                "Over time",
                [p["period"] for p in time_series],
                {s: [p[s] for p in time_series] for s in ("kept", "refused", "failed")},
                horizontal=False,
            ),
        ),
        _table(
            "over-time",
            time_series,
            "period",
            [("kept", "kept"), ("refused", "refused"), ("failed", "failed")],
            key_label=figures["over_time"]["bucket"],
        ),
        "<h2 id='licences-attribution'>Licences and attribution</h2>",
        _figure(
            "chart-licences",
            "Kept items per licence found",
            charts.hbar(
                "chart-licences",
                "Licences",
                {row["licence"]: row["items"] for row in figures["licences"]},
            ),
        ),
        _table(
            "licences", figures["licences"], "licence", [("items", "items")], key_label="licence"
        ),
        _counts(
            "attribution",
            {k: v for k, v in figures["attribution"].items() if k != "creators"},
            key_label="attribution found",
            col="items",
        ),
        _table(
            "creators",
            figures["attribution"]["creators"],
            "name",
            [("items", "items")],
            key_label="creator or rights holder",
        ),
        _licensing_section(figures.get("licensing") or {}),
        "<h2 id='rechecks'>Re-checks and purges</h2>",
        _counts("recheck-current", rechecks["current"], key_label="current state", col="items"),
        _counts(
            "withdrawn-by-signal",
            rechecks["withdrawn_by_signal"],
            key_label="withdrawn by",
            col="items",
        ),
        (
            f'<p><data id="rechecks-runs" value="{len(rechecks["runs"])}">'
            f"{len(rechecks['runs'])}</data> {plural(len(rechecks['runs']), 're-check')} run; "
            f'<data id="purged-records" value="{rechecks["purged_records"]}">'
            f"{rechecks['purged_records']}</data> "
            f"{plural(int(rechecks['purged_records']), 'record')} purged.</p>"
        ),
        "<h2 id='eu-summary'>EU summary: top domains</h2>",
        _table(
            "eu-top-domains",
            eu["top_domains"]["domains"],
            "domain",
            [("bytes", "bytes"), ("items", "items")],
            key_label=f"top {eu['top_domains']['share']:.0%} of domains",
        ),
    ]
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>Heedful crawl report</title><style>{CSS}</style></head><body>"
        f'<h1>Heedful crawl report</h1><p class="muted">Generated '
        f'<time id="generated-at">{escape(str(figures["generated_at"]))}</time> '
        f"from the provenance ledger ({escape(figures['format'])}).</p>"
        f"{''.join(sections)}</body></html>\n"
    )


def _text_table(table_id: str, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    head = "".join(f"<th>{escape(c.replace('_', ' '))}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(f'<td data-col="{c}">{escape(str(row.get(c, "")))}</td>' for c in columns)
        + "</tr>"
        for row in rows
    )
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _licensing_section(lic: Mapping[str, Any]) -> str:
    """Items taken under licence, by licence server, rightsholder and terms; amounts paid;
    tokens used; duties met (issue 14 section 3)."""
    if not lic.get("items_licensed") and not lic.get("refused"):
        return ""
    duties = [{"duty": d, **counts} for d, counts in (lic.get("duties") or {}).items()]
    return "".join(
        [
            "<h2 id='licensing'>Taken under licence</h2>",
            (
                f'<p><data id="licensed-items" value="{int(lic["items_licensed"])}">'
                f"{int(lic['items_licensed'])}</data> items taken under licence; paid "
                f'<data id="licensing-paid" value="{escape(str(lic["paid"]))}">'
                f"{escape(str(lic['paid']))}</data> with {len(lic.get('tokens') or ())} tokens "
                "(recorded; no money moves here).</p>"
            ),
            _text_table(
                "licensing-by-server", lic["by_server"], ("server", "items", "paid", "tokens")
            ),
            _text_table(
                "licensing-by-rightsholder",
                lic["by_rightsholder"],
                ("rightsholder", "items", "paid"),
            ),
            _text_table(
                "licensing-by-terms",
                lic["by_terms"],
                ("offer", "scope", "payment", "usage", "price", "items", "paid"),
            ),
            _text_table(
                "licensing-tokens",
                lic["tokens"],
                ("token_id", "server", "licensee", "offer", "items"),
            ),
            _counts(
                "licensing-refused", lic.get("refused") or {}, key_label="not taken", col="items"
            ),
            _text_table("licensing-duties", duties, ("duty", "owed", "met", "recorded")),
        ]
    )
