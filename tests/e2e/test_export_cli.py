"""``heedful export``: nginx really serving the snippet, apache/caddy at syntax level, bad input.

The nginx test runs Debian's nginx (``/usr/sbin/nginx``) on 127.0.0.1 with the exported
snippet, fetches the files and pages with a plain HTTP client, reads them with the policies
readers and checks every decision against the policy (issue 3 section 2).
"""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from heedful.policies.signals.read import SignalFile
from heedful.policies.sitepolicy import load_site_policy, render_site
from tests.conftest import ROOT
from tests.e2e.conftest import heedful
from tests.helpers.sitepolicy_check import mismatches, protego_mismatches, read_rendered_site

pytestmark = pytest.mark.e2e

NGINX = Path("/usr/sbin/nginx")
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
PAGES = {
    "index.html": "text/html",
    "press/release.html": "text/html",
    "archive/2020/story.html": "text/html",
    "archive/chart.png": "image/png",
    "photo.jpg": "image/jpeg",
    "blog/post.html": "text/html",
    "blog/shot.png": "image/png",
    "staff/alice.jpg": "image/jpeg",
    "staff/bio.html": "text/html",
    "datasets/transit/stops.csv": "text/csv",
    "report.pdf": "application/pdf",
}
AGENTS = ["RandomCrawler", "GPTBot", "Bytespider", "PerplexityBot", "ResearchBot", "ClaudeBot"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> SignalFile:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return SignalFile(
                url=url,
                status=response.status,
                headers=tuple(response.headers.items()),
                body=response.read(),
            )
    except urllib.error.HTTPError as exc:
        return SignalFile(url=url, status=exc.code, headers=tuple(exc.headers.items()), body=b"")


@pytest.fixture(params=EXAMPLES, ids=[p.stem for p in EXAMPLES])
def nginx_site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    if not NGINX.exists():
        pytest.skip(f"nginx is not installed at {NGINX} (Debian package nginx-light)")
    policy_file: Path = request.param
    files = tmp_path / "files"
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    http = heedful("export", "--policy", str(policy_file), "--format", "nginx", "--part", "http")
    server = heedful(
        "export",
        "--policy",
        str(policy_file),
        "--format",
        "nginx",
        "--part",
        "server",
        "--files-dir",
        str(files),
        "--write-files",
        "--base-url",
        base,
    )
    assert http.code == 0, http.err
    assert server.code == 0, server.err
    www = tmp_path / "www"
    for page, kind in PAGES.items():
        target = www / page
        target.parent.mkdir(parents=True, exist_ok=True)
        body = "<!doctype html><html><head><title>t</title></head><body>x</body></html>"
        target.write_text(body if kind == "text/html" else "data")
    (tmp_path / "http.conf").write_text(http.out)
    (tmp_path / "server.conf").write_text(server.out)
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    (tmp_path / "nginx.conf").write_text(
        # As root, nginx workers would switch to "nobody", who cannot read pytest's 0700 dirs.
        f"""{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
daemon off;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{ worker_connections 64; }}
http {{
  {mime}
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path {tmp_path}/body;
  include {tmp_path}/http.conf;
  server {{
    listen 127.0.0.1:{port};
    root {www};
    include {tmp_path}/server.conf;
  }}
}}
"""
    )
    process = subprocess.Popen(
        [
            str(NGINX),
            "-p",
            str(tmp_path),
            "-c",
            str(tmp_path / "nginx.conf"),
            "-e",
            str(tmp_path / "error.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"nginx exited: {(tmp_path / 'error.log').read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("nginx did not start listening within 10 s")
        yield policy_file, base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_nginx_serves_headers_and_files_that_read_as_the_policy(
    nginx_site: tuple[Path, str],
) -> None:
    policy_file, base = nginx_site
    policy = load_site_policy(policy_file.read_bytes())
    rendered = render_site(policy, version="1", base_url=base)
    site = read_rendered_site(base, _get)
    assert site.robots is not None
    assert site.tdmrep is not None
    assert site.ai_txt is not None
    pages = {page: _get(base + page) for page in PAGES}
    assert all(p.status == 200 for p in pages.values())
    assert all(("Heedful-Policy-Version", "1") in p.headers for p in pages.values())
    samples = [
        ("/" + page, agent, kind)
        for (page, kind), agent in itertools.product(PAGES.items(), AGENTS)
    ]
    found = mismatches(
        policy, rendered, samples, site=site, page=lambda url, path, kind: pages[path[1:]]
    )
    assert not found, "\n".join(map(str, found[:5]))
    robots = _get(base + "robots.txt").body.decode()
    pairs = [("/" + page, agent) for page in PAGES for agent in AGENTS]
    assert protego_mismatches(policy, robots, base, pairs) == []


def test_nginx_snippet_matches_query_strings_like_robots_txt(nginx_site: tuple[Path, str]) -> None:
    """The raw request URI (query included) picks the scope, as robots.txt patterns do."""
    _, base = nginx_site
    plain, queried = _get(base + "index.html"), _get(base + "index.html?x=1")
    names = ("Content-Usage", "Content-Signal", "tdm-reservation", "X-Robots-Tag")
    assert [v for k, v in plain.headers if k in names] == [
        v for k, v in queried.headers if k in names
    ]


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        (
            "apache",
            [
                '<LocationMatch "^/press/">',
                'Alias "/robots.txt" "/srv/h/robots.txt"',
                'Header set X-Robots-Tag "noai, noimageai" "expr=%{CONTENT_TYPE} =~ m#^image/#"',
            ],
        ),
        (
            "caddy",
            ["route {", "@heedful_scope_0 path_regexp ^/", "respond @heedful_file_robots_txt"],
        ),
        (
            "nginx",
            [
                "map $request_uri $heedful_scope {",
                'alias "/srv/h/robots.txt";',
                'geo $heedful_dollar { default "$"; }',
            ],
        ),
    ],
    ids=["apache-own", "caddy-own", "nginx-own"],
)
def test_export_formats_have_their_shape(fmt: str, expected: list[str]) -> None:
    run = heedful(
        "export",
        "--policy",
        str(ROOT / "examples" / "news-publisher.toml"),
        "--format",
        fmt,
        "--files-dir",
        "/srv/h",
        "--version",
        "42",
    )
    assert run.code == 0, run.err
    for line in expected:
        assert line in run.out
    assert "version 42" in run.out


def test_apache_sections_go_general_to_specific() -> None:
    """Apache applies later sections last: the most specific scope must come last."""
    run = heedful(
        "export", "--policy", str(ROOT / "examples" / "news-publisher.toml"), "--format", "apache"
    )
    order = [line for line in run.out.splitlines() if line.startswith("<LocationMatch")]
    assert order[0] == '<LocationMatch "^/">'
    assert order.index('<LocationMatch "^/press/">') < order.index(
        '<LocationMatch "^/press/.*\\.jpg$">'
    )


def test_caddy_blocks_are_balanced() -> None:
    run = heedful(
        "export", "--policy", str(ROOT / "examples" / "photographer.toml"), "--format", "caddy"
    )
    assert run.code == 0
    assert run.out.count("{") == run.out.count("}")
    assert "media rules apply through" in run.out


def test_bad_policy_exits_2_with_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[site]\nname = "X"\nurl = "ftp://x"\ncontact = "a@x"\n\n[defaults]\nsearch = "maybe"\n'
        'ai-input = "deny"\nai-train = "deny"\n\n[[agents]]\nagent = "Chat GPT"\n'
    )
    run = heedful("export", "--policy", str(bad), "--format", "nginx")
    assert run.code == 2
    assert run.out == ""
    lines = run.err.strip().splitlines()
    assert "Traceback" not in run.err
    assert any(line.startswith(f"{bad}:3: site.url:") for line in lines), lines
    assert any(line.startswith(f"{bad}:7: defaults.search:") for line in lines), lines
    assert any(line.startswith(f"{bad}:6: defaults.tdm: missing") for line in lines), lines
    assert any(line.startswith(f"{bad}:12: agents[0].agent:") for line in lines), lines


def test_toml_syntax_error_names_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text('[site]\nname = "X"\nurl = \n')
    run = heedful("export", "--policy", str(bad), "--format", "caddy")
    assert run.code == 2
    assert run.err.startswith(f"{bad}:3: TOML syntax:")


def test_missing_policy_file_is_one_line(tmp_path: Path) -> None:
    run = heedful("export", "--policy", str(tmp_path / "nope.toml"), "--format", "nginx")
    assert run.code == 2
    assert len(run.err.strip().splitlines()) == 1
    assert "nope.toml" in run.err


def test_export_writes_the_compact_robots_txt(tmp_path: Path) -> None:
    """``robots-txt = "compact"`` in the policy file reaches the files export writes."""
    text = (ROOT / "examples" / "news-publisher.toml").read_text(encoding="utf-8")
    compact = tmp_path / "compact.toml"
    compact.write_text(text.replace("[site]\n", '[site]\nrobots-txt = "compact"\n', 1))
    files = tmp_path / "files"
    run = heedful(
        "export", "--policy", str(compact), "--format", "nginx", "--files-dir", str(files),
        "--write-files", "--version", "3",
    )  # fmt: skip
    assert run.code == 0, run.err
    written = (files / "robots.txt").read_text(encoding="utf-8")
    expected = render_site(load_site_policy(compact.read_bytes()), version="3").robots_txt
    assert written == expected
    assert "User-agent: *\nUser-agent: OAI-SearchBot\n" in written
    assert written.count("\n\nUser-agent:") < 5
