"""Speed benchmark of the engine against a straightforward SimPy model of the same rules (see README.md)."""
