"""The statement as HTML, with the server's templates: the admin page and ``--format html``."""

from __future__ import annotations

from heedful.signalserver.statement import rows
from heedful.signalserver.templating import Safe, escape, page


def table(document: dict[str, object]) -> Safe:
    head = "<tr><th>Section</th><th>Name</th><th>Licences</th><th>Fetches</th><th>Amount</th></tr>"
    body = "".join(
        f'<tr class="{escape(r["section"])}"><td>{escape(r["section"])}</td>'
        f"<td>{escape(r['name'])}</td><td>{escape(r['licences'])}</td>"
        f"<td>{escape(r['fetches'])}</td><td>{escape(r['amounts'])}</td></tr>"
        for r in rows(document)
    )
    return Safe(f'<table id="statement">{head}{body}</table>')


def reconciliation(document: dict[str, object]) -> str:
    recon = document["reconciliation"]
    assert isinstance(recon, dict)
    unmatched = recon["unmatched"]
    assert isinstance(unmatched, list)
    return f"{recon['tokens_issued']} tokens issued, {recon['fetches']} licensed fetches; " + (
        "every fetch belongs to an issued token."
        if not unmatched
        else f"{len(unmatched)} fetches WITHOUT an issued token."
    )


def values(document: dict[str, object]) -> dict[str, object]:
    return {
        "period": document["period"],
        "note": document["note"],
        "table": table(document),
        "reconciliation": reconciliation(document),
    }


def standalone(document: dict[str, object]) -> str:
    """A self-contained page (no form, no link back to the admin pages)."""
    return page(
        "admin_statement.html",
        title=f"Licensing statement {document['period']}",
        csrf="",
        **values(document),
    )
