"""Access-log lines in, request records out: combined/common (nginx, Apache) and Caddy JSON.

Formats (the servers' own documentation):

* Common Log Format, Apache ``LogFormat "%h %l %u %t \\"%r\\" %>s %b"``;
  nginx's ``combined`` and Apache's ``combined`` add ``"%{Referer}i" "%{User-agent}i"``
  (nginx ``log_format combined '$remote_addr - $remote_user [$time_local] "$request" $status
  $body_bytes_sent "$http_referer" "$http_user_agent"'``). Fields after the user agent
  (nginx configurations often append ``"$http_x_forwarded_for"``) are ignored.
* Caddy's structured access log (``log { format json }``): one JSON object per line with
  ``ts``, ``status``, ``size`` and ``request`` (``client_ip``/``remote_ip``, ``method``,
  ``uri``, ``headers``).

Reading is total: a line is a :class:`LogRecord` or an :class:`Unreadable` with the reason
(``malformed``, ``invalid UTF-8``, ``too long``...). Servers escape ``"`` and bytes outside
printable ASCII in these logs (nginx writes ``\\xHH``, Apache ``\\xhh``), so raw bytes that are
not UTF-8 mean the line is damaged, not merely unusual. Nothing here raises on content.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Final

MAX_LINE_BYTES: Final = 64 * 1024
"""Longer lines are reported ``too long`` and never held whole: the bound on memory per line."""

_Q: Final = rb'"([^"\\]*(?:\\.[^"\\]*)*)"'
"""A quoted field in which ``\\"`` and ``\\\\`` are escapes (nginx, Apache)."""
_CLF: Final = re.compile(
    rb"(\S+) \S+ \S+ \[([^\]]{1,64})\] " + _Q + rb" (\d{3}) (\d+|-)(?: " + _Q + rb" " + _Q + rb")?"
)
_MONTHS: Final = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_CLF_TIME: Final = re.compile(
    r"(\d{2})/([A-Z][a-z]{2})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})"
)


@dataclass(slots=True)
class LogRecord:
    """One request as the log has it. ``time`` is the log's own text; see :func:`parse_time`."""

    client_ip: str
    time: str | float
    """``10/Oct/2000:13:55:36 -0700`` (CLF) or a Unix timestamp (Caddy)."""
    method: str
    target: str
    """The request target as logged (path and query); ``""`` when the request line is not HTTP."""
    status: int
    size: int
    user_agent: str


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A line that is not a request record, and why."""

    reason: str


def _unescape(field: str) -> str:
    # Only the escapes that change meaning here; \xHH stays as written (it is how the server
    # logged a byte it would not write raw, and matching never needs the byte).
    return field.replace('\\"', '"').replace("\\\\", "\\") if "\\" in field else field


def _request_line(request: str) -> tuple[str, str]:
    parts = request.split(" ")
    if len(parts) == 3 and parts[2].startswith("HTTP/") and parts[1][:1] in ("/", "*", "h"):
        return parts[0], parts[1]
    if len(parts) == 2 and parts[1][:1] == "/":  # HTTP/0.9
        return parts[0], parts[1]
    return "", ""  # ``-``, a TLS handshake sent to a plain HTTP port, garbage: no target


def parse_line(line: bytes) -> LogRecord | Unreadable:
    """Read one line (without its line break) in any supported format."""
    if not line.isascii():
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return Unreadable("invalid UTF-8")
    if line[:1] == b"{":
        return _caddy(line)
    match = _CLF.match(line)
    if match is None:
        return Unreadable("malformed")
    ip, time, request, status, size, _, agent = match.groups()
    method, target = _request_line(_unescape(request.decode("utf-8")))
    return LogRecord(
        client_ip=ip.decode("utf-8"),
        time=time.decode("utf-8"),
        method=method,
        target=target,
        status=int(status),
        size=0 if size == b"-" else int(size),
        user_agent=_unescape(agent.decode("utf-8")) if agent is not None else "",
    )


def _caddy(line: bytes) -> LogRecord | Unreadable:
    try:
        data = json.loads(line)
    except ValueError:
        return Unreadable("malformed JSON")
    request = data.get("request") if isinstance(data, dict) else None
    if not isinstance(request, dict):
        return Unreadable("JSON without a request")
    headers = request.get("headers")
    agents = headers.get("User-Agent", []) if isinstance(headers, dict) else []
    ip = request.get("client_ip") or request.get("remote_ip")
    ts, status, size = data.get("ts"), data.get("status"), data.get("size", 0)
    fields = (request.get("method"), request.get("uri"), ip)
    if not all(isinstance(v, str) for v in fields) or not isinstance(agents, list):
        return Unreadable("JSON without method, uri or client address")
    if not isinstance(status, int) or not isinstance(size, int) or not isinstance(ts, int | float):
        return Unreadable("JSON without status, size or ts")
    method, target, client = (str(v) for v in fields)
    return LogRecord(
        client_ip=client,
        time=float(ts),
        method=method,
        target=target,
        status=status,
        size=size,
        user_agent=", ".join(str(a) for a in agents),
    )


def parse_time(value: str | float) -> datetime | None:
    """A record's time as an aware datetime (UTC offsets kept), ``None`` when unreadable."""
    if isinstance(value, float):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    match = _CLF_TIME.fullmatch(value)
    if match is None:
        return None
    day, mon, year, hh, mm, ss, sign, oh, om = match.groups()
    month = _MONTHS.get(mon)
    offset = timedelta(hours=int(oh), minutes=int(om))
    try:
        tz = timezone(-offset if sign == "-" else offset)
        if month is None:
            return None
        return datetime(int(year), month, int(day), int(hh), int(mm), int(ss), tzinfo=tz)
    except ValueError:
        return None


TOO_LONG: Final = Unreadable("too long")


def split_lines(
    chunks: Iterable[bytes], *, max_line: int = MAX_LINE_BYTES
) -> Iterator[bytes | Unreadable]:
    """The lines of a byte stream given in chunks, without line breaks (``\\n``, ``\\r\\n``).

    A line longer than ``max_line`` bytes comes out as :data:`TOO_LONG` and its bytes are
    dropped as they arrive, so memory stays within one chunk plus ``max_line``. A last line
    without a line break (a file cut mid-write) comes out as it is.
    """
    carry = b""
    skipping = False
    for chunk in chunks:
        if not chunk:
            continue
        lines = chunk.split(b"\n")
        last = lines.pop()
        for i, line in enumerate(lines):
            if i == 0:
                if skipping:
                    skipping = False
                    continue
                line = carry + line
                carry = b""
            if len(line) > max_line:
                yield TOO_LONG
            else:
                yield line[:-1] if line[-1:] == b"\r" else line
        if lines:
            carry = last
        elif not skipping:
            carry += last
        if not skipping and len(carry) > max_line:
            yield TOO_LONG
            carry, skipping = b"", True
    if carry and not skipping:
        yield carry[:-1] if carry[-1:] == b"\r" else carry
