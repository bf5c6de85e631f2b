"""The playground's exports: the view as PNG, and a recording of it (made by the driver while it plays) as an
animated GIF. Each is a plain function plus a wrapper that asks where to write; a failure is a message box
and a status line, never an exception: the app stays up."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QFileDialog, QMessageBox

from .. import settings
from ..export import frames_to_gif, save_image


def export_png(panel, path: str) -> str:
    return str(save_image(panel.view_image(), path))


def export_gif(frames: list[np.ndarray], path: str, fps: float = 15.0) -> str:
    """``frames`` (cropped to the smallest) as a GIF at ``fps`` frames a second."""
    h = min(f.shape[0] for f in frames)
    w = min(f.shape[1] for f in frames)
    stack = np.stack([f[:h, :w] for f in frames])
    frames_to_gif(stack, path, fps=fps, scale=1)
    return path


def export_png_dialog(panel) -> None:
    path, _ = QFileDialog.getSaveFileName(panel, "Save the playground as PNG", _default_path("playground.png"),
                                          "PNG image (*.png)")
    if path:
        _save_with_message(panel, lambda: export_png(panel, path), path)


def record_toggled(panel, on: bool) -> None:
    """The Record GIF button: on starts recording (and playing); off stops and offers to save the frames."""
    if on:
        panel.recording = []
        panel.gif_button.setText("Stop && save GIF")
        if not panel.playing:
            panel.set_playing(True)
        return
    frames, fps = panel.recording, panel.driver.recording_fps()
    panel.recording = None
    panel.gif_button.setText("Record GIF")
    if not frames:
        return
    path, _ = QFileDialog.getSaveFileName(panel, "Save the recording as GIF", _default_path("playground.gif"),
                                          "Animated GIF (*.gif)")
    if path:
        _save_with_message(panel, lambda: export_gif(frames, path, fps), path)


def _save_with_message(panel, save, path: str) -> None:
    try:
        save()
    except Exception as exc:  # ExportError or an OSError: the app stays up and says why
        QMessageBox.warning(panel, "Could not save", f"{path}: {exc}")
        return
    panel.say(f"saved {path}")


def _default_path(name: str) -> str:
    return str(Path(settings.get("paths/export_dir", str(Path.home()), str)) / name)
