"""Every docs table that mirrors code is read back and compared with the code, both ways.

Datasette's ``test_docs.py`` habit: a route, setting, exit status, rule, policy key or option
that exists but is not documented fails, and so does one that is documented but does not exist.
The code side is always read at test time (the server's router, click's commands, the rule
registry, the policy models), so a change to any of them is checked without editing this file.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path
from typing import get_args, get_origin

import click
import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo

import heedful
from heedful import cli_common
from heedful.cli import COMMANDS, EXIT_CLOSED_PIPE, cli
from policies.audit_model import RULES
from policies.sitepolicy_model import USE_KEYS, SitePolicy
from tests.conftest import ROOT

DOCS = ROOT / "docs"
README = ROOT / "README.md"
DOC_FILES = (README, *sorted(DOCS.glob("*.md")))


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    """The text under ``heading`` up to the next heading of the same or a higher level."""
    level = heading.split(" ", 1)[0]
    start = text.index(f"\n{heading}\n") + len(heading) + 2
    following = re.search(rf"^#{{1,{len(level)}}} ", text[start:], flags=re.MULTILINE)
    return text[start : start + following.start()] if following else text[start:]


def table_rows(text: str) -> list[list[str]]:
    """The cells of every body row of the markdown tables in ``text`` (``\\|`` is a pipe in a
    cell); a header row is the one just above a ``|---|`` rule."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    cells = [
        [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        for line in lines
    ]
    rules = {i for i, row in enumerate(cells) if all(set(cell) <= set("-: ") for cell in row)}
    return [row for i, row in enumerate(cells) if i not in rules and i + 1 not in rules]


