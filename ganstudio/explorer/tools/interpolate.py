"""The Interpolation tool: a path through keyframes (lerp or slerp), played and scrubbed, exported as GIF or
MP4 (by the explorer's export, on ``sig_export``)."""

from __future__ import annotations

import random

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGridLayout, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QPushButton, QSlider, QSpinBox, QToolButton, QWidget)

from ...export import mp4_unavailable
from ...theme import show_transport
from ...panels.samples import ImageCanvas, to_qimage
from ...workers.render import Output
from ..canvases import grid_cells
from ..common import Tool, caption_label, titled
from ..latent import interpolation_path
from ..model import Context, ExplorerModel

STRIP = 10
THUMB = 40  # keyframe thumbnails in the list, px


def _strip(frames: np.ndarray, n: int = STRIP, pad: int = 2) -> np.ndarray:
    """Up to ``n`` evenly spaced frames side by side."""
    idx = np.unique(np.linspace(0, len(frames) - 1, min(n, len(frames))).round().astype(int))
    h, w = frames.shape[1:3]
    out = np.full((h + 2 * pad, len(idx) * (w + pad) + pad, 3), 38, np.uint8)
    for j, i in enumerate(idx):
        out[pad:pad + h, pad + j * (w + pad): pad + j * (w + pad) + w] = frames[i]
    return out


