"""The evaluation thread: scores one checkpoint (domain FID, precision/recall, accuracies) off the GUI thread
for the explorer's scores line, and stores the result beside the run as ``ganstudio eval`` does. Other
evaluations of one checkpoint (the truncation sweep) subclass it and replace ``compute``."""

from __future__ import annotations

from .oneshot import OneShotThread

EVAL_SAMPLES = 2000  # what the app evaluates with (the CLI defaults to 5,000: `ganstudio eval --n`)


class EvalThread(OneShotThread):
    """Scores one checkpoint (``trainers.metrics.evaluate.evaluate_checkpoint``) off the GUI thread; cancel()
    stops it at its next progress report. Only plain data leaves the thread: ``sig_result`` carries
    (result dict, where it was stored: a path, or "" when it could not be kept); ``sig_failed`` one line."""

    WHAT = "evaluate"

    def __init__(self, checkpoint: str, samples: int = EVAL_SAMPLES, parent=None, data_root: str | None = None):
        super().__init__(parent)
        self.checkpoint = checkpoint
        self.samples = int(samples)
        self.data_root = data_root or None  # the user's data root (New Run's): paths in a checkpoint are not opened

    def compute(self):
        """(result, where it was stored or ""), in this thread; reports through ``self.progress``."""
        from trainers.metrics.checkpoint import evaluate_checkpoint
        from trainers.metrics.evaluate import store_result

        result = evaluate_checkpoint(self.checkpoint, samples=self.samples, progress=self.progress,
                                     data_root=self.data_root)
        return result, str(store_result(self.checkpoint, result) or "")
