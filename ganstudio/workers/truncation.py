"""The truncation-sweep thread: BigGAN's truncation curve of one checkpoint (label accuracy, precision, recall and
domain FID for each ψ, ``trainers.metrics.evaluate.sweep_checkpoint``) off the GUI thread, stored beside its run
as ``ganstudio eval --truncation-sweep`` stores it. Signals, cancelling and errors as the evaluation thread's."""

from __future__ import annotations

from .evaluate import EvalThread

SWEEP_SAMPLES = 1000  # fakes per ψ the app starts with (the CLI's `eval --truncation-sweep` uses 2,000)


class SweepThread(EvalThread):
    """Sweeps ψ for one checkpoint; cancel() stops it at its next progress report."""

    WHAT = "sweep the truncation"

    def __init__(self, checkpoint: str, samples: int = SWEEP_SAMPLES, parent=None):
        super().__init__(checkpoint, samples, parent)

    def compute(self):
        from trainers.metrics import evaluate

        result = evaluate.sweep_checkpoint(self.checkpoint, samples=self.samples, progress=self.progress)
        return result, str(evaluate.store_result(self.checkpoint, result, "truncation") or "")
