"""Errors a user can cause. Each message says what is wrong and what to do about it."""


class GanStudioError(Exception):
    """Base class: a problem with the user's input, not a bug. Shown as one line, never a traceback."""


class ConfigError(GanStudioError, ValueError):
    """An invalid training setting (batch 0, negative learning rate, unknown model, ...)."""


class DataError(GanStudioError):
    """A dataset that cannot be found or read."""


class CheckpointError(GanStudioError):
    """A checkpoint that is corrupt, truncated, foreign or does not match the model."""
