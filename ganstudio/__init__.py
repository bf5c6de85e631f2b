"""GAN Studio: the desktop app. It drives ``trainers`` and never re-implements training."""

__version__ = "0.1.0"
