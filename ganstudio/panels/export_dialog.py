"""Export dialogs: the training progression as an animated GIF (written by ``workers/gif.py``, with progress
and cancel here) and the shown grid as PNG, enlarged with crisp pixels."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QMessageBox, QProgressDialog, QPushButton, QSpinBox,
                               QWidget)

from .. import settings
from ..export import pick_frames
from ..rundata import RunData
from ..workers.gif import GifThread


MIN_WIDTH = 620


class ExportDialog(QDialog):
    """Where to write and how: GIF (fps, frames, scale, captions) or PNG (scale)."""

    def __init__(self, parent: QWidget, run: RunData, kind: str):
        super().__init__(parent)
        self.kind = kind
        self.run = run
        self.setWindowTitle("Export progression GIF" if kind == "gif" else "Save grid as PNG")
        last_dir = settings.get("paths/last_export", str(Path.home()), str)
        default = f"{run.name}-progression.gif" if kind == "gif" else f"{run.name}-grid.png"
        self.path = QLineEdit(str(Path(last_dir) / default))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.destination = QLabel()
        self.destination.setObjectName("muted")
        self.destination.setWordWrap(True)
        self.destination.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.path.textChanged.connect(self._show_destination)
        self._show_destination()
        self.setMinimumWidth(MIN_WIDTH)  # the path field shows a real path, not its first 30 characters
        form = QFormLayout(self)
        form.addRow("File", row)
        form.addRow("", self.destination)
        self.scale = QSpinBox()
        self.scale.setRange(1, 16)
        self.scale.setSuffix("×")
        self.scale.setValue(settings.get(f"export/{kind}_scale", 2 if kind == "gif" else 4, int))
        self.scale.setToolTip("Enlarge with nearest-neighbour: pixels stay crisp")
        form.addRow("Scale", self.scale)
        if kind == "gif":
            self.fps = QDoubleSpinBox()
            self.fps.setRange(0.5, 50)
            self.fps.setValue(settings.get("export/gif_fps", 8.0, float))
            self.frames = QSpinBox()
            self.frames.setRange(2, 2000)
            self.frames.setValue(settings.get("export/gif_frames", 150, int))
            self.frames.setToolTip("Snapshots are spread evenly over the run; first and last always included")
            self.caption = QCheckBox("Write the step under each frame")
            self.caption.setChecked(settings.get("export/gif_caption", True, bool))
            form.addRow("Frames per second", self.fps)
            form.addRow("At most frames", self.frames)
            form.addRow("", self.caption)
            self.summary = QLabel("")
            self.summary.setObjectName("muted")
            form.addRow("", self.summary)
            self.frames.valueChanged.connect(self._update_summary)
            self.fps.valueChanged.connect(self._update_summary)
            self._update_summary()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def destination_path(self) -> Path:
        """Where the file goes: the field's path, absolute, with the kind's suffix."""
        path = Path(self.path.text().strip()).expanduser()
        suffix = ".gif" if self.kind == "gif" else ".png"
        if path.suffix.lower() != suffix:
            path = path.with_suffix(suffix)
        return path.absolute()

    def _show_destination(self) -> None:
        self.destination.setText(f"Writes {self.destination_path()}" if self.path.text().strip() else "")

    def _update_summary(self) -> None:
        n = len(pick_frames(self.run.snapshots, self.frames.value()))
        self.summary.setText(f"{n} of {len(self.run.snapshots)} snapshots, {n / self.fps.value():.1f} s")

    def _browse(self) -> None:
        filt = "GIF (*.gif)" if self.kind == "gif" else "PNG (*.png)"
        path, _ = QFileDialog.getSaveFileName(self, self.windowTitle(), self.path.text(), filt)
        if path:
            self.path.setText(path)

    def _accept(self) -> None:
        path = Path(self.path.text().strip()).expanduser()
        suffix = ".gif" if self.kind == "gif" else ".png"
        if path.suffix.lower() != suffix:
            path = path.with_suffix(suffix)
            self.path.setText(str(path))
        folder = path.parent
        if not folder.is_dir():
            QMessageBox.warning(self, "Export", f"The folder {folder} does not exist. Choose another place.")
            return
        if not os.access(folder, os.W_OK):
            QMessageBox.warning(self, "Export", f"Cannot write to {folder} (permission denied). Choose another "
                                "folder.")
            return
        settings.put("paths/last_export", str(folder))
        settings.put(f"export/{self.kind}_scale", self.scale.value())
        if self.kind == "gif":
            settings.put("export/gif_fps", self.fps.value())
            settings.put("export/gif_frames", self.frames.value())
            settings.put("export/gif_caption", self.caption.isChecked())
        self.accept()


class GifExport(QObject):
    """Runs one GIF export: the thread writes, this GUI-thread object shows progress and the outcome
    (worker signals must land on GUI-thread slots, never on lambdas: those would run in the worker)."""

    sig_finished = Signal(str, str)
    """(path or "", error or "") once the thread has ended."""

    def __init__(self, window, run: RunData, out: str, options: dict):
        super().__init__(window)
        self.window = window
        self.result: tuple[str, str] | None = None
        self.thread = GifThread(run.snapshots, out, options, self)
        self.progress = QProgressDialog("Writing GIF…", "Cancel", 0, 1, window)
        self.progress.setWindowTitle("Export GIF")
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(300)
        self.progress.canceled.connect(self.cancel)
        self.thread.sig_progress.connect(self._on_progress)
        self.thread.sig_done.connect(self._on_done)
        self.thread.sig_failed.connect(self._on_failed)
        self.thread.finished.connect(self._on_finished)

    def start(self) -> None:
        self.thread.start()

    def cancel(self) -> None:
        self.thread.cancelled = True

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)

    def _on_done(self, path: str, n: int) -> None:
        self.result = (path, "")
        self.window.statusBar().showMessage(f"Wrote {path} ({n} frames)", 8000)

    def _on_failed(self, message: str) -> None:
        self.result = ("", message)
        self.window.view.message_bar.show_message("error", f"GIF export: {message}")

    def _on_finished(self) -> None:
        self.thread.wait()
        self.progress.close()
        path, error = self.result or ("", "export ended without a result")
        self.sig_finished.emit(path, error)
        self.deleteLater()


def export_gif_interactive(window, run: RunData) -> GifExport | None:
    if len(run.snapshots) < 2:
        window.statusBar().showMessage("The run needs at least two snapshots for a GIF", 5000)
        return None
    dialog = ExportDialog(window, run, "gif")
    if not dialog.exec():
        return None
    options = dict(fps=dialog.fps.value(), max_frames=dialog.frames.value(), scale=dialog.scale.value(),
                   caption=dialog.caption.isChecked())
    job = GifExport(window, run, dialog.path.text(), options)
    job.start()
    return job


def export_png_interactive(parent, run: RunData, samples) -> str | None:
    image: QImage | None = samples.current_image()
    if image is None:
        parent.statusBar().showMessage("No grid to save yet", 5000)
        return None
    dialog = ExportDialog(parent, run, "png")
    if not dialog.exec():
        return None
    return save_png(parent, image, dialog.path.text(), dialog.scale.value())


def save_png(parent, image: QImage, path: str, scale: int) -> str | None:
    big = image.scaled(image.width() * scale, image.height() * scale, Qt.AspectRatioMode.IgnoreAspectRatio,
                       Qt.TransformationMode.FastTransformation)
    tmp = f"{path}.part"
    if not big.save(tmp, "PNG"):
        parent.view.message_bar.show_message("error", f"Could not write {path}: check the folder is writable")
        return None
    os.replace(tmp, path)
    parent.statusBar().showMessage(f"Saved {path} ({big.width()}×{big.height()})", 8000)
    return path
