"""Heedful's compliant crawler: a Scrapy add-on that honours every AI-use signal and keeps a ledger."""
