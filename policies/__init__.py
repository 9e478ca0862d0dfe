"""Heedful's pure core: AI-use signals in, explained decisions out.

Bytes, header lists and status codes go in; :class:`Decision` values with their reasons come
out. Nothing here touches the network, the file system or the clock (style.md B).
"""

from policies.decide import decide
from policies.diagnostics import Diagnostic, ParseResult, Severity
from policies.evaluate import evaluate
from policies.model import (
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
from policies.robots import parse_robots, robots_allowed
from policies.site import PageSignals, SignalFile, SiteSignals, read_page, read_site

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
