"""robots.txt (RFC 9309): lines, groups, the access document, checks and the writer."""
