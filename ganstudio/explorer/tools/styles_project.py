"""The Styles tool's projection page: an image (a PNG or JPEG, or a real digit of the model's dataset) projected
into W or W+ (``trainers.projection``, run by ``workers/projection.py`` with progress and cancel), its
reconstruction and error (MSE, PSNR, |error| per pixel), the loss curve and the path the optimisation took. When
it finishes, the styles found become the tool's current w (``sig_projected``), to edit by style mixing."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QFileDialog, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton,
                               QRadioButton, QSpinBox, QVBoxLayout, QWidget)

from ... import settings, theme
from ...panels.samples import to_qimage
from ...workers.projection import ProjectionResult, ProjectThread
from ..common import WrapLabel
from ..invert import IMAGE_FILTER
from .widgets import heat_colors
from .enhance_view import column_title, small_label
from .resolution_view import BlockCanvas
from .styles_view import MixCanvas, cell_image
from .widgets import heading

FEATURE_WEIGHT = 0.05  # λ_f of the classifier-feature term when it is on (its distances are ~20× the pixels')
ERROR_MAX = 0.5  # |recon − target| at or above this is the error map's brightest colour


class ProjectionPage(QWidget):
    """Controls, pictures and figures of one projection; runs it on its own thread."""

    sig_projected = Signal(object)
    """A finished (or cancelled) ``ProjectionResult``: its styles become the tool's current w."""
    sig_message = Signal(str, str)
    """(level, text) for the explorer's message line."""

    def __init__(self):
        super().__init__()
        self.checkpoint = ""
        self.thread: ProjectThread | None = None
        self.result: ProjectionResult | None = None
        self.last: tuple[str | None, int] | None = None  # (image path, real sample seed) of the last target
        self.rng = random.Random()

        self.open_btn = QPushButton("Open image…")
        self.open_btn.setToolTip("Project a PNG or JPEG (made grey or RGB, centre-cropped and resized to the model's "
                                 "side, as training reads image folders)")
        self.real_btn = QPushButton("A real digit")
        self.real_btn.setToolTip("Project a random real image of the model's dataset")
        self.again_btn = QPushButton("Again")
        self.again_btn.setToolTip("Project the last image again (e.g. after switching W ↔ W+)")
        self.space_w = QRadioButton("W")
        self.space_w.setToolTip("One w for every layer: a sample the generator could draw; may miss details")
        self.space_wp = QRadioButton("W+")
        self.space_wp.setToolTip("One w per layer: num_ws × more freedom, closer reconstructions, styles no seed "
                                 "gives")
        self.space_w.setChecked(True)
        self.steps = QSpinBox()
        self.steps.setRange(10, 5000)
        self.steps.setSingleStep(50)
        self.steps.setValue(300)
        self.steps.setToolTip("Adam steps (lr ramped up and down as StyleGAN2's projector)")
        self.features = QCheckBox("+ classifier features")
        self.features.setToolTip(f"Add λ = {FEATURE_WEIGHT:g} × the distance in GAN Studio's digits classifier's "
                                 "conv features (its stand-in for the paper's VGG perceptual distance)")
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("%v / %m steps")
        self.progress.setValue(0)

        self.titles, self.canvases, self.notes = {}, {}, {}
        pics = QGridLayout()
        pics.setHorizontalSpacing(8)
        for col, (k, title, tip) in enumerate((
                ("target", "Target", "The image being projected, as the generator would draw it"),
                ("recon", "Reconstruction", "What the styles found draw (noise: the checkpoint's fixed draw)"),
                ("error", "|error|", f"|reconstruction − target| per pixel, black 0, brightest ≥ {ERROR_MAX:g}"))):
            self.titles[k] = column_title(title, tip)
            self.canvases[k] = BlockCanvas()
            self.canvases[k].placeholder = "Open an image or pick a real digit"
            self.canvases[k].setFixedHeight(132)
            self.notes[k] = small_label()
            pics.addWidget(self.titles[k], 0, col)
            pics.addWidget(self.canvases[k], 1, col)
            pics.addWidget(self.notes[k], 2, col)
            pics.setColumnStretch(col, 1)
        self.stats = WrapLabel("", "")
        self.plot = pg.PlotWidget()
        self.plot.setMinimumHeight(110)
        self.plot.setLogMode(y=True)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setLabel("bottom", "step")
        self.plot.setTitle(f"<span style='color:{theme.TEXT}'>loss</span>", size="8pt")
        self.curve = self.plot.plot(pen=pg.mkPen(theme.ACCENT, width=1.6))
        self.path = MixCanvas()
        self.path.placeholder = "The path from w̄ shows here"
        self.path.setMinimumSize(160, 90)
        self.note = WrapLabel("When it finishes, the styles found become the current w: tick layers to give it seed "
                              "B's styles, move it on the pad, or change ψ. Back to seed A undoes that.")

        top = QHBoxLayout()
        for w in (self.open_btn, self.real_btn, self.again_btn):
            top.addWidget(w)
        top.addStretch(1)
        opts = QHBoxLayout()
        opts.addWidget(QLabel("Space"))
        opts.addWidget(self.space_w)
        opts.addWidget(self.space_wp)
        opts.addSpacing(8)
        opts.addWidget(QLabel("Steps"))
        opts.addWidget(self.steps)
        opts.addWidget(self.features)
        opts.addStretch(1)
        run = QHBoxLayout()
        run.addWidget(self.progress, 1)
        run.addWidget(self.cancel_btn)
        figures = QHBoxLayout()
        figures.addWidget(self.plot, 1)
        figures.addWidget(self.path, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 0)
        lay.addLayout(top)
        lay.addLayout(opts)
        lay.addLayout(run)
        lay.addLayout(pics)
        lay.addWidget(self.stats)
        lay.addWidget(heading("Loss per step · the path from w̄"))
        lay.addLayout(figures, 1)
        lay.addWidget(self.note)

        self.open_btn.clicked.connect(self.open_interactive)
        self.real_btn.clicked.connect(lambda: self.start(sample_seed=self.rng.randrange(2 ** 31)))
        self.again_btn.clicked.connect(self.again)
        self.cancel_btn.clicked.connect(self.cancel)
        self._sync_buttons()

    # -- public ----------------------------------------------------------------------------------------------
    @property
    def space(self) -> str:
        return "w+" if self.space_wp.isChecked() else "w"

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.isRunning()

    def set_checkpoint(self, checkpoint: str) -> None:
        """Another generator: projections are made with it (a running one is stopped)."""
        if checkpoint != self.checkpoint:
            self.shutdown()
            self.checkpoint = checkpoint
        self._sync_buttons()

    def start(self, image: str | None = None, sample_seed: int = 0) -> bool:
        """Project ``image`` (a file) or, without one, real sample ``sample_seed`` of the model's dataset."""
        if not self.checkpoint or self.running:
            return False
        self.last = (image, sample_seed)
        self.result = None
        self.curve.setData([], [])
        self.progress.setRange(0, self.steps.value())
        self.progress.setValue(0)
        for k in ("recon", "error"):
            self.canvases[k].show_pixels(None)
            self.canvases[k].placeholder = "Projecting…"
            self.notes[k].setText("")
        self.stats.setText("")
        self._losses: list[float] = []
        if self.thread is not None:
            self.thread.deleteLater()  # the last one has finished
        t = self.thread = ProjectThread(self.checkpoint, image, sample_seed, self.space, self.steps.value(),
                                        FEATURE_WEIGHT if self.features.isChecked() else 0.0, self)
        t.sig_target.connect(self._on_target)
        t.sig_step.connect(self._on_progress)
        t.sig_result.connect(self._on_done)
        t.sig_failed.connect(self._on_failed)
        t.finished.connect(self._sync_buttons)
        t.start()
        self._sync_buttons()
        return True

    def open_interactive(self) -> None:
        start = settings.get("paths/last_projection", str(Path.home()), str)
        path, _ = QFileDialog.getOpenFileName(self, "Open an image to project into W", start, IMAGE_FILTER)
        if path:
            settings.put("paths/last_projection", str(Path(path).parent))
            self.start(image=path)

    def again(self) -> None:
        if self.last is not None:
            self.start(*self.last)

    def cancel(self) -> None:
        """Stop the projection at its next step; the best styles so far still come back."""
        if self.thread is not None:
            self.thread.stop_early()

    def shutdown(self) -> None:
        """Stop and join a projection still running (its result is dropped)."""
        t, self.thread = self.thread, None
        if t is not None:
            t.cancel()
            t.wait()
            t.deleteLater()

    # -- the thread's reports ----------------------------------------------------------------------------------
    def _mine(self) -> bool:
        return self.sender() is self.thread and self.thread is not None

    def _on_target(self, image: np.ndarray, source: str) -> None:
        if self._mine():
            self.canvases["target"].show_pixels(image)
            self.notes["target"].setText(source)

    def _on_progress(self, step: int, steps: int, loss: float, mse: float) -> None:
        if not self._mine():
            return
        self.progress.setValue(step)
        self._losses.append(loss)
        if step % 5 == 0 or step == steps:  # the plot redraws a few times a second, not every step
            self.curve.setData(np.arange(1, len(self._losses) + 1), np.maximum(self._losses, 1e-12))

    def _on_done(self, r: ProjectionResult) -> None:
        if not self._mine():
            return
        self.result = r
        self.canvases["target"].show_pixels(r.target)
        self.canvases["recon"].show_pixels(r.recon)
        self.canvases["error"].show_pixels(heat_colors(r.error / ERROR_MAX))
        self.notes["recon"].setText(f"in {'W+' if r.space == 'w+' else 'W'}, {len(r.mse)} steps"
                                    + (" (cancelled)" if r.cancelled else ""))
        self.notes["error"].setText(f"mean {float(r.error.mean()):.3f}")
        self.stats.setText(f"<b>MSE {r.final_mse:.4f} · PSNR {r.psnr:.1f} dB</b> &nbsp; (at w̄, where it started: "
                           f"MSE {r.start_mse:.4f} · PSNR {r.start_psnr:.1f} dB) &nbsp; images in [−1, 1]; PSNR on "
                           "[0, 1]")
        self.curve.setData(np.arange(1, len(r.losses) + 1), np.maximum(r.losses, 1e-12))
        if r.trajectory:
            cells = np.stack([img for _, img in r.trajectory])[None]
            self.path.set_layout(cells.shape[1], cells.shape[2])
            self.path.cell_labels = [str(step) if step else "w̄" for step, _ in r.trajectory]
            self.path.set_image(to_qimage(cell_image(cells)))
        self.sig_projected.emit(r)
        self.sig_message.emit("info", f"Projected {r.source} into {'W+' if r.space == 'w+' else 'W'}: PSNR "
                                      f"{r.psnr:.1f} dB; it is the current w now")

    def _on_failed(self, message: str) -> None:
        if self._mine():
            for k in ("recon", "error"):
                self.canvases[k].placeholder = "Not projected"
            self.sig_message.emit("error", f"Not projected: {message}")

    def _sync_buttons(self) -> None:
        running = self.running
        for b in (self.open_btn, self.real_btn):
            b.setEnabled(bool(self.checkpoint) and not running)
        self.again_btn.setEnabled(bool(self.checkpoint) and not running and self.last is not None)
        self.cancel_btn.setEnabled(running)
        for w in (self.space_w, self.space_wp, self.steps, self.features):
            w.setEnabled(not running)
