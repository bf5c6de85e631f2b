"""The explorer's exports: the current sample or the tool's grid as a crisp enlarged PNG, the clipboard,
latent files (save and load back, refusing another model's), the interpolation as GIF or MP4, and N samples as
files for FID tools (a folder of PNGs or a .npz, written by a worker thread: ``ganstudio sample --out DIR/``).

Each export is a plain function on the panel (what tests call) plus an ``..._interactive`` wrapper that asks
where to write. Problems are messages in the explorer, never exceptions: the app stays up."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QMenu, QProgressDialog, QPushButton, QSpinBox)

from .. import settings
from ..export import ExportError, frames_to_gif, frames_to_mp4, mp4_unavailable, save_image as write_png
from ..panels.samples import to_qimage
from .invert import invert_file_interactive, invert_real_sample
from .latent_files import LatentFileError, latent_document, load_latent as read_latent, save_latent as write_latent


def _model(panel) -> dict:
    info = panel.ctx.info
    return {"hash": info.get("hash"), "lineage": info.get("lineage"), "family": info.get("family"),
            "title": info.get("title"), "step": info.get("step"), "checkpoint": info.get("checkpoint"),
            "dataset": info.get("dataset")}


def _stem(panel) -> str:
    info = panel.ctx.info if panel.ctx else {}
    return f"{info.get('family', 'gan')}-step{info.get('step', 0)}-seed{panel.state.seed}"


def _no_latent(panel, what: str) -> bool:
    """True, after saying so, when the open model translates images: it has no latent to save, load or move."""
    if panel.ctx is None or not panel.ctx.translates:
        return False
    panel.show_message("info", f"{what} needs a latent, and this model translates images (its input is the "
                               "Translate tool's picture): Save sample / Save grid keep the pictures")
    return True


# -- plain functions ------------------------------------------------------------------------------------------
def save_image(panel, path: str | Path, scale: int = 8, what: str = "sample") -> Path | None:
    """``what``: "sample" (the current sample) or "grid" (the current tool's grid)."""
    image = panel.images.get("main") if what == "sample" else panel.grid_image()
    if image is None:
        panel.show_message("warning", "Nothing to save yet: wait for the image to render")
        return None
    try:
        out = write_png(image, path, scale)
    except ExportError as exc:
        panel.show_message("error", f"PNG not saved: {exc}")
        return None
    settings.put("paths/last_export", str(Path(out).parent))
    panel.show_message("info", f"Saved {out} ({image.shape[1] * scale}×{image.shape[0] * scale})")
    return out


def copy_image(panel, scale: int | None = None) -> bool:
    image = panel.images.get("main")
    if image is None:
        return False
    scale = scale or settings.get("explorer/copy_scale", 8, int)
    big = np.ascontiguousarray(image.repeat(scale, 0).repeat(scale, 1))
    QGuiApplication.clipboard().setImage(to_qimage(big))
    panel.show_message("info", f"Copied the sample ({big.shape[1]}×{big.shape[0]}) to the clipboard")
    return True


def save_latent(panel, path: str | Path) -> Path | None:
    if panel.ctx is None:
        panel.show_message("warning", "Open a model first")
        return None
    if _no_latent(panel, "Saving a latent"):
        return None
    doc = latent_document(panel.state, panel.ctx.space, _model(panel), panel.ctx.directions)
    try:
        out = write_latent(path, doc)
    except LatentFileError as exc:
        panel.show_message("error", f"Latent not saved: {exc}")
        return None
    settings.put("paths/last_latent", str(Path(out).parent))
    panel.show_message("info", f"Saved the latent to {out}")
    return out


def load_latent(panel, path: str | Path) -> bool:
    if panel.ctx is None:
        panel.show_message("warning", "Open a model first, then load a latent saved from it")
        return False
    if _no_latent(panel, "Loading a latent"):
        return False
    try:
        state, note = read_latent(path, panel.ctx.space, _model(panel), panel.state)
    except LatentFileError as exc:
        panel.show_message("error", str(exc))
        return False
    panel.set_state(state)
    panel.show_message("info", f"Loaded {Path(path).name}" + (f" ({note})" if note else ""))
    return True


def export_animation(panel, path: str | Path, kind: str = "gif", scale: int = 4, fps: float | None = None,
                     progress=None) -> int:
    """The interpolation's frames as GIF or MP4; returns the frame count (0 when nothing was written)."""
    if _no_latent(panel, "An interpolation"):
        return 0
    tool = panel.interpolate_tool
    frames = tool.frames
    if frames is None or frames.ndim != 4:
        panel.show_message("warning", "Add at least two keyframes and let the path render first")
        return 0
    fps = fps or tool.fps.value()
    try:
        if kind == "mp4":
            n = frames_to_mp4(frames, path, fps=fps, scale=scale, progress=progress)
        else:
            n = frames_to_gif(frames, path, fps=fps, scale=scale, progress=progress)
    except ExportError as exc:
        panel.show_message("error", f"{kind.upper()} not written: {exc}")
        return 0
    settings.put("paths/last_export", str(Path(path).parent))
    panel.show_message("info", f"Wrote {path} ({n} frames at {fps:g} fps)")
    return n


# -- interactive ----------------------------------------------------------------------------------------------
class PathScaleDialog(QDialog):
    """Where to write and how much to enlarge (nearest-neighbour, crisp pixels)."""

    def __init__(self, parent, title: str, default: Path, filt: str, scale_key: str, scale: int):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.filt = filt
        self.path = QLineEdit(str(default))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.scale = QSpinBox()
        self.scale.setRange(1, 32)
        self.scale.setSuffix("×")
        self.scale.setValue(settings.get(scale_key, scale, int))
        self.scale.setToolTip("Every pixel becomes a block of this size: crisp, nothing blurred")
        self.scale_key = scale_key
        form = QFormLayout(self)
        form.addRow("File", row)
        form.addRow("Upscale", self.scale)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.windowTitle(), self.path.text(), self.filt)
        if path:
            self.path.setText(path)

    def accept(self) -> None:
        settings.put(self.scale_key, self.scale.value())
        super().accept()


