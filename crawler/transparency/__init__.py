"""Transparency, withdrawal and credit: every answer computed from the provenance ledger.

Reports (:mod:`.figures`, :mod:`.html`, :mod:`.eusummary`), credits (:mod:`.credits`),
re-checks of today's signals (:mod:`.recheck`) and purges of withdrawn items (:mod:`.purge`).
"""
