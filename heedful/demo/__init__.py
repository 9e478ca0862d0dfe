"""``python -m heedful.demo``: the example sites, served, checked and crawled end to end."""
