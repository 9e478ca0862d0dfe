"""The command line: one module per command, :mod:`.main` assembles them."""
