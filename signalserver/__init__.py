"""Heedful's signal server: one site policy in, every machine-readable format out."""
