"""``heedful diff``: a live site against its owner's policy (issue 5 section 2 and 4).

``policy-faithful`` serves exactly what the policy renders to: no cell may differ.
``policy-drifted`` adds one forgotten ``X-Robots-Tag: noai`` on ``/press/1``: exactly the cells
it changes must be reported, each with that header as the responsible statement.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from heedful.cli.audit import EXIT_DIFFERENCES
from heedful.client.audit import gather
from heedful.policies.audit.diff import diff_agents, policy_diff
from heedful.policies.audit.gaps import WELL_KNOWN_TRAINERS
from heedful.policies.model import Use, Verdict
from heedful.policies.sitepolicy import load_site_policy
from tests.audit.sites import DIFF_POLICY, LOCAL, Served, policy_sites, serve
from tests.e2e.conftest import heedful

POLICY = load_site_policy(DIFF_POLICY)


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with serve(policy_sites()) as urls:
        yield urls


async def test_faithful_site_has_no_difference(served: Served) -> None:
    data = await gather(served["policy-faithful"] + "/press/1", sample=5, hosts=LOCAL)
    assert policy_diff(data, POLICY) == ()


async def test_drifted_site_reports_exactly_the_changed_cells(served: Served) -> None:
    data = await gather(served["policy-drifted"] + "/press/1", sample=5, hosts=LOCAL)
    found = policy_diff(data, POLICY)
    cells = {(d.path, d.agent, d.use) for d in found}
    kept_out = {"gptbot"}  # the policy denies GPTBot access: its cells are deny either way
    expected = {
        ("/press/1", agent, use)
        for agent in diff_agents(POLICY)
        if agent.lower() not in kept_out
        for use in (Use.AI_TRAIN, Use.GENAI_TRAIN, Use.AI_INPUT)
    }
    assert cells == expected
    assert len(expected) == 3 * (len(set(WELL_KNOWN_TRAINERS) - {"GPTBot"}) + 1)
    for difference in found:
        assert (difference.live, difference.intended) == (Verdict.DENY, Verdict.ALLOW)
        assert difference.because.location == "header X-Robots-Tag"
        assert difference.because.rule == "noai"
        assert difference.because.source.endswith("/press/1")


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(DIFF_POLICY, encoding="utf-8")
    return path


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("site", "status", "count"),
    [("policy-faithful", 0, 0), ("policy-drifted", EXIT_DIFFERENCES, 21)],
    ids=["faithful", "drifted"],
)
def test_diff_cli_exit_status_and_json(
    served: Served, policy_file: Path, site: str, status: int, count: int
) -> None:
    url = served[site] + "/press/1"
    run = heedful("diff", url, "--policy", str(policy_file), "--json", "--timeout", "5")
    assert run.code == status, run.err
    report = json.loads(run.out)
    assert report["count"] == len(report["differences"]) == count
    for difference in report["differences"]:
        assert difference["because"]["location"] == "header X-Robots-Tag"


@pytest.mark.e2e
def test_diff_cli_text_names_the_responsible_header(served: Served, policy_file: Path) -> None:
    url = served["policy-drifted"] + "/press/1"
    run = heedful("diff", url, "--policy", str(policy_file), "--timeout", "5")
    assert run.code == EXIT_DIFFERENCES
    assert "X-Robots-Tag" in run.out
    assert "21 cells differ" in run.out


@pytest.mark.e2e
def test_diff_cli_bad_policy_exits_2(served: Served, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[defaults]\nsearch = 'maybe'\n", encoding="utf-8")
    run = heedful("diff", served["policy-faithful"] + "/", "--policy", str(bad))
    assert run.code == 2
    assert "bad.toml" in run.err
    assert run.err.count("\n") == 1
