"""Heedful command line."""
