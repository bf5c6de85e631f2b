"""The GIF thread: writes a run's progression GIF (``export.export_gif``) off the GUI thread, reporting
progress and taking a cancel between frames. Failures come back as messages, never as exceptions."""

from __future__ import annotations

from PySide6.QtCore import QThread, Signal

from ..export import ExportError, export_gif


class GifThread(QThread):
    sig_progress = Signal(int, int)
    """(frames done, frames total)."""
    sig_done = Signal(str, int)
    """(path written, frame count)."""
    sig_failed = Signal(str)

    def __init__(self, snapshots, out: str, options: dict, parent=None):
        super().__init__(parent)
        self.snapshots, self.out, self.options = list(snapshots), out, options
        self.cancelled = False

    def run(self) -> None:
        try:
            n = export_gif(self.snapshots, self.out, progress=self._progress, **self.options)
        except ExportError as exc:
            self.sig_failed.emit(str(exc))
        except Exception as exc:  # never let an export take the app down
            self.sig_failed.emit(f"export failed: {exc}")
        else:
            self.sig_done.emit(self.out, n)

    def _progress(self, done: int, total: int) -> bool:
        self.sig_progress.emit(done, total)
        return not self.cancelled
