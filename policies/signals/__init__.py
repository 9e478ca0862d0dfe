"""Every signal Heedful reads, one module (or package) per signal, and :mod:`.read`, which
reads all of an origin's and a page's at once."""