def _folder(key: str = "paths/last_export") -> Path:
    return Path(settings.get(key, str(Path.home()), str))


def save_image_interactive(panel, what: str = "sample") -> None:
    if panel.images.get("main") is None:
        panel.show_message("warning", "Nothing to save yet")
        return
    name = f"{_stem(panel)}{'-grid' if what == 'grid' else ''}.png"
    dlg = PathScaleDialog(panel, "Save grid as PNG" if what == "grid" else "Save sample as PNG",
                          _folder() / name, "PNG images (*.png)", f"explorer/{what}_scale", 8 if what == "sample" else 4)
    if dlg.exec():
        save_image(panel, dlg.path.text(), dlg.scale.value(), what)


def save_latent_interactive(panel) -> None:
    if panel.ctx is None or _no_latent(panel, "Saving a latent"):
        return
    path, _ = QFileDialog.getSaveFileName(panel, "Save latent", str(_folder("paths/last_latent") /
                                                                    f"{_stem(panel)}.latent.json"),
                                          "Latent files (*.json)")
    if path:
        save_latent(panel, path)


def load_latent_interactive(panel) -> None:
    if _no_latent(panel, "Loading a latent"):
        return
    path, _ = QFileDialog.getOpenFileName(panel, "Load latent", str(_folder("paths/last_latent")),
                                          "Latent files (*.json);;All files (*)")
    if path:
        load_latent(panel, path)


