"""Heedful's pure core: AI-use signals in, explained decisions out.

Bytes, header lists and status codes go in; :class:`Decision` values with their reasons come
out. Nothing here touches the network, the file system or the clock (style.md B).
"""

from heedful.policies.decide import decide
from heedful.policies.diagnostics import Diagnostic, ParseResult, Severity
from heedful.policies.evaluate import evaluate
from heedful.policies.model import (
    Decision,
    LicenseOffer,
    Mode,
    Permission,
    Reason,
    Signal,
    Statement,
    Use,
    Verdict,
)
from heedful.policies.signals.read import PageSignals, SignalFile, SiteSignals, read_page, read_site
from heedful.policies.signals.robots.document import parse_robots, robots_allowed

__all__ = [
    "Decision",
    "Diagnostic",
    "LicenseOffer",
    "Mode",
    "PageSignals",
    "ParseResult",
    "Permission",
    "Reason",
    "Severity",
    "Signal",
    "SignalFile",
    "SiteSignals",
    "Statement",
    "Use",
    "Verdict",
    "decide",
    "evaluate",
    "parse_robots",
    "read_page",
    "read_site",
    "robots_allowed",
]
