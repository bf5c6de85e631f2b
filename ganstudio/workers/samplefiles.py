"""The samples-as-files thread: writes N samples of a checkpoint as a folder of PNGs or one ``.npz``
(``trainers.samplefiles.write_samples``, what ``ganstudio sample --out DIR/`` runs) off the GUI thread, reporting
progress and stopping at the next batch when cancelled. The result is ``SampleFiles`` (plain data); failures
(an occupied or unwritable folder) come as one line.

A job can outlive the widget that started it (the app closing mid-write): the thread has no Qt parent, is kept
here while it runs, and is cancelled and joined when the application quits (``stop_all``), so it is never
destroyed while running."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from .oneshot import OneShotThread

_RUNNING: set["SampleFilesThread"] = set()
_hooked = False


class SampleFilesThread(OneShotThread):
    """``sig_result`` carries a ``trainers.samplefiles.SampleFiles``; progress stages are "writing samples"."""

    WHAT = "write the samples"

    def __init__(self, checkpoint: str, out: str, n: int, seed: int = 0, truncation: float | None = None):
        super().__init__(None)  # no parent: see the module docstring
        self.checkpoint, self.out, self.n, self.seed, self.truncation = checkpoint, str(out), int(n), int(seed), truncation
        self.finished.connect(self._forget)

    def start(self, *args) -> None:  # noqa: D102 - QThread API
        _hook_quit()
        _RUNNING.add(self)
        super().start(*args)

    def compute(self):
        from trainers.generator import load_generator
        from trainers.samplefiles import write_samples

        gen = load_generator(self.checkpoint)
        return write_samples(gen, self.out, self.n, self.seed, truncation=self.truncation, progress=self.progress)

    def _forget(self) -> None:
        _RUNNING.discard(self)


def running() -> list[SampleFilesThread]:
    return [t for t in _RUNNING if t.isRunning()]


def stop_all() -> None:
    """Cancel every job and wait for each (a cancelled job stops after its current batch)."""
    for t in list(_RUNNING):
        t.cancel()
        t.wait()
        _RUNNING.discard(t)


def _hook_quit() -> None:
    global _hooked
    app = QCoreApplication.instance()
    if not _hooked and app is not None:
        app.aboutToQuit.connect(stop_all)
        _hooked = True
