"""The truncation-sweep thread: BigGAN's truncation curve of one checkpoint (label accuracy, precision, recall and
domain FID for each ψ, ``trainers.metrics.evaluate.sweep_checkpoint``) off the GUI thread, stored beside its run
as ``ganstudio eval --truncation-sweep`` stores it. Only plain data (the result dict) leaves the thread."""

from __future__ import annotations

from PySide6.QtCore import QThread, Signal

SWEEP_SAMPLES = 1000  # fakes per ψ the app starts with (the CLI's `eval --truncation-sweep` uses 2,000)


class _Cancelled(Exception):
    pass


class SweepThread(QThread):
    """Sweeps ψ for one checkpoint; cancel() stops it at its next progress report."""

    sig_progress = Signal(str, int, int)
    """(stage, done, total) while it works."""
    sig_result = Signal(str, object, str)
    """(checkpoint, result dict, where it was stored: a path, or "" when it could not be kept)."""
    sig_failed = Signal(str, str)
    """(checkpoint, one-line reason) when the checkpoint or its data cannot be evaluated."""

    def __init__(self, checkpoint: str, samples: int = SWEEP_SAMPLES, parent=None):
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

    def run(self) -> None:
        from trainers.errors import GanStudioError
        from trainers.metrics import evaluate

        try:
            result = evaluate.sweep_checkpoint(self.checkpoint, samples=self.samples, progress=self._progress)
            stored = evaluate.store_result(self.checkpoint, result, "truncation")
        except _Cancelled:
            return
        except GanStudioError as exc:
            self.sig_failed.emit(self.checkpoint, str(exc))
            return
        except Exception as exc:  # shown beside the curve; the app stays up
            self.sig_failed.emit(self.checkpoint, f"{type(exc).__name__}: {exc}")
            return
        if not self._cancel:
            self.sig_result.emit(self.checkpoint, result, str(stored or ""))
