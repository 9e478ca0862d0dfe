"""The HTML report in a real headless browser (Debian chromium through playwright), offline:
it opens, logs no console error, requests nothing, and every number shown equals the ledger."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.browser import chromium
from tests.transparency.conftest import World, heedful, sql

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def table(page: Any, table_id: str, column: str) -> dict[str, int]:
    return page.eval_on_selector_all(  # type: ignore[no-any-return]
        f"#{table_id} tbody tr",
        f"""rows => Object.fromEntries(rows.map(r => [r.dataset.key,
             Number(r.querySelector('td[data-col="{column}"]').dataset.value)]))""",
    )


def test_report_opens_offline_and_matches_the_ledger(
    browser: Any, crawled_world: World, tmp_path: Path
) -> None:
    out = crawled_world.out
    target = tmp_path / "report.html"
    done = heedful("report", str(out), "--format", "html", "--output", str(target))
    assert done.returncode == 0, done.stderr
    context = browser.new_context(java_script_enabled=True, offline=True)
    page = context.new_page()
    problems: list[str] = []
    requests: list[str] = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(target.as_uri())
    page.wait_for_load_state("load")
    assert problems == []
    assert requests == [target.as_uri()]  # nothing but the file itself

    def total(key: str) -> int:
        return int(page.get_attribute(f"#total-{key}", "value"))

    status = dict(
        sql(out, "select status, count(*) from heedful_url_event where event='crawl' group by 1")
    )
    assert total("kept") == status["kept"]
    assert total("refused") == status["refused"]
    assert total("failed") == status.get("failed", 0)
    assert total("considered") == sum(status.values())
    assert (
        total("kept-bytes")
        == sql(
            out, "select sum(size) from heedful_url_event where event='crawl' and status='kept'"
        )[0][0]
    )
    assert total("origins") == 2
    by_origin = dict(
        sql(
            out,
            "select origin, count(*) from heedful_url_event where event='crawl' "
            "and status='refused' group by origin",
        )
    )
    assert table(page, "by-origin", "refused") == {
        origin: by_origin.get(origin, 0) for origin in crawled_world.running.urls.values()
    }
    figures = json.loads(heedful("report", str(out), "--format", "json").stdout)
    assert table(page, "refused-by-signal", "items") == figures["refused_by_signal"]
    assert sum(table(page, "refused-by-signal", "items").values()) == status["refused"]
    assert table(page, "by-domain", "kept") == {"127.0.0.1": status["kept"]}
    # Charts are drawn: each inline SVG has a size and labelled bars.
    charts = page.eval_on_selector_all(
        "figure svg", "svgs => svgs.map(s => s.getBoundingClientRect().width)"
    )
    assert len(charts) >= 4
    assert all(width > 100 for width in charts)
    context.close()
