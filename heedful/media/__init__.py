"""Writers that stamp a reservation into media files (what to write is the core's)."""
