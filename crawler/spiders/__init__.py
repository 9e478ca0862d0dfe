"""Reference spiders shipped with Heedful."""
