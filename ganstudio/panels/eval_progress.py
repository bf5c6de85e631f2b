"""The progress bar that runs an evaluation: the explorer's scores line (``scores.py``) and the BigGAN tool's
truncation curve (``explorer/tools/biggan_curve.py``) both start, show, cancel and join one evaluation thread
(``workers/evaluate.py``'s EvalThread, or a subclass such as the truncation sweep) at a time, in the same way."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QProgressBar, QWidget

from ..workers.evaluate import EvalThread


class EvalProgress(QProgressBar):
    """Runs one evaluation thread at a time and shows how far it is: "starting…" until its first report, hidden
    while idle. The owner makes the thread, hands it to ``start`` with its own slots for the result and the
    failure, and redraws on ``sig_finished``: what a result means stays the owner's business."""

    sig_stage = Signal(str)
    """The stage the thread just reported, once the bar shows it."""
    sig_finished = Signal()
    """The thread has ended (done, failed or cancelled) and been joined; the bar is hidden, ``busy`` is False."""

    def __init__(self, stage_text: Callable[[str], str] = str, parent: QWidget | None = None):
        """``stage_text``: what the bar shows of a reported stage, before the percentage."""
        super().__init__(parent)
        self.stage_text = stage_text
        self._thread: EvalThread | None = None
        self._slots: tuple[Callable, Callable] | None = None
        self.setTextVisible(True)
        self.hide()

    @property
    def busy(self) -> bool:
        return self._thread is not None

    def start(self, thread: EvalThread, on_result: Callable[[str, dict, str], None],
              on_failed: Callable[[str, str], None]) -> None:
        """Run ``thread``; its result goes to ``on_result(checkpoint, result, where it was stored)``, its failure
        to ``on_failed(checkpoint, one line)``; a cancelled one reaches neither."""
        self._thread = thread
        self._slots = (on_result, on_failed)
        thread.sig_progress.connect(self._on_progress)
        thread.sig_result.connect(self._on_result)
        thread.sig_failed.connect(self._on_failed)
        thread.finished.connect(self._on_finished)
        self.setRange(0, 0)
        self.setFormat("starting…")
        self.show()
        thread.start()

    def cancel(self) -> None:
        """Stop the thread in progress at its next report and wait for it."""
        if self._thread is not None:
            self._thread.cancel()
            self._thread.wait()
            self._on_finished()

    def _on_result(self, payload: tuple[dict, str]) -> None:
        t = self.sender()
        if t is self._thread and t is not None:
            self._slots[0](t.checkpoint, *payload)

    def _on_failed(self, reason: str) -> None:
        t = self.sender()
        if t is self._thread and t is not None:
            self._slots[1](t.checkpoint, reason)

    def _on_progress(self, stage: str, done: int, total: int) -> None:
        self.setRange(0, max(total, 1))
        self.setValue(done)
        self.setFormat(f"{self.stage_text(stage)} %p%")
        self.sig_stage.emit(stage)

    def _on_finished(self) -> None:
        if self.sender() is not None and self.sender() is not self._thread:
            return  # a cancelled thread's late "finished": it was joined by cancel(); a newer one may be running
        t, self._thread = self._thread, None
        if t is not None:
            t.wait()
            t.deleteLater()
        self.hide()
        self.sig_finished.emit()
