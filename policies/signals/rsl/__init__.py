"""Really Simple Licensing (RSL) 1.0: the document and its licence terms."""
