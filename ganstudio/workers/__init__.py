"""Work that runs off the GUI thread, one QThread per file: training (``training.py``, driving
``trainers.train``), the explorer's renders (``render.py``) and the other latest-request threads (``latest.py``:
``LatestSlot``, the one slot they share), GIF export (``gif.py``), and the one-shot jobs on ``oneshot.py``'s base
(evaluation, the truncation sweep, inversion, projection, text-model training: one way to report progress, be
cancelled and fail in one line). Only plain data crosses back, through signals."""

from .training import TrainingThread

__all__ = ["TrainingThread"]
