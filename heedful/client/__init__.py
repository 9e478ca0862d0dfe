"""Heedful as an HTTP client of a site: fetching, checking and probing over aiohttp."""
