"""The evaluation thread: scores one checkpoint (domain FID, precision/recall, accuracies) off the GUI thread
for the explorer's scores line, and stores the result beside the run as ``ganstudio eval`` does. Other
evaluations of one checkpoint (the truncation sweep) subclass it and replace ``compute``."""

from __future__ import annotations

from PySide6.QtCore import QThread, Signal

EVAL_SAMPLES = 2000  # what the app evaluates with (the CLI defaults to 5,000: `ganstudio eval --n`)


class _Cancelled(Exception):
    pass


class EvalThread(QThread):
    """Scores one checkpoint (``trainers.metrics.evaluate.evaluate_checkpoint``) off the GUI thread; cancel()
    stops it at its next progress report. Only plain data (the result dict) leaves the thread."""

    sig_progress = Signal(str, int, int)
    """(stage, done, total) while it works."""
    sig_result = Signal(str, object, str)
    """(checkpoint, result dict, where it was stored: a path, or "" when it could not be kept) when done."""
    sig_failed = Signal(str, str)
    """(checkpoint, one-line reason) when the checkpoint or its data cannot be evaluated."""

    def __init__(self, checkpoint: str, samples: int = EVAL_SAMPLES, parent=None):
        super().__init__(parent)
        self.checkpoint = checkpoint
        self.samples = int(samples)
        self._cancel = False

    def cancel(self) -> None:
        self._cancel = True

    def _progress(self, stage: str, done: int, total: int) -> None:
        if self._cancel:
            raise _Cancelled
        self.sig_progress.emit(stage, done, total)

    def compute(self):
        """(result, where it was stored or None), in this thread; reports through ``self._progress``."""
        from trainers.metrics.checkpoint import evaluate_checkpoint
        from trainers.metrics.evaluate import store_result

        result = evaluate_checkpoint(self.checkpoint, samples=self.samples, progress=self._progress)
        return result, store_result(self.checkpoint, result)

    def run(self) -> None:
        from trainers.errors import GanStudioError

        try:
            result, stored = self.compute()
        except _Cancelled:
            return
        except GanStudioError as exc:
            self.sig_failed.emit(self.checkpoint, str(exc))
            return
        except Exception as exc:  # shown beside the scores; the app stays up
            self.sig_failed.emit(self.checkpoint, f"{type(exc).__name__}: {exc}")
            return
        if not self._cancel:
            self.sig_result.emit(self.checkpoint, result, str(stored or ""))