class InterpolateTool(Tool):
    resync = True
    name = "interpolate"
    title = "Interpolation"
    thumbnails = ("keyframes",)
    sig_export = Signal(str)
    """"gif" or "mp4": the user asked to export the animation."""

    def __init__(self, model: ExplorerModel):
        super().__init__(model)
        self.frames: np.ndarray | None = None
        self._thumbs: dict[tuple[float, ...], QIcon] = {}  # each keyframe's rendered image
        self.keys = QListWidget()
        self.keys.setIconSize(QSize(THUMB, THUMB))
        self.keys.setWordWrap(True)  # long descriptions take a second line, never a sideways scroll bar
        self.keys.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.keys.setMaximumHeight(4 * (THUMB + 6))
        self.keys.setToolTip("The path visits these in order")
        self.add_btn = QPushButton("Add current")
        self.add_btn.setToolTip("The current sample becomes the next keyframe (K)")
        self.add_random = QPushButton("Add random")
        self.add_random.setToolTip("A keyframe from a random seed, other inputs as the current sample")
        self.remove_btn = QPushButton("Remove")
        self.clear_btn = QPushButton("Clear")
        self.mode = QComboBox()
        self.mode.addItem("slerp (spherical)", "slerp")
        self.mode.addItem("lerp (linear)", "lerp")
        self.mode.setToolTip("slerp keeps ‖z‖ typical of N(0, I); lerp's midpoints are closer to the origin, "
                             "which often looks washed out")
        self.per = QSpinBox()
        self.per.setRange(2, 240)
        self.per.setValue(24)
        self.per.setToolTip("Frames from one keyframe to the next")
        self.loop = QCheckBox("Loop back to the first keyframe")
        self.fps = QSpinBox()
        self.fps.setRange(1, 60)
        self.fps.setValue(24)
        self.fps.setSuffix(" fps")
        self.gif_btn = QPushButton("Export GIF…")
        self.mp4_btn = QPushButton("Export MP4…")
        why = mp4_unavailable()
        self.mp4_btn.setEnabled(not why)
        self.mp4_btn.setToolTip(why or "H.264 MP4 through imageio-ffmpeg")
        form = QFormLayout(self)
        form.addRow(QLabel("Keyframes"))
        form.addRow(self.keys)
        buttons = QGridLayout()
        for i, b in enumerate((self.add_btn, self.add_random, self.remove_btn, self.clear_btn)):
            buttons.addWidget(b, i // 2, i % 2)
        form.addRow(buttons)
        form.addRow("Path", self.mode)
        form.addRow("Frames per segment", self.per)
        form.addRow(self.loop)
        form.addRow("Playback", self.fps)
        row = QHBoxLayout()
        row.addWidget(self.gif_btn)
        row.addWidget(self.mp4_btn)
        form.addRow(row)
        if why:
            off = QLabel(why)
            off.setObjectName("muted")
            off.setWordWrap(True)
            form.addRow(off)

        self.player = ImageCanvas()
        self.player.setMinimumSize(120, 120)
        self.player.placeholder = "Add two or more keyframes (K adds the current sample)"
        self.play_btn = QToolButton()
        show_transport(self.play_btn, False)
        self.play_btn.setCheckable(True)
        self.play_btn.setToolTip("Play / pause (P)")
        self.scrub = QSlider(Qt.Orientation.Horizontal)
        self.scrub.setRange(0, 0)
        self.frame_label = QLabel("")
        self.frame_label.setMinimumWidth(70)
        self.strip = ImageCanvas()
        self.strip.setMinimumSize(120, 40)
        self.strip.setMaximumHeight(90)
        self.strip.placeholder = ""
        self.caption = caption_label("")
        bar = QWidget()
        bl = QHBoxLayout(bar)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self.play_btn)
        bl.addWidget(self.scrub, 1)
        bl.addWidget(self.frame_label)
        self.view = titled("Interpolation", self.caption, self.player, bar, self.strip)

        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self.add_btn.clicked.connect(self.add_current)
        self.add_random.clicked.connect(self._add_random)
        self.remove_btn.clicked.connect(self._remove)
        self.clear_btn.clicked.connect(lambda: self.edit("", keyframes=()))
        for sig in (self.mode.currentIndexChanged, self.per.valueChanged, self.loop.toggled):
            sig.connect(self.sig_refresh)
        self.fps.valueChanged.connect(lambda v: self.timer.setInterval(int(1000 / v)))
        self.play_btn.toggled.connect(self.set_playing)
        self.scrub.valueChanged.connect(self.show_frame)
        self.gif_btn.clicked.connect(lambda: self.sig_export.emit("gif"))
        self.mp4_btn.clicked.connect(lambda: self.sig_export.emit("mp4"))
        self.timer.setInterval(int(1000 / self.fps.value()))

    def set_context(self, ctx: Context) -> None:
        super().set_context(ctx)
        self.frames = None
        self._thumbs.clear()
        self.show_state(self.state())

    def show_state(self, st) -> None:
        self.keys.clear()
        for i, k in enumerate(st.keyframes):
            item = QListWidgetItem(self._describe(i, np.asarray(k, np.float32)))
            if tuple(k) in self._thumbs:
                item.setIcon(self._thumbs[tuple(k)])
            self.keys.addItem(item)

    def _describe(self, i: int, v: np.ndarray) -> str:
        if self.ctx is None:
            return f"{i + 1}"
        sp = self.ctx.space
        bits = [f"{i + 1}", f"‖z‖ {np.linalg.norm(v[: sp.z_dim]):.1f}"]
        at = sp.z_dim
        if sp.classes:
            bits.append(f"class {sp.classes[int(np.argmax(v[at: at + len(sp.classes)]))]}")
            at += len(sp.classes)
        for name, n in zip(sp.code_names, sp.cat_dims):
            bits.append(f"{name} {int(np.argmax(v[at: at + n]))}")
            at += n
        for name, value in zip(sp.code_names[len(sp.cat_dims):], v[at:]):
            bits.append(f"{name} {value:+.2f}")
        return " · ".join(bits)

    def add_current(self) -> None:
        if self.ctx is not None:
            v = tuple(float(x) for x in self.vector(self.state()))
            self.edit("", keyframes=self.state().keyframes + (v,))

    def _add_random(self) -> None:
        if self.ctx is None:
            return
        z = self.state().truncate(self.ctx.seed_z(random.randrange(0, 2**31 - 1)))[0]
        v = self.ctx.space.with_z(self.vector(self.state()), z)
        self.edit("", keyframes=self.state().keyframes + (tuple(float(x) for x in v),))

    def _remove(self) -> None:
        row = self.keys.currentRow()
        keys = list(self.state().keyframes)
        if 0 <= row < len(keys):
            del keys[row]
        elif keys:
            keys.pop()
        self.edit("", keyframes=tuple(keys))

    def outputs(self, st) -> list[Output]:
        keys = [Output.of("keyframes", np.asarray(st.keyframes, np.float32), cols=len(st.keyframes))] \
            if st.keyframes and self.ctx.is_image else []
        if len(st.keyframes) < 2:
            self.frames = None
            self.player.set_image(None)
            self.strip.set_image(None)
            self.scrub.setRange(0, 0)
            self.frame_label.setText("")
            self.caption.setText(f"{len(st.keyframes)} keyframe(s): add at least two")
            self.set_playing(False)
            return keys
        path = interpolation_path(self.ctx.space, st.keyframes, self.per.value(), self.mode.currentData(),
                                  self.loop.isChecked())
        self.caption.setText(f"{len(st.keyframes)} keyframes · {len(path)} frames · {self.mode.currentData()}")
        return [Output.of("frames", path, cols=0)] + keys

    def take(self, name: str, frames) -> None:
        if name == "keyframes":
            self._show_thumbnails(frames)
            return
        self.frames = frames
        if frames.ndim != 4:  # a 2D-points model draws one scatter of the whole path
            self.player.set_image(to_qimage(frames))
            return
        keep = self.scrub.value()
        self.scrub.blockSignals(True)
        self.scrub.setRange(0, len(frames) - 1)
        self.scrub.setValue(min(keep, len(frames) - 1))
        self.scrub.blockSignals(False)
        self.strip.set_image(to_qimage(_strip(frames)))
        self.show_frame(self.scrub.value())

    def _show_thumbnails(self, grid: np.ndarray) -> None:
        keys = self.state().keyframes
        cells = grid_cells(grid, len(keys), self.ctx.side if self.ctx is not None else 0)
        if cells is None:
            return
        crisp = Qt.TransformationMode.FastTransformation  # nearest neighbour: the digit's pixels stay square
        self._thumbs = {tuple(k): QIcon(QPixmap.fromImage(to_qimage(cell).scaled(
            THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio, crisp))) for k, cell in zip(keys, cells)}
        for i, k in enumerate(keys[: self.keys.count()]):
            self.keys.item(i).setIcon(self._thumbs[tuple(k)])

    def thumbnail(self, i: int) -> QIcon | None:
        """The icon shown beside keyframe ``i`` (None before it rendered)."""
        item = self.keys.item(i)
        return None if item is None or item.icon().isNull() else item.icon()

    def show_frame(self, i: int) -> None:
        if self.frames is None or self.frames.ndim != 4 or not len(self.frames):
            return
        i = int(np.clip(i, 0, len(self.frames) - 1))
        self.player.set_image(to_qimage(self.frames[i]))
        self.frame_label.setText(f"{i + 1} / {len(self.frames)}")

    def set_playing(self, on: bool) -> None:
        on = bool(on) and self.frames is not None and self.frames.ndim == 4
        self.play_btn.blockSignals(True)
        self.play_btn.setChecked(on)
        show_transport(self.play_btn, on)
        self.play_btn.blockSignals(False)
        self.timer.start() if on else self.timer.stop()

    def toggle_play(self) -> None:
        self.set_playing(not self.timer.isActive())

    def _tick(self) -> None:
        if self.frames is None or not len(self.frames):
            self.set_playing(False)
            return
        self.scrub.setValue((self.scrub.value() + 1) % len(self.frames))

    def hideEvent(self, event) -> None:
        self.set_playing(False)
        super().hideEvent(event)
