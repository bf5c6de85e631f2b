"""One widget per concern: curves, sample grid, run list, run setup, messages."""
