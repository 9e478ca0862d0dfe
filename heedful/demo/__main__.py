"""``python -m heedful.demo``."""

from heedful.demo.run import main

main()
