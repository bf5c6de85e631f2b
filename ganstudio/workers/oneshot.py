"""One way for a one-shot job to run off the GUI thread, report progress and be cancelled: inversion
(``invert.py``), projection (``projection.py``), training a text model (``text.py``), evaluation
(``evaluate.py``) and the truncation sweep (``truncation.py``) are ``OneShotThread`` subclasses that implement
only ``compute()``.

One job per thread; what the owner sees, in order:

- ``sig_progress(stage, done, total)`` while it works (from ``progress()``, which compute() hands the engine);
- then exactly one of ``sig_result(object)`` (what compute() returned), ``sig_failed(str)`` (one line: a
  ``GanStudioError``'s text as it is; anything else "could not <WHAT>: Type: message", its traceback printed)
  or ``sig_cancelled()`` (``cancel()`` was called: a cancelled job never emits a result, even one that was
  already computed);
- then QThread's ``finished``.

``cancelled`` is what engine functions take as their ``cancelled=`` callback; ``progress`` also ends the job
at the next report once cancelled (it raises ``Cancelled``), for engines that only take a progress callback.
This stays a QThread rather than superqt's ``thread_worker`` (a QRunnable in the global pool): the tools own
their job, join it with ``wait()`` when they close or switch models, and the tests' ``no_thread_leaks`` fixture
tracks QThreads."""

from __future__ import annotations

import traceback

from PySide6.QtCore import QThread, Signal

from trainers.errors import GanStudioError


class Cancelled(InterruptedError):
    """Raised by ``OneShotThread.progress`` once the job was cancelled; ends ``compute()`` early. (An
    ``InterruptedError`` so that engines which raise that when their ``cancelled()`` turns true, such as the text
    model's training, end the same way.)"""


class OneShotThread(QThread):
    """Runs ``compute()`` once; subclasses implement it and may add signals of their own (a picture to show
    before the result, a loss curve, ...)."""

    sig_progress = Signal(str, int, int)
    """(stage, done, total) while it works."""
    sig_result = Signal(object)
    """What ``compute()`` returned; never after ``cancel()``."""
    sig_failed = Signal(str)
    """One line saying why it could not finish."""
    sig_cancelled = Signal()
    """Stopped by ``cancel()``; no result follows."""

    WHAT = "finish the job"
    """What the job does, for the failure line: "could not {WHAT}: Type: message"."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._cancel = False

    # -- the owner's side (GUI thread) ---------------------------------------------------------------------
    def cancel(self) -> None:
        """Stop at the next progress report or ``cancelled()`` check; then ``sig_cancelled``, no result."""
        self._cancel = True

    # -- the job's side (this thread) ----------------------------------------------------------------------
    def cancelled(self) -> bool:
        """True once ``cancel()`` was called: the engine's ``cancelled=`` callback."""
        return self._cancel

    def progress(self, stage: str, done: int, total: int) -> None:
        """Report how far the job is; raises ``Cancelled`` when it was cancelled, which ends ``compute()``."""
        if self._cancel:
            raise Cancelled
        self.sig_progress.emit(stage, int(done), int(total))

    def compute(self):
        """The job, in this thread; what it returns is ``sig_result``'s value. Raise ``GanStudioError`` for a
        problem the user can fix (its text is shown as it is)."""
        raise NotImplementedError

    def run(self) -> None:  # noqa: D401 - QThread API
        try:
            result = self.compute()
        except InterruptedError as exc:  # Cancelled, or an engine's own way of saying it stopped
            if self._cancel:
                self.sig_cancelled.emit()
            else:  # an interrupted system call, not the user: a failure like any other
                self._fail(exc)
            return
        except GanStudioError as exc:
            self.sig_failed.emit(str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - the window stays up; the reason is shown
            self._fail(exc)
            return
        if self._cancel:
            self.sig_cancelled.emit()
        else:
            self.sig_result.emit(result)

    def _fail(self, exc: BaseException) -> None:
        traceback.print_exception(type(exc), exc, exc.__traceback__)
        self.sig_failed.emit(_one_line(f"could not {self.WHAT}: {type(exc).__name__}: {exc}"))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def failure_line(what: str, failure: str) -> str:
    """"Could not <what>: <failure>" for a panel's status line, without saying it twice when the job's own line
    (an unexpected error: "could not <WHAT>: Type: message") already does."""
    if failure.lower().startswith("could not "):
        return failure[:1].upper() + failure[1:]
    return f"Could not {what}: {failure}"
