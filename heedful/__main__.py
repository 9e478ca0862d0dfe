"""``python -m heedful`` runs the command line."""

from heedful.cli.main import main

main()
