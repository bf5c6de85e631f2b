"""Measurements of what a generator learned (``ganstudio eval`` builds on these)."""