def code_spans(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def leaf_commands() -> dict[str, click.Command]:
    """``"ranges refresh"`` -> its click command, for every runnable subcommand."""
    ctx = click.Context(cli)
    out: dict[str, click.Command] = {}

    def walk(command: click.Command, path: tuple[str, ...]) -> None:
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None
                walk(sub, (*path, name))
        else:
            out[" ".join(path)] = command

    walk(cli, ())
    return out


LEAVES = leaf_commands()


# -- routes: docs/server.md "Routes" vs the application's router -------------------------------

METHODS = r"GET|HEAD|POST|PUT|PATCH|DELETE"
CATCH_ALL = "anything else"


def normalise_route(path: str) -> str:
    """``/api/v1/check?url=&agent=`` -> ``/api/v1/check``; ``{id}``/``{n}`` -> ``{}``."""
    path = re.sub(r"\[[^\]]*\]", "", path).split("?", 1)[0]
    return re.sub(r"\{[^}]*\}", "{}", path)


def documented_routes(first_cell: str) -> set[tuple[str, str]]:
    """``(method, path)`` pairs named by one Routes row: ``GET /a``, ``/b`` (same method),
    ``PUT`` or ``POST /c``, ``GET/POST /d``."""
    out: set[tuple[str, str]] = set()
    pending: list[str] = []
    current: list[str] = []
    for span in code_spans(first_cell):
        match = re.fullmatch(rf"((?:{METHODS})(?:/(?:{METHODS}))*)(?:\s+(\S+))?", span)
        if match and match.group(2) is None:
            pending += match.group(1).split("/")
            continue
        if match:
            current, path = pending + match.group(1).split("/"), match.group(2)
            pending = []
        else:
            path = span
        out |= {(method, normalise_route(path)) for method in current}
    return out


def app_routes(tmp_path: Path) -> tuple[set[tuple[str, str]], bool]:
    """The router's ``(method, path)`` pairs (HEAD beside GET left out: aiohttp adds it), and
    whether a catch-all route answers every other path."""
    from signalserver.app import create_app
    from signalserver.config import ServerConfig

    app = create_app(ServerConfig(database_url=f"sqlite+aiosqlite:///{tmp_path / 'docs.db'}"))
    pairs: set[tuple[str, str]] = set()
    catch_all = False
    for route in app.router.routes():
        assert route.resource is not None
        path = normalise_route(route.resource.canonical)
        if route.method == "*":
            catch_all = True
            continue
        pairs.add((route.method, path))
    pairs -= {("HEAD", path) for method, path in set(pairs) if method == "GET"}
    return pairs, catch_all


def test_routes_table_matches_the_router(tmp_path: Path) -> None:
    rows = table_rows(section(read(DOCS / "server.md"), "## Routes"))
    documented = set().union(*(documented_routes(row[0]) for row in rows))
    routes, catch_all = app_routes(tmp_path)
    assert sorted(routes - documented) == [], "routes docs/server.md does not list"
    assert sorted(documented - routes) == [], "docs/server.md lists routes the app does not have"
    assert catch_all is any(row[0] == CATCH_ALL for row in rows)


def test_route_rows_are_read_as_written() -> None:
    cell = "`PUT` or `POST /api/v1/admin/policy`, `GET /a/{id}?receipt=`, `/b[?at=T]`"
    assert documented_routes(cell) == {
        ("PUT", "/api/v1/admin/policy"),
        ("POST", "/api/v1/admin/policy"),
        ("GET", "/a/{}"),
        ("GET", "/b"),
    }
    assert documented_routes("`GET/POST /removals/new`") == {
        ("GET", "/removals/new"),
        ("POST", "/removals/new"),
    }


# -- settings: docs/crawler.md vs the HEEDFUL_* settings the crawler reads ----------------------
# tests/crawler/test_docs.py holds the Settings table against crawler.settings.DEFAULTS (names
# and defaults); this adds the settings read outside DEFAULTS, and names the docs use elsewhere.

SETTING = re.compile(r"HEEDFUL_[A-Z0-9_]+")


def crawler_setting_names() -> set[str]:
    """Every ``"HEEDFUL_..."`` string in the crawler package: the settings it reads or sets."""
    names = set()
    for path in (ROOT / "crawler").rglob("*.py"):
        for node in ast.walk(ast.parse(read(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                names |= {node.value} if SETTING.fullmatch(node.value) else set()
    return names


def test_every_setting_the_crawler_reads_is_documented() -> None:
    documented = set(re.findall(rf"`({SETTING.pattern})`", read(DOCS / "crawler.md")))
    code = crawler_setting_names()
    assert sorted(code - documented) == []
    assert sorted(documented - code) == [], "docs/crawler.md names settings nothing reads"


# -- exit statuses: the README's table vs the EXIT_* constants ----------------------------------

EVERY_COMMAND = "every command"
GENERIC = frozenset({0, 1, cli_common.Failure.exit_code, EXIT_CLOSED_PIPE})
"""What every command can exit with (heedful/cli.py): success, anything unexpected, bad usage or
input, and a reader that went away."""


def readme_exit_rows() -> set[tuple[int, str]]:
    """``(status, command)``: ``command`` is a subcommand name or ``every command``."""
    text = read(README)
    start = text.index("| Status | Command | Meaning |")
    out = set()
    for status, command, _ in table_rows(text[start : text.index("\n\n", start)]):
        name = command if command == EVERY_COMMAND else command.strip("`").removeprefix("heedful ")
        out.add((int(status.strip("`")), name))
    return out


def module_source(module: str) -> str:
    return read(ROOT / (module.replace(".", "/") + ".py"))


def exit_constants() -> dict[tuple[str, str], int]:
    """``(module, name)`` -> status for every ``EXIT_*`` int a heedful module defines."""
    out = {}
    for info in pkgutil.iter_modules(heedful.__path__, "heedful."):
        for node in ast.parse(module_source(info.name)).body:
            targets: list[ast.expr] = [node.target] if isinstance(node, ast.AnnAssign) else []
            targets += node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                if isinstance(target, ast.Name) and target.id.startswith("EXIT_"):
                    value = getattr(importlib.import_module(info.name), target.id)
                    out[(info.name, target.id)] = value
    return out


def names_reached(module: str, function: str) -> set[str]:
    """Every name ``function`` (decorators included) or a module function it calls refers to."""
    tree = ast.parse(module_source(module))
    defs = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    names: set[str] = set()
    todo, seen = [function], set()
    while todo:
        current = todo.pop()
        if current in seen or current not in defs:
            continue
        seen.add(current)
        found = {node.id for node in ast.walk(defs[current]) if isinstance(node, ast.Name)}
        names |= found
        todo += found
    return names


def code_exit_rows() -> set[tuple[int, str]]:
    """``(status, command)`` for every status a command can exit with, read from the code."""
    rows = {(status, EVERY_COMMAND) for status in GENERIC}
    constants = exit_constants()
    for name, command in LEAVES.items():
        callback = command.callback
        assert callback is not None
        reached = names_reached(callback.__module__, callback.__name__)
        source = module_source(callback.__module__)
        for (module, attr), status in constants.items():
            imported = re.search(rf"from {re.escape(module)} import \(?[^)]*\b{attr}\b", source)
            if attr in reached and (module == callback.__module__ or imported):
                rows.add((status, name))
    return rows


def test_readme_exit_table_matches_the_code() -> None:
    documented, code = readme_exit_rows(), code_exit_rows()
    assert sorted(code - documented) == [], "exit statuses the README's table does not list"
    assert sorted(documented - code) == [], "the README lists exit statuses no command has"


# -- rules: docs/audit.md "Rules" vs policies.audit_model.RULES ---------------------------------


def test_rules_table_matches_the_registry() -> None:
    rows = table_rows(section(read(DOCS / "audit.md"), "## Rules"))
    documented = {rid: (name, severity) for rid, name, severity, _ in rows}
    assert documented == {rid: (r.name, str(r.severity)) for rid, r in RULES.items()}


@pytest.mark.parametrize("doc", DOC_FILES, ids=[p.name for p in DOC_FILES])
def test_docs_name_only_rules_that_exist(doc: Path) -> None:
    named = set(re.findall(r"\bHF\d{3}\b", read(doc)))
    assert sorted(named - set(RULES)) == []


# -- policy keys: docs/site-policy.md "Keys" vs the pydantic models -------------------------------

ANY_USE_KEY = "any use key"


def table_model(field: FieldInfo) -> type[BaseModel] | None:
    """The model of a field that is a table (``LicenseTerms | None``, ``tuple[PathRule, ...]``)."""
    for arg in (field.annotation, *get_args(field.annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def policy_tables(model: type[BaseModel], prefix: str = "") -> dict[str, type[BaseModel]]:
    """``[site]``, ``[[paths]]``, ``[[enforcement.agents]]``... -> the model of that table."""
    out: dict[str, type[BaseModel]] = {}
    for name, field in model.model_fields.items():
        inner = table_model(field)
        if inner is not None:
            dotted = f"{prefix}{field.alias or name}"
            array = get_origin(field.annotation) is tuple
            out[f"[[{dotted}]]" if array else f"[{dotted}]"] = inner
            out |= policy_tables(inner, f"{dotted}.")
    return out


def test_keys_table_matches_the_policy_model() -> None:
    tables = policy_tables(SitePolicy)
    rows = table_rows(section(read(DOCS / "site-policy.md"), "## Keys"))
    assert sorted(row[0].strip("`") for row in rows) == sorted(tables)
    for table, keys, values in rows:
        model = tables[table.strip("`")]
        fields = {
            field.alias or name
            for name, field in model.model_fields.items()
            if table_model(field) is None
        }
        uses = set(USE_KEYS) if ANY_USE_KEY in keys else set()
        # A parenthesis qualifies a key: ``path`` (default ``/``).
        documented = set(code_spans(re.sub(r"\([^)]*\)", "", keys))) | uses
        assert sorted(documented - fields) == [], f"{table} lists keys the model does not have"
        said = documented | set(code_spans(values))
        assert sorted(fields - said) == [], f"{table} does not list these keys"


# -- options: docs/cli.md and every command line in the docs vs click --------------------------


def option_names(command: click.Command) -> list[set[str]]:
    """The long names of each option (``{"--progress", "--no-progress"}`` is one option)."""
    return [
        {name for name in (*param.opts, *param.secondary_opts) if name.startswith("--")}
        for param in command.params
        if isinstance(param, click.Option) and param.name != "help"
    ]


OPTION = re.compile(r"(?<![\w-])--[a-z0-9][a-z0-9-]*")


def command_of(words: list[str]) -> str | None:
    """The subcommand a ``heedful ...`` line runs: the longest run of words naming one."""
    for size in (2, 1):
        name = " ".join(words[1 : 1 + size])
        if name in LEAVES:
            return name
    return None


def usage_entries(text: str, *, bare_only: bool) -> list[tuple[str, str]]:
    """``(line, text)`` of every ``heedful ...`` line in fenced blocks (``bare_only``: only
    blocks without a language, the usage blocks), with its indented continuation lines."""
    fence = r"```\n" if bare_only else r"```[a-z]*\n"
    out: list[tuple[str, str]] = []
    for block in re.findall(rf"^{fence}(.*?)^```", text, flags=re.DOTALL | re.MULTILINE):
        for line in block.splitlines():
            stripped = line.removeprefix("$ ")
            if stripped.startswith("heedful "):
                out.append((stripped, stripped))
            elif out and line[:1].isspace() and line.strip().startswith("["):
                out[-1] = (out[-1][0], f"{out[-1][1]} {line.strip()}")
    return [(first, without_shell(entry)) for first, entry in out]


def test_every_command_has_one_complete_usage_block() -> None:
    entries = usage_entries(read(DOCS / "cli.md"), bare_only=True)
    found: dict[str, set[str]] = {}
    for first, entry in entries:
        name = command_of(first.split())
        assert name is not None, f"docs/cli.md: {first!r} names no command"
        assert name not in found, f"docs/cli.md shows heedful {name} twice"
        found[name] = set(OPTION.findall(entry))
    assert sorted(set(LEAVES) - set(found)) == [], "commands docs/cli.md does not show"
    for name, documented in found.items():
        options = option_names(LEAVES[name])
        missing = [sorted(names) for names in options if not names & documented]
        unknown = documented - set().union(*options)
        assert (missing, sorted(unknown)) == ([], []), f"heedful {name} in docs/cli.md"


def test_serve_options_table_matches_click() -> None:
    text = read(DOCS / "server.md")
    start = text.index("| Option | Default | Meaning |")
    rows = table_rows(text[start : text.index("\n\n", start)])
    documented = {name for row in rows for name in OPTION.findall(row[0])}
    options = option_names(LEAVES["serve"])
    assert [sorted(names) for names in options if not names & documented] == []
    assert sorted(documented - set().union(*options)) == []


def without_shell(line: str) -> str:
    """The ``heedful`` command of a shell line: up to a comment, pipe, redirection or ``&&``
    outside ``[...]`` (inside, ``|`` separates alternatives)."""
    depth = 0
    for i, char in enumerate(line):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if depth == 0 and re.match(r"\s(?:#|\||>|&&)\s", line[i:]):
            return line[:i].strip()
    return line.strip()


@pytest.mark.parametrize("doc", DOC_FILES, ids=[p.name for p in DOC_FILES])
def test_command_lines_use_only_real_options(doc: Path) -> None:
    text = read(doc)
    inline = [without_shell(span) for span in re.findall(r"`(heedful [^`]+)`", text)]
    wrong = []
    for line in [entry for _, entry in usage_entries(text, bare_only=False)] + inline:
        words = line.split()
        name = command_of(words)
        if name is None:
            # ``heedful ranges`` (a group) or ``heedful COMMAND --help`` (a placeholder).
            wrong += [] if words[1] in COMMANDS or words[1].isupper() else [line]
            continue
        known = set().union(*option_names(LEAVES[name]), {"--help"})
        wrong += [f"{line}: {option}" for option in OPTION.findall(line) if option not in known]
    assert wrong == []


def test_usage_lines_are_read_with_their_continuations() -> None:
    text = "```\nheedful crawl URL... [--a]\n              [--b N]  # note\n```\n"
    assert usage_entries(text, bare_only=True) == [
        ("heedful crawl URL... [--a]", "heedful crawl URL... [--a] [--b N]")
    ]
