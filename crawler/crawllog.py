"""What a Heedful crawl says in Scrapy's log: one line per refusal, quiet database drivers, and
a warning when the User-Agent points nobody to the crawler's operator.

A refusal is logged at INFO as one sentence with the URL, the use, the verdict and the
statement that decided it (file and line, or header), the reason the ledger also keeps. The
ledger's drivers (SQLAlchemy, aiosqlite, asyncpg) would otherwise print a DEBUG line per query
under Scrapy's default ``LOG_LEVEL = "DEBUG"``: their loggers are set to
``HEEDFUL_DRIVER_LOG_LEVEL`` (``WARNING``) unless the project gave them a level of its own.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

from heedful.crawler.settings import DEFAULTS

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

    from heedful.crawler.settings import HeedfulConfig
    from heedful.policies.model import Decision, Reason

log = logging.getLogger(__name__)
DRIVER_LOGGERS: Final = ("sqlalchemy", "aiosqlite", "asyncpg")
PLACEHOLDER_INFO_URL: Final = str(DEFAULTS["HEEDFUL_INFO_URL"])
BLOCKING_EFFECTS: Final = frozenset(
    {"deny", "license", "access deny", "access license", "default deny"}
)
RULE_CHARS: Final = 160
"""A statement longer than this (an RSL ``<content>`` element) is cut in the log line; the
ledger keeps it whole."""


def deciding_reason(decision: Decision) -> Reason | None:
    """The first reason whose effect refuses: the statement that decided a refusal."""
    return next((r for r in decision.reasons if r.effect in BLOCKING_EFFECTS), None)


def refusal_line(url: str, stage: str, decision: Decision | None, message: str) -> str:
    """``heedful: refused URL for USE (STAGE): VERDICT by SIGNAL EFFECT at SOURCE LOCATION: RULE``."""
    if decision is None:
        return f"heedful: refused {url} ({stage}): {message.removeprefix('heedful: ')}"
    head = f"heedful: refused {url} for {decision.use} ({stage}): {decision.verdict}"
    reason = deciding_reason(decision)
    if reason is None:
        return f"{head}; {message.removeprefix('heedful: ')}"
    where = " ".join(filter(None, (reason.source, reason.location)))
    rule = reason.rule if len(reason.rule) <= RULE_CHARS else reason.rule[: RULE_CHARS - 1] + "…"
    line = f"{head} by {reason.signal} {reason.effect}"
    if where:
        line += f" at {where}"
    return f"{line}: {rule}" if rule else line


def log_refusal(url: str, stage: str, decision: Decision | None, message: str) -> None:
    if log.isEnabledFor(logging.INFO):
        log.info("%s", refusal_line(url, stage, decision, message))


def undecided_line(url: str, decision: Decision, retry: str) -> str:
    """``heedful: no verdict for URL (USE): failed|unknown by SIGNAL at SOURCE: WHY; RETRY``.

    The first reason that is not a permission -- the host or page that did not answer, or the
    file that could not be read -- is the one that left the URL undecided.
    """
    reason = next(
        (r for r in decision.reasons if r.effect in ("access failed", "unknown")),
        decision.reasons[0],
    )
    where = " ".join(filter(None, (reason.source, reason.location)))
    return (
        f"heedful: no verdict for {url} ({decision.use}): {decision.verdict} by {reason.signal}"
        f" at {where}: {reason.rule}; {retry}"
    )


def quiet_drivers(settings: BaseSettings) -> None:
    """Set the database drivers' loggers to ``HEEDFUL_DRIVER_LOG_LEVEL``; a level the project
    set on one of them stays, unless the project also set ``HEEDFUL_DRIVER_LOG_LEVEL``."""
    value = settings.get("HEEDFUL_DRIVER_LOG_LEVEL", DEFAULTS["HEEDFUL_DRIVER_LOG_LEVEL"])
    level = logging.getLevelName(str(value).upper()) if not isinstance(value, int) else value
    if not isinstance(level, int):
        level = logging.WARNING
    asked = (settings.getpriority("HEEDFUL_DRIVER_LOG_LEVEL") or 0) > 0
    for name in DRIVER_LOGGERS:
        logger = logging.getLogger(name)
        # SQLAlchemy sets its own root logger to WARNING on import; that is not the project's.
        own = logger.level not in (logging.NOTSET, logging.WARNING)
        if asked or not own:
            logger.setLevel(level)


def warn_placeholder(config: HeedfulConfig) -> None:
    """A User-Agent with the placeholder info URL tells a site owner nothing about who crawls."""
    if PLACEHOLDER_INFO_URL in config.user_agent:
        log.warning(
            "heedful: the User-Agent %r carries the placeholder %s; set HEEDFUL_INFO_URL "
            "(heedful crawl --set HEEDFUL_INFO_URL=URL) to a page that says who runs this crawler "
            "and why",
            config.user_agent,
            PLACEHOLDER_INFO_URL,
        )
