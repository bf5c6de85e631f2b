"""The sample grid: the generator's output on a fixed latent, live, with a scrubber over every snapshot of
the run (read back from samples/ on disk, so RAM stays flat however long the run)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSlider, QToolButton, QVBoxLayout,
                               QWidget)

from superqt import QElidingLabel

from .. import theme
from ..rundata import RunData
from ..theme import show_transport


def grid_caption(model_info: dict) -> str:
    """What the sample grid's columns mean, from the run's model description (the trainer's grid latent)."""
    if model_info.get("classes"):
        return "fixed latent · every column one class"
    if any(c.get("kind") == "categorical" for c in model_info.get("codes") or []):
        return "fixed latent · every column one value of the categorical code"
    return "fixed latent"


def to_qimage(image: np.ndarray) -> QImage:
    """(H, W, 3) uint8 → a QImage that owns its pixels."""
    arr = np.ascontiguousarray(image[..., :3], dtype=np.uint8)
    h, w, _ = arr.shape
    return QImage(arr.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class ImageCanvas(QWidget):
    """Draws one image as large as fits, with crisp (nearest-neighbour) pixels."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._image: QImage | None = None
        self.placeholder = "No samples yet"
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 200)

    def set_image(self, image: QImage | None) -> None:
        if image is self._image:
            return  # the grid refreshes on every stats window: repaint only when the picture changed
        self._image = image
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def sizeHint(self) -> QSize:
        return QSize(480, 480)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(theme.BASE))
        if self._image is None or self._image.isNull():
            p.setPen(QColor(theme.MUTED))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
            return
        iw, ih = self._image.width(), self._image.height()
        avail_w, avail_h = self.width() - 16, self.height() - 16
        scale = min(avail_w / iw, avail_h / ih)
        if scale >= 2:
            scale = int(scale)  # whole-number zoom keeps every pixel the same size
        w, h = iw * scale, ih * scale
        target = QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale < 1)
        p.drawImage(target, self._image)


class SamplesPanel(QWidget):
    """Live grid plus scrubber. Follows the newest snapshot unless the user scrubs back (End returns)."""

    sig_export_gif = Signal()
    sig_export_png = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._run: RunData | None = None
        self._live_step = -1
        self._live_image: QImage | None = None
        self._shown_step = -1
        self._count = 0
        self.follow = True

        self.title = QLabel("Samples")
        self.title.setObjectName("heading")
        self.caption = QElidingLabel("fixed latent")
        self.caption.setObjectName("muted")
        self.canvas = ImageCanvas()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setToolTip("Scrub through every snapshot of the run (←/→, Home/End)")
        self.play_btn = QToolButton()
        show_transport(self.play_btn, False)
        self.play_btn.setCheckable(True)
        self.play_btn.setToolTip("Play the run's progression")
        self.step_label = QLabel("")
        self.step_label.setMinimumWidth(110)
        self.step_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.gif_btn = QPushButton("Export GIF…")
        self.gif_btn.setToolTip("The training progression as an animated GIF (Ctrl+E)")
        self.png_btn = QPushButton("Save PNG…")
        self.png_btn.setToolTip("The grid shown, as a PNG (Ctrl+Shift+E)")
        for b in (self.play_btn, self.gif_btn, self.png_btn):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addSpacing(8)
        head.addWidget(self.caption, 1)
        scrub = QHBoxLayout()
        scrub.addWidget(self.play_btn)
        scrub.addWidget(self.slider, 1)
        scrub.addWidget(self.step_label)
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.png_btn)
        actions.addWidget(self.gif_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.addLayout(head)
        lay.addWidget(self.canvas, 1)
        lay.addLayout(scrub)
        lay.addLayout(actions)

        self.slider.valueChanged.connect(self._on_slider)
        self.play_btn.toggled.connect(self._on_play)
        self.gif_btn.clicked.connect(self.sig_export_gif)
        self.png_btn.clicked.connect(self.sig_export_png)
        self._play_timer = QTimer(self)
        self._play_timer.setInterval(120)
        self._play_timer.timeout.connect(self._advance)
        for key, fn in ((Qt.Key.Key_Left, lambda: self.nudge(-1)), (Qt.Key.Key_Right, lambda: self.nudge(1)),
                        (Qt.Key.Key_Home, lambda: self.slider.setValue(0)),
                        (Qt.Key.Key_End, lambda: self.slider.setValue(self.slider.maximum()))):
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(fn)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._sync_enabled()

    # -- public --------------------------------------------------------------------------------------------
    def set_run(self, run: RunData | None) -> None:
        self._run = run
        self._live_step, self._live_image, self._shown_step, self._count = -1, None, -1, 0
        self.follow = True
        self.play_btn.setChecked(False)
        self.canvas.set_image(None)
        self.canvas.placeholder = "No samples yet" if run else "Start or open a run"
        self.refresh()

    def show_live(self, step: int, image: np.ndarray) -> None:
        """A grid straight from the training thread (no disk round trip)."""
        self._live_step, self._live_image = step, to_qimage(image)
        self.refresh()

    def refresh(self) -> None:
        """Pick up new snapshots; keep following the newest unless the user scrubbed back."""
        snaps = self._run.snapshots if self._run else []
        n = len(snaps)
        if n != self._count:
            self._count = n
            self.slider.blockSignals(True)
            self.slider.setRange(0, max(n - 1, 0))
            if self.follow:
                self.slider.setValue(max(n - 1, 0))
            self.slider.blockSignals(False)
        self._show(self.slider.value())
        self._sync_enabled()
        self.caption.setText(grid_caption(self._run.model_info if self._run else {}))

    def current_step(self) -> int:
        return self._shown_step

    def current_image(self) -> QImage | None:
        return self.canvas.image()

    def nudge(self, delta: int) -> None:
        self.slider.setValue(self.slider.value() + delta)

    # -- internals -----------------------------------------------------------------------------------------
    def _sync_enabled(self) -> None:
        n = len(self._run.snapshots) if self._run else 0
        self.slider.setEnabled(n > 1)
        self.play_btn.setEnabled(n > 1)
        self.gif_btn.setEnabled(n > 1)
        self.png_btn.setEnabled(self.canvas.image() is not None)

    def _on_slider(self, value: int) -> None:
        self.follow = value >= self.slider.maximum()
        self._show(value)

    def _show(self, index: int) -> None:
        snaps = self._run.snapshots if self._run else []
        if not snaps:
            if self._live_image is not None:
                self.canvas.set_image(self._live_image)
                self._shown_step = self._live_step
                self.step_label.setText(f"step {self._live_step:,}")
            else:
                self.step_label.setText("")
            return
        index = min(max(index, 0), len(snaps) - 1)
        snap = snaps[index]
        if snap.step != self._shown_step or self.canvas.image() is None or snap.step == self._live_step:
            if snap.step == self._live_step and self._live_image is not None:
                image = self._live_image
            else:
                image = QImage(snap.path)
                if image.isNull():  # deleted or still being written: keep what is shown
                    return
            self.canvas.set_image(image)
            self._shown_step = snap.step
        total = self._run.total_steps if self._run else 0
        of = f" / {total:,}" if total else ""
        self.step_label.setText(f"step {snap.step:,}{of}   ({index + 1}/{len(snaps)})")
        self.png_btn.setEnabled(True)

    def _on_play(self, on: bool) -> None:
        show_transport(self.play_btn, on)
        if on:
            if self.slider.value() >= self.slider.maximum():
                self.slider.setValue(0)
            self._play_timer.start()
        else:
            self._play_timer.stop()

    def _advance(self) -> None:
        if self.slider.value() >= self.slider.maximum():
            self.play_btn.setChecked(False)
            return
        self.nudge(1)
