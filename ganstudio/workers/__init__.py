"""Work that runs off the GUI thread: training (a QThread driving ``trainers.train``) and exports."""

from .training import TrainingThread

__all__ = ["TrainingThread"]
