"""Fetching without I/O: which files an origin and a page need (:mod:`.plan`), what each
answer means, redirects and freshness. The adapters perform the fetches; this package decides."""
