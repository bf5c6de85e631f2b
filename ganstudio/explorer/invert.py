"""Invert an image into the open model: load a PNG (or take a real sample of its dataset), let the inversion
thread find the latent that draws it, and make that the current sample, one undo step, to edit from there.
The message line says how close the reconstruction came (mean squared error, against the best random start)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QProgressDialog

from .. import settings
from ..workers.invert import InvertThread

STEPS = 300
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.webp);;All files (*)"


def invert_file_interactive(panel) -> None:
    if not _ready(panel):
        return
    start = settings.get("paths/last_invert", str(Path.home()), str)
    path, _ = QFileDialog.getOpenFileName(panel, "Invert an image into this model", start, IMAGE_FILTER)
    if path:
        settings.put("paths/last_invert", str(Path(path).parent))
        start_inversion(panel, image=path)


def invert_real_sample(panel) -> None:
    if _ready(panel):
        panel._invert_seed = getattr(panel, "_invert_seed", -1) + 1  # a new sample each time
        start_inversion(panel, sample_seed=panel._invert_seed)


def start_inversion(panel, image: str | None = None, sample_seed: int = 0, steps: int = STEPS,
                    show_progress: bool = True) -> InvertThread:
    """Start inverting into the open model; the result becomes the current sample when it arrives."""
    stop(panel)
    thread = InvertThread(panel.ctx.checkpoint, image, sample_seed, steps, parent=panel)
    panel._invert_thread = thread
    ctx = panel.ctx
    dialog = None
    if show_progress:
        dialog = QProgressDialog("Finding the latent that draws this image…", "Cancel", 0, steps + steps // 5, panel)
        dialog.setWindowTitle("Invert")
        dialog.setMinimumDuration(400)
        dialog.canceled.connect(thread.cancel)
        thread.sig_progress.connect(lambda _stage, done, _total: dialog.setValue(done))
        thread.finished.connect(dialog.close)
    thread.sig_result.connect(lambda r: _apply(panel, ctx, r))
    thread.sig_failed.connect(lambda text: panel.show_message("error", f"Not inverted: {text}"))
    panel.show_message("info", "Inverting: optimising z" + (", class and codes" if ctx.space.in_dim > ctx.space.z_dim
                                                            else "") + " to reproduce the image…")
    thread.start()
    return thread


def stop(panel) -> None:
    thread, panel._invert_thread = getattr(panel, "_invert_thread", None), None
    if thread is not None:
        thread.cancel()
        thread.wait()


def _ready(panel) -> bool:
    if panel.ctx is None:
        panel.show_message("warning", "Open a model first, then invert an image into it")
        return False
    if not panel.ctx.is_image:
        panel.show_message("warning", "This model draws 2D points; inversion works on image models")
        return False
    if panel.ctx.translates:
        panel.show_message("info", "This model translates images, so there is no latent to find: open the image in "
                                   "the Translate tool instead (Open image…, or drop it on the pad)")
        return False
    return True


def _apply(panel, ctx, r: dict) -> None:
    if panel.ctx is not ctx:  # another model was opened meanwhile: the latent means nothing there
        return
    space = ctx.space
    new = replace(panel.state, base_z=tuple(float(v) for v in r["z"]), truncation=1.0, psi=None, offsets=(),
                  label=r["label"] if r["label"] is not None else panel.state.label, label_b=None, blend=0.0,
                  cat=tuple(r["cat"]) or panel.state.cat, cont=tuple(r["cont"]) or panel.state.cont)
    panel.set_state(new)
    bits = [f"class {space.classes[r['label']]}" if r["label"] is not None and space.classes else ""]
    names = list(space.code_names)
    bits += [f"{n} = {v:g}" for n, v in zip(names, tuple(r["cat"]) + tuple(round(c, 2) for c in r["cont"]))]
    panel.show_message("info", f"Inverted {r['source']}: reconstruction error {r['mse']:.4f} (random start "
                       f"{r['start_mse']:.4f})" + "".join(f" · {b}" for b in bits if b) + ". Edit on from here; "
                       "Ctrl+Z goes back")
    panel.last_inversion = r