def export_animation_interactive(panel, kind: str) -> None:
    if _no_latent(panel, "An interpolation"):
        return
    if kind == "mp4" and mp4_unavailable():
        panel.show_message("warning", mp4_unavailable())
        return
    frames = panel.interpolate_tool.frames
    if frames is None or frames.ndim != 4:
        panel.show_message("warning", "Add at least two keyframes (K) and let the path render first")
        return
    ext = "mp4" if kind == "mp4" else "gif"
    dlg = PathScaleDialog(panel, f"Export interpolation as {ext.upper()}", _folder() / f"{_stem(panel)}-interp.{ext}",
                          f"{ext.upper()} (*.{ext})", "explorer/anim_scale", 4)
    if not dlg.exec():
        return
    bar = QProgressDialog(f"Writing {ext.upper()}…", "Cancel", 0, len(frames), panel)
    bar.setMinimumDuration(300)

    def progress(done: int, total: int) -> bool:
        bar.setMaximum(total)
        bar.setValue(done)
        QGuiApplication.processEvents()
        return not bar.wasCanceled()

    export_animation(panel, dlg.path.text(), kind, dlg.scale.value(), progress=progress)
    bar.close()


def build_export_menu(panel) -> QMenu:
    menu = QMenu(panel)
    entries = (
        ("Save sample as PNG…", "Ctrl+Shift+E", lambda: save_image_interactive(panel, "sample")),
        ("Save grid as PNG…", "", lambda: save_image_interactive(panel, "grid")),
        ("Copy sample to clipboard", "Ctrl+C", lambda: copy_image(panel)),
        None,
        ("Save latent…", "Ctrl+Shift+S", lambda: save_latent_interactive(panel)),
        ("Load latent…", "Ctrl+Shift+O", lambda: load_latent_interactive(panel)),
        ("Invert an image…", "Ctrl+I", lambda: invert_file_interactive(panel)),
        ("Invert a real sample", "", lambda: invert_real_sample(panel)),
        None,
        ("Samples as files…", "", lambda: export_samples_interactive(panel)),
        ("Export interpolation as GIF…", "", lambda: export_animation_interactive(panel, "gif")),
        ("Export interpolation as MP4…", "", lambda: export_animation_interactive(panel, "mp4")),
    )
    for e in entries:
        if e is None:
            menu.addSeparator()
            continue
        text, keys, slot = e
        act = menu.addAction(text)
        act.triggered.connect(slot)
        if keys and keys != "Ctrl+Shift+E":  # Ctrl+Shift+E is the window's "save PNG", routed here on this tab
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            panel.addAction(act)
        elif keys:
            act.setShortcut(QKeySequence(keys))
            act.setShortcutVisibleInContextMenu(True)
    if mp4_unavailable():
        menu.actions()[-1].setEnabled(False)
        menu.actions()[-1].setToolTip(mp4_unavailable())
        menu.setToolTipsVisible(True)
    return menu


# -- samples as files (a worker thread) ----------------------------------------------------------------------
def export_samples(panel, out: str | Path, n: int, seed: int | None = None, show_progress: bool = True):
    """Write ``n`` samples of the open model to ``out`` (a folder of PNGs, or a .npz) off the GUI thread; the
    message line says where they went or why not. Returns the thread (None when nothing was started)."""
    from ..workers.samplefiles import SampleFilesThread

    if not _samples_ready(panel):
        return None
    job = getattr(panel, "_sample_files", None)
    if job is not None and job.thread.isRunning():
        panel.show_message("warning", "Still writing samples: wait for them, or cancel, first")
        return None
    seed = panel.state.seed if seed is None else seed
    panel._sample_files = job = SampleFilesJob(panel, SampleFilesThread(panel.ctx.checkpoint, str(out), n, seed),
                                               show_progress)
    return job.thread


