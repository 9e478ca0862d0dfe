"""The README's Python session runs as written, and it names every subcommand that exists."""

from __future__ import annotations

import doctest
import itertools
import re

from heedful.cli.main import COMMANDS
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


# A path argument of a README command: ``--static DIR``, ``--policy FILE``, or a repository
# folder named as a bare argument (``examples/...``).
PATH_OPTIONS = ("--static", "--policy")


def readme_commands(text: str) -> list[list[str]]:
    """Every ``heedful ...`` command line in the README's shell and console blocks."""
    blocks = re.findall(r"```(?:sh|console)\n(.*?)```", text, flags=re.DOTALL)
    commands = []
    for block in blocks:
        for line in block.splitlines():
            line = line.removeprefix("$ ").split("  #")[0].strip()
            if line.startswith("heedful "):
                commands.append(line.split())
    return commands


def named_paths(words: list[str]) -> list[str]:
    return [value for option, value in itertools.pairwise(words) if option in PATH_OPTIONS]


def test_readme_commands_name_paths_that_exist() -> None:
    """Issue 16 section 1: ``--static public/`` named a folder no checkout has."""
    commands = readme_commands(README.read_text(encoding="utf-8"))
    assert any("--static" in words for words in commands)
    missing = [
        path for words in commands for path in named_paths(words) if not (ROOT / path).exists()
    ]
    assert missing == []


def test_path_rule_sees_a_missing_folder() -> None:
    words = ["heedful", "serve", "--policy", "examples/news-publisher.toml", "--static", "public/"]
    assert named_paths(words) == ["examples/news-publisher.toml", "public/"]
    assert not (ROOT / "public").exists()


def test_exit_statuses_are_unique_across_commands() -> None:
    # heedful/cli/common.py: a script can tell every command's exit statuses apart.
    from heedful.cli import common as cli_common

    codes = {name: value for name, value in vars(cli_common).items() if name.startswith("EXIT_")}
    assert len(set(codes.values())) == len(codes), codes
