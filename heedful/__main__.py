"""``python -m heedful`` runs the command line."""

from heedful.cli import main

main()
