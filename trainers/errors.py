"""Errors a user can cause. Each message says what is wrong and what to do about it."""


class GanStudioError(Exception):
    """Base class: a problem with the user's input, not a bug. Shown as one line, never a traceback."""


class ConfigError(GanStudioError, ValueError):
    """An invalid training setting (batch 0, negative learning rate, unknown model, ...). ``field`` names the
    TrainConfig field it is about (None: the model, the data or their combination), so a form can mark that field
    without reading the message."""

    def __init__(self, message: str = "", field: str | None = None):
        super().__init__(message)
        self.field = field


class DataError(GanStudioError):
    """A dataset that cannot be found or read."""


class CheckpointError(GanStudioError):
    """A checkpoint that is corrupt, truncated, foreign or does not match the model."""
