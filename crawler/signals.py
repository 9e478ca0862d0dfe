"""Signals Heedful sends (Scrapy convention: sentinels, documented in docs/crawler.md).

Connect with ``heedful.crawler.signals.connect(handler, signal=crawler.signals_module.policy_decided)``.
"""

from __future__ import annotations

policy_decided = object()
"""Sent for every decision: ``request``, ``decision`` (``policies.Decision``), ``status``
(``kept``/``refused``/``failed``) and ``stage`` (``before-fetch``/``after-fetch``)."""

signal_file_fetched = object()
"""Sent for every signal file fetch: ``origin``, ``kind``, ``url``, ``status``, ``snapshot``."""
