"""Work that runs off the GUI thread, one QThread per file: training (``training.py``, driving
``trainers.train``), the explorer's renders (``render.py``), GIF export (``gif.py``) and checkpoint
evaluation (``evaluate.py``). Only plain data crosses back, through signals."""

from .training import TrainingThread

__all__ = ["TrainingThread"]
