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
from datetime import datetime, timedelta, timezone
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


TOO_LONG: Final = Unreadable("too long")
INVALID_UTF8: Final = Unreadable("invalid UTF-8")
MALFORMED: Final = Unreadable("malformed")


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


def match_line(line: bytes) -> re.Match[bytes] | Unreadable | None:
    """The first, cheap step of :func:`parse_line`: the CLF match, or why the line is unreadable.

    ``None`` means the line is JSON (Caddy) and needs :func:`parse_line`. Callers that skip
    most lines (browsers, when only crawlers matter) look at :func:`user_agent_of` before
    paying for :func:`record_of`.
    """
    if not line.isascii():
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return INVALID_UTF8
    if line[:1] == b"{":
        return None
    return _CLF.match(line) or MALFORMED


clf_match: Final = _CLF.match
"""The CLF regex's ``match``, for callers' fast paths (:class:`heedful.policies.logs.LogAnalyzer`)."""


def user_agent_of(match: re.Match[bytes]) -> bytes:
    """The raw (still escaped) User-Agent field of a CLF match; ``b""`` in common format."""
    return match.group(7) or b""


def record_of(match: re.Match[bytes]) -> LogRecord:
    """The record of a CLF match (the line is known to be UTF-8)."""
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


def parse_line(line: bytes) -> LogRecord | Unreadable:
    """Read one line (without its line break) in any supported format."""
    found = match_line(line)
    if found is None:
        return _caddy(line)
    if isinstance(found, Unreadable):
        return found
    return record_of(found)


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


def parse_time(value: str | float, *, days: dict[str, float] | None = None) -> float | None:
    """A record's time as Unix seconds (UTC), ``None`` when unreadable.

    ``days`` is the caller's memo of ``DD/Mon/YYYY +hhmm`` -> the Unix time of that day's
    midnight in that offset: a log spans few days, so most lines cost one regex match and some
    arithmetic, not a ``datetime``. The caller bounds it (one entry per day and offset).
    """
    if isinstance(value, float):
        return value if -1e11 < value < 1e11 else None
    match = _CLF_TIME.fullmatch(value)
    if match is None:
        return None
    day, mon, year, hh, mm, ss, sign, oh, om = match.groups()
    key = value[:11] + value[20:]
    base = days.get(key) if days is not None else None
    if base is None:
        month = _MONTHS.get(mon)
        offset = timedelta(hours=int(oh), minutes=int(om))
        try:
            if month is None or int(hh) > 23 or int(mm) > 59 or int(ss) > 60:
                return None
            tz = timezone(-offset if sign == "-" else offset)
            base = datetime(int(year), month, int(day), tzinfo=tz).timestamp()
        except ValueError:
            return None
        if days is not None:
            days[key] = base
    return base + int(hh) * 3600 + int(mm) * 60 + int(ss)


def split_batches(
    chunks: Iterable[bytes], *, max_line: int = MAX_LINE_BYTES
) -> Iterator[list[bytes | Unreadable]]:
    """The lines of a byte stream given in chunks, a list per chunk, without line breaks.

    A line longer than ``max_line`` bytes comes out as :data:`TOO_LONG` and its bytes are
    dropped as they arrive, so memory stays within one chunk plus ``max_line``. A last line
    without a line break (a file cut mid-write) comes out as it is. Lists, not single lines,
    keep the per-line cost of the caller's loop down (the lists are split by C code).
    """
    carry = b""
    skipping = False
    for chunk in chunks:
        if not chunk:
            continue
        pieces = chunk.split(b"\n")
        last = pieces.pop()
        batch: list[bytes | Unreadable] = list(pieces)
        if pieces:
            if skipping:
                del batch[0]  # the tail of a line already reported as too long
                skipping = False
            else:
                batch[0] = carry + pieces[0]
            carry = last
        elif not skipping:
            carry += last
        if batch and max(map(len, batch)) > max_line:  # type: ignore[arg-type]
            batch = [TOO_LONG if len(x) > max_line else x for x in batch]  # type: ignore[arg-type]
        if b"\r" in chunk:
            batch = [_strip_cr(x) for x in batch]
        if not skipping and len(carry) > max_line:
            batch.append(TOO_LONG)
            carry, skipping = b"", True
        if batch:
            yield batch
    if carry and not skipping:
        yield [_strip_cr(carry)]


def _strip_cr(line: bytes | Unreadable) -> bytes | Unreadable:
    return line[:-1] if isinstance(line, bytes) and line[-1:] == b"\r" else line


def split_lines(
    chunks: Iterable[bytes], *, max_line: int = MAX_LINE_BYTES
) -> Iterator[bytes | Unreadable]:
    """:func:`split_batches`, one line at a time."""
    for batch in split_batches(chunks, max_line=max_line):
        yield from batch