class SampleFilesJob(QObject):
    """The panel's side of one samples-as-files thread: progress dialog and messages. A child of the panel, so
    its slots are dropped with it; the thread itself outlives both until it ends (``workers/samplefiles.py``)."""

    def __init__(self, panel, thread, show_progress: bool):
        super().__init__(panel)
        self.panel, self.thread, self.bar = panel, thread, None
        if show_progress:
            self.bar = QProgressDialog(f"Writing {thread.n:,} samples…", "Cancel", 0, thread.n, panel)
            self.bar.setWindowTitle("Samples as files")
            self.bar.setWindowModality(Qt.WindowModality.NonModal)  # the explorer stays usable meanwhile
            self.bar.setMinimumDuration(300)
            self.bar.canceled.connect(thread.cancel)
        thread.sig_progress.connect(self._progress)
        thread.sig_result.connect(self._done)
        thread.sig_failed.connect(self._failed)
        thread.sig_cancelled.connect(self._cancelled)
        thread.finished.connect(self._close)
        panel.show_message("info", f"Writing {thread.n:,} samples to {thread.out}…")
        thread.start()

    def _progress(self, _stage: str, done: int, total: int) -> None:
        if self.bar is not None:
            self.bar.setValue(done)  # total is thread.n, the bar's maximum

    def _done(self, result) -> None:
        settings.put("paths/last_export", str(Path(result.path).parent))
        self.panel.show_message("info", f"Wrote {result.describe()}")

    def _failed(self, text: str) -> None:
        from ..workers.oneshot import failure_line

        self.panel.show_message("error", failure_line("write the samples", text))

    def _cancelled(self) -> None:
        from trainers.samplefiles import output_kind

        kept = ("it holds the samples written so far: empty it, or choose another folder, before writing again"
                if output_kind(self.thread.out) == "folder" else "nothing was written")
        self.panel.show_message("warning", f"Stopped writing samples to {self.thread.out}: {kept}")

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.reset()  # hides it and stops its show-later timer (close() would also emit canceled)
            self.bar.deleteLater()
            self.bar = None


class SampleFilesDialog(QDialog):
    """Where to write the samples (a folder of PNGs or a .npz), how many, and from which seed."""

    def __init__(self, parent, default: str, seed: int):
        from trainers.samplefiles import MAX_SAMPLES

        super().__init__(parent)
        self.setWindowTitle("Samples as files")
        self.path = QLineEdit(default)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        for text, slot in (("Folder…", self._folder), (".npz…", self._npz)):
            b = QPushButton(text)
            b.clicked.connect(slot)
            row.addWidget(b)
        self.n = QSpinBox()
        self.n.setRange(1, MAX_SAMPLES)
        self.n.setGroupSeparatorShown(True)
        self.n.setValue(settings.get("explorer/sample_files_n", 10_000, int))
        self.seed = QSpinBox()
        self.seed.setRange(0, 2 ** 31 - 1)
        self.seed.setValue(int(seed))
        note = QLabel("A folder (empty or new) gets one PNG per sample, 000000.png …, as torch-fidelity, clean-fid "
                      "and pytorch-fid read them; a .npz one uint8 array (N, H, W, 3) under arr_0, for the TF "
                      "evaluator. Classes and codes are random, as `ganstudio sample --seed` draws them.")
        note.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Write to", row)
        form.addRow("Samples", self.n)
        form.addRow("Seed", self.seed)
        form.addRow(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Folder for the samples", str(Path(self.path.text()).parent))
        if path:
            self.path.setText(path.rstrip(os.sep) + os.sep)

    def _npz(self) -> None:
        start = self.path.text().rstrip(os.sep) + ".npz"
        path, _ = QFileDialog.getSaveFileName(self, "Samples as .npz", start, "NumPy arrays (*.npz)")
        if path:
            self.path.setText(path)

    def accept(self) -> None:
        settings.put("explorer/sample_files_n", self.n.value())
        super().accept()


def _samples_ready(panel) -> bool:
    if panel.ctx is None or not panel.ctx.is_image:
        panel.show_message("warning", "Open an image model first: samples as files are images")
        return False
    return not _no_latent(panel, "Samples as files")


def export_samples_interactive(panel) -> None:
    if not _samples_ready(panel):
        return
    dlg = SampleFilesDialog(panel, str(_folder() / f"{_stem(panel)}-samples") + os.sep, panel.state.seed)
    if dlg.exec():
        export_samples(panel, dlg.path.text(), dlg.n.value(), dlg.seed.value())
