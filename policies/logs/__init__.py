"""Access logs: which AI crawlers came, what they fetched, and what the policy denied them.

* :mod:`heedful.policies.logs.lines` — :func:`parse_line` (combined/common, Caddy JSON) and
  :func:`split_lines` (bounded line splitting of a byte stream);
* :mod:`heedful.policies.logs.analyze` — :class:`LogAnalyzer`: per-agent counters and violations.

Reading files (and gzip) is the adapter's job (``heedful logs``).
"""

from __future__ import annotations

from heedful.policies.denial import Denial, denial
from heedful.policies.logs.analyze import AgentStats, LogAnalyzer, LogSummary, Violation
from heedful.policies.logs.lines import (
    MAX_LINE_BYTES,
    LogRecord,
    Unreadable,
    parse_line,
    parse_time,
    split_batches,
    split_lines,
)

__all__ = [
    "MAX_LINE_BYTES",
    "AgentStats",
    "Denial",
    "LogAnalyzer",
    "LogRecord",
    "LogSummary",
    "Unreadable",
    "Violation",
    "denial",
    "parse_line",
    "parse_time",
    "split_batches",
    "split_lines",
]
