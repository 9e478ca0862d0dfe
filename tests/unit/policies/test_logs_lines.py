"""Access-log lines: nginx/Apache combined and common format, Caddy JSON, hostile input."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heedful.policies.logs.lines import (
    TOO_LONG,
    LogRecord,
    Unreadable,
    parse_line,
    parse_time,
    split_lines,
)

NGINX = (
    b'203.0.113.9 - - [07/Dec/2026:10:00:01 +0100] "GET /news/a?x=1 HTTP/1.1" 200 5120 '
    b'"https://news.example/" "Mozilla/5.0 (compatible; GPTBot/1.2; +https://openai.com/gptbot)"'
)


def _record(line: bytes) -> LogRecord:
    record = parse_line(line)
    assert isinstance(record, LogRecord), record
    return record


def test_nginx_combined() -> None:
    record = _record(NGINX)
    assert record.client_ip == "203.0.113.9"
    assert (record.method, record.target, record.status, record.size) == (
        "GET",
        "/news/a?x=1",
        200,
        5120,
    )
    assert "GPTBot/1.2" in record.user_agent
    assert parse_time(str(record.time)) == datetime(2026, 12, 7, 9, 0, 1, tzinfo=UTC).timestamp()


def test_common_log_format_has_no_user_agent() -> None:
    record = _record(
        b'192.0.2.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326'
    )
    assert record.user_agent == ""
    assert record.target == "/apache_pb.gif"


def test_extra_fields_after_the_user_agent_are_ignored() -> None:
    record = _record(NGINX + b' "198.51.100.7, 10.0.0.1" rt=0.004')
    assert record.client_ip == "203.0.113.9", "X-Forwarded-For is not trusted from a log"


def test_apache_escaped_quotes_and_dash_size() -> None:
    line = b'2001:db8::1 - - [07/Dec/2026:10:00:01 +0000] "GET / HTTP/1.1" 304 - "-" "Bot \\"quoted\\" \\\\ x"'
    record = _record(line)
    assert record.client_ip == "2001:db8::1"
    assert record.size == 0
    assert record.user_agent == 'Bot "quoted" \\ x'


@pytest.mark.parametrize(
    "request_line",
    [b"-", b"\\x16\\x03\\x01\\x00\\xa5", b"GET", b"GET / FOO/1"],
    ids=["dash", "tls-handshake", "method-only", "not-http"],
)
def test_non_http_request_lines_are_requests_without_a_target(request_line: bytes) -> None:
    record = _record(
        b'192.0.2.1 - - [07/Dec/2026:10:00:01 +0000] "' + request_line + b'" 400 150 "-" "-"'
    )
    assert record.target == ""
    assert record.status == 400


def test_caddy_json() -> None:
    line = json.dumps(
        {
            "level": "info",
            "ts": 1765101601.25,
            "logger": "http.log.access",
            "msg": "handled request",
            "request": {
                "remote_ip": "10.0.0.1",
                "client_ip": "2001:db8::5",
                "proto": "HTTP/2.0",
                "method": "GET",
                "host": "news.example",
                "uri": "/press/1",
                "headers": {"User-Agent": ["ClaudeBot/1.0; +claudebot@anthropic.com"]},
            },
            "bytes_read": 0,
            "duration": 0.001,
            "size": 321,
            "status": 200,
        },
        ensure_ascii=False,
    ).encode()
    record = _record(line)
    assert (record.client_ip, record.target, record.size, record.time) == (
        "2001:db8::5",
        "/press/1",
        321,
        1765101601.25,
    )
    assert record.user_agent.startswith("ClaudeBot")
    assert parse_time(record.time) == 1765101601.25


def test_caddy_json_utf8_is_readable() -> None:
    line = '{"ts": 1.0, "status": 200, "size": 1, "request": {"client_ip": "10.0.0.1", "method": "GET", "uri": "/é", "headers": {"User-Agent": ["Bötchen"]}}}'
    assert _record(line.encode()).user_agent == "Bötchen"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (NGINX[:60], "malformed"),
        (b"", "malformed"),
        (b"\xff\xfe" + NGINX, "invalid UTF-8"),
        (NGINX.replace(b"GPTBot", b"GPT\xc3Bot"), "invalid UTF-8"),
        (b'{"ts": 1', "malformed JSON"),
        (b'{"ts": 1, "status": 200}', "JSON without a request"),
        (
            b'{"ts": "x", "status": 200, "size": 1, "request": {"client_ip": "1", "method": "GET", "uri": "/"}}',
            "JSON without status, size or ts",
        ),
        (b'{"request": {"method": 1}}', "JSON without method, uri or client address"),
    ],
    ids=[
        "truncated",
        "empty",
        "invalid-utf8-start",
        "invalid-utf8-inside",
        "json-cut",
        "json-no-request",
        "json-bad-ts",
        "json-bad-method",
    ],
)
def test_hostile_lines_are_unreadable_with_a_reason(line: bytes, reason: str) -> None:
    assert parse_line(line) == Unreadable(reason)


@pytest.mark.parametrize(
    "text",
    [
        "32/Dec/2026:10:00:01 +0000",
        "07/Foo/2026:10:00:01 +0000",
        "07/Dec/2026:25:00:01 +0000",
        "yesterday",
        "",
    ],
)
def test_bad_times_are_none(text: str) -> None:
    assert parse_time(text) is None


def test_time_offsets_and_day_memo() -> None:
    days: dict[str, float] = {}
    a = parse_time("07/Dec/2026:10:00:01 -0130", days=days)
    b = parse_time("07/Dec/2026:11:30:01 +0000", days=days)
    assert a == b
    assert parse_time("07/Dec/2026:10:00:02 -0130", days=days) == a + 1  # type: ignore[operator]
    assert len(days) == 2


def test_split_lines_crlf_and_last_line_without_break() -> None:
    assert list(split_lines([b"a\r\nb\n", b"c"])) == [b"a", b"b", b"c"]


def test_split_lines_long_line_across_chunks_is_dropped_as_it_arrives() -> None:
    chunks = [b"ok\n" + b"x" * 10, b"x" * 10, b"x" * 10, b"x\nnext\n"]
    assert list(split_lines(chunks, max_line=15)) == [b"ok", TOO_LONG, b"next"]


@given(
    st.lists(
        st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"").replace(b"\r", b"")), max_size=30
    ),
    st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=10),
    st.booleans(),
)
def test_split_lines_any_chunking(lines: list[bytes], sizes: list[int], final_break: bool) -> None:
    """However the stream is cut into chunks, each line comes out once, long ones as TOO_LONG."""
    data = b"\n".join(lines) + (b"\n" if final_break and lines else b"")
    chunks, i, k = [], 0, 0
    while i < len(data):
        chunks.append(data[i : i + sizes[k % len(sizes)]])
        i += sizes[k % len(sizes)]
        k += 1
    expected: list[bytes | Unreadable] = [TOO_LONG if len(x) > 20 else x for x in lines]
    if lines and not final_break and lines[-1] == b"":
        expected.pop()  # a stream ending in "\n" has no empty last line
    assert list(split_lines(chunks, max_line=20)) == expected


@given(st.binary(max_size=400))
def test_parse_line_is_total(line: bytes) -> None:
    assert isinstance(parse_line(line), LogRecord | Unreadable)


@given(st.text(max_size=200))
def test_parse_line_is_total_on_text(text: str) -> None:
    assert isinstance(parse_line(NGINX[:40] + text.encode()), LogRecord | Unreadable)
    assert isinstance(parse_line(b"{" + text.encode()), LogRecord | Unreadable)
