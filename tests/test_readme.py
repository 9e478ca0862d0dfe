"""The README's Python session runs as written, and it names every subcommand that exists."""

from __future__ import annotations

import doctest
import re

from heedful.cli import COMMANDS
from tests.conftest import ROOT

README = ROOT / "README.md"


def test_readme_python_session_runs() -> None:
    text = README.read_text(encoding="utf-8")
    sessions = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert sessions, "the README shows the core as a library"
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for number, session in enumerate(sessions):
        runner.run(parser.get_doctest(session, {}, f"README[{number}]", str(README), 0))
    assert runner.failures == 0


def test_readme_shows_every_command() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [name for name in COMMANDS if f"heedful {name}" not in text]
    assert missing == []
