"""The evaluation thread: scores one checkpoint (domain FID, precision/recall, accuracies) off the GUI thread
for the explorer's scores line, and stores the result beside the run as ``ganstudio eval`` does."""

from __future__ import annotations

from PySide6.QtCore import QThread, Signal

EVAL_SAMPLES = 2000  # what the app evaluates with (the CLI defaults to 5,000: `ganstudio eval --n`)


class _Cancelled(Exception):
    pass


class EvalThread(QThread):
    """Scores one checkpoint (``trainers.metrics.evaluate.evaluate_checkpoint``) off the GUI thread."""

    sig_progress = Signal(str, int, int)
    """(stage, done, total) while it works."""
    sig_result = Signal(str, object)
    """(checkpoint, result dict) when done."""
    sig_failed = Signal(str, str)
    """(checkpoint, one-line reason) when the checkpoint or its data cannot be evaluated."""

    def __init__(self, checkpoint: str, parent=None):
        super().__init__(parent)
        self.checkpoint = checkpoint
        self._cancel = False

    def cancel(self) -> None:
        self._cancel = True

    def _progress(self, stage: str, done: int, total: int) -> None:
        if self._cancel:
            raise _Cancelled
        self.sig_progress.emit(stage, done, total)

    def run(self) -> None:
        from trainers.errors import GanStudioError
        from trainers.metrics.evaluate import evaluate_checkpoint, store_result

        try:
            result = evaluate_checkpoint(self.checkpoint, samples=EVAL_SAMPLES, progress=self._progress)
            store_result(self.checkpoint, result)
        except _Cancelled:
            return
        except GanStudioError as exc:
            self.sig_failed.emit(self.checkpoint, str(exc))
            return
        except Exception as exc:  # shown in the bar; the app stays up
            self.sig_failed.emit(self.checkpoint, f"{type(exc).__name__}: {exc}")
            return
        self.sig_result.emit(self.checkpoint, result)
