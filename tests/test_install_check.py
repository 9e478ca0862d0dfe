"""``.ci/install-check`` is the real check that a plain ``pip install`` works; this keeps it wired.

The script builds the wheel, installs it without extras into a fresh virtual environment and runs
``heedful serve``, ``check``, ``crawl``, ``ledger``, ``report``, ``credits`` and the demo from
outside the repository (about five minutes). CI runs it from ``.ci/run`` after ``make test``, so
the suite does not run it a second time; these tests keep it present, valid and called.
"""

from __future__ import annotations

import os
import re
import subprocess

from tests.conftest import ROOT

SCRIPT = ROOT / ".ci" / "install-check"


def test_ci_runs_the_install_check_after_the_suite() -> None:
    lines = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert "make test" in lines
    assert ".ci/install-check" in lines
    assert lines.index(".ci/install-check") > lines.index("make test")
    # `set -e` makes a failing check fail CI.
    assert "set -euo pipefail" in lines


def test_install_check_is_an_executable_valid_bash_script() -> None:
    assert os.access(SCRIPT, os.X_OK)
    done = subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_install_check_installs_without_extras_and_runs_outside_the_repo() -> None:
    text = SCRIPT.read_text(encoding="utf-8")
    installs = re.findall(r"pip install [^\n]*", text)
    assert installs
    assert all("[" not in line and "-e " not in line for line in installs)
    assert 'cd "$work/outside"' in text
    for command in ("--help", "serve", "crawl", "ledger", "report", "-m heedful.demo"):
        assert command in text


def test_install_check_runs_a_project_named_crawler_beside_heedful() -> None:
    """Heedful installs only under heedful.*: a user's own crawler package must keep working."""
    text = SCRIPT.read_text(encoding="utf-8")
    assert "startproject crawler" in text
    assert '"heedful.crawler.addon.HeedfulAddon": 0' in text
    assert 'find_spec(n) for n in ("policies", "crawler", "signalserver")' in text
