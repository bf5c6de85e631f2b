"""GAN Studio's engine: pure PyTorch, no Qt. ``train(config)`` yields plain-data events.

Heavy modules load on first use, so ``import trainers`` stays cheap for the command line and the app.
"""

from .config import TrainConfig
from .errors import CheckpointError, ConfigError, DataError, GanStudioError
from .events import Command

__all__ = ["TrainConfig", "Command", "train", "GanStudioError", "ConfigError", "DataError", "CheckpointError"]


def train(config: TrainConfig, *, resume: bool = False, progress=None):
    """See ``trainers.loop.train``."""
    from .loop import train as _train

    return _train(config, resume=resume, progress=progress)
