"""The explorer's exports: the current sample or the tool's grid as a crisp enlarged PNG, the clipboard,
latent files (save and load back, refusing another model's), and the interpolation as GIF or MP4.

Each export is a plain function on the panel (what tests call) plus an ``..._interactive`` wrapper that asks
where to write. Problems are messages in the explorer, never exceptions: the app stays up."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLineEdit, QMenu,
                               QProgressDialog, QPushButton, QSpinBox)

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
        ("Export interpolation as GIF…", "", lambda: export_animation_interactive(panel, "gif")),
        ("Export interpolation as MP4…", "", lambda: export_animation_interactive(panel, "mp4")),
    )
    from PySide6.QtCore import Qt

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
