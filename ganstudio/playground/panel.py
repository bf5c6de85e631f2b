"""The Playground tab: the adversarial game on 2D (or 1D) toy data, live, as in GAN Lab.

Controls on the left (preset, distribution, loss, networks, optimiser, D steps per G step, noise size,
seed), the canvas in the middle (``view.py``), transport at the top: play/pause (Space), step D (D), step G
(G), step both (S), reset (R), a speed slider, PNG and GIF export. The game itself runs in ``driver.py``.
Learning rates and D steps apply live; any other change starts the game again. The settings persist.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QPushButton,
                               QScrollArea, QSpinBox, QSplitter, QVBoxLayout, QWidget)
from superqt import QLabeledSlider

from trainers.errors import GanStudioError
from trainers.playconfig import DISTS_1D, DISTS_2D, EXTENT_2D, LOSS_CHOICES, OPTIMIZERS, PRESETS, PlayConfig

from .. import settings
from .driver import GIF_MAX_FRAMES, GameDriver
from .export import export_gif, export_png, export_png_dialog, record_toggled
from .view import PlaygroundCanvas

DIST_LABELS = {"ring": "ring of 8 Gaussians", "grid": "5 × 5 grid", "spiral": "spiral", "moons": "two moons",
               "drawn": "draw your own", "gaussian": "1D: a Gaussian", "two-gaussians": "1D: two Gaussians"}
LIVE_FIELDS = ("lr_g", "lr_d", "d_steps")  # applied to the running game; the others start it again


class PlaygroundPanel(QWidget):
    sig_playing = Signal(bool)
    """The game started (True) or stopped (False) playing."""
    sig_state = Signal(str)
    """A one-line status (step, scores, frame rate) for the window's status bar and the panel's label."""
    sig_recording = Signal(bool)
    """A GIF recording started (True) or ended (False)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._loading = False
        self._points: list[tuple[float, float]] = []

        self.canvas = PlaygroundCanvas()
        self.canvas.box.sig_drawn.connect(self._on_drawn)
        self.canvas.box.sig_stroke_done.connect(self._on_stroke_done)
        self.driver = GameDriver(self.canvas, lambda: self.speed.value(), self)  # starts when the tab is shown
        self._build_controls()
        self._build_transport()
        self.side_column.addStretch(1)
        self.status = QLabel()
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setWordWrap(True)  # a long status must not widen the window
        right = QVBoxLayout()
        right.addLayout(self.transport)
        right.addWidget(self.canvas, 1)
        right.addWidget(self.status)
        right_w = QWidget()
        right_w.setLayout(right)
        right.setContentsMargins(0, 0, 0, 0)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.side)
        split.addWidget(right_w)
        split.setStretchFactor(1, 1)
        split.setCollapsible(1, False)
        split.setSizes([290, 800])
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(split)

        for keys, slot in (("S", self.driver.step_both), ("R", self.reset)):
            sc = QShortcut(QKeySequence(keys), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
        cfg = settings.get_json("playground/config")
        self._load_config(_config_from(cfg) or PRESETS["Mode collapse: minimax on the ring"].config)
        layers = settings.get_json("playground/layers", {})
        for k, box in self.layer_boxes.items():
            if isinstance(layers, dict) and isinstance(layers.get(k), bool):
                box.setChecked(layers[k])
        self.speed.setValue(min(max(settings.get("playground/speed", 5, int), 1), 200))
        self._started = False  # the game (and torch) start when the tab is first shown, not with the window

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._started:
            self.reset()

    # -- building ------------------------------------------------------------------------------------------
    def _build_controls(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.preset = QComboBox()
        self.preset.setMinimumContentsLength(12)
        self.preset.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.preset.addItem("— choose a preset —")
        for title, p in PRESETS.items():
            self.preset.addItem(title)
            self.preset.setItemData(self.preset.count() - 1, p.about, Qt.ItemDataRole.ToolTipRole)
        self.preset.activated.connect(self._on_preset)
        form.addRow("Preset", self.preset)
        self.dist = QComboBox()
        for d in DISTS_2D + DISTS_1D:
            self.dist.addItem(DIST_LABELS[d], d)
        self.loss = QComboBox()
        for name in LOSS_CHOICES:
            self.loss.addItem(name, name)
        self.optimizer = QComboBox()
        for name in OPTIMIZERS:
            self.optimizer.addItem(name, name)
        self.g_hidden, self.d_hidden = _spin(2, 1024, 64), _spin(2, 1024, 64)
        self.layers = _spin(1, 6, 2)
        self.lr_g, self.lr_d = _lr_spin(), _lr_spin()
        self.d_steps = _spin(1, 50, 1)
        self.z_dim = _spin(1, 64, 2)
        self.batch = _spin(8, 8192, 256)
        self.seed = _spin(0, 2**31 - 1, 0)
        rows = (("Distribution", self.dist, "What G must learn to imitate; 'draw your own' takes points you drag"),
                ("Loss", self.loss, "minimax: log(1 − D(G(z))) · non-saturating: −log D(G(z)) · wgan-gp: critic "
                                    "with gradient penalty · lsgan: least squares · hinge"),
                ("G hidden units", self.g_hidden, "Width of each of G's hidden layers"),
                ("D hidden units", self.d_hidden, "Width of each of D's hidden layers"),
                ("Hidden layers", self.layers, "Hidden layers in G and in D"),
                ("Learning rate G", self.lr_g, "Applies live"),
                ("Learning rate D", self.lr_d, "Applies live"),
                ("Optimizer", self.optimizer, "Adam (β₁ = 0.5), RMSprop or plain SGD"),
                ("D steps per G step", self.d_steps, "Applies live; WGAN-GP usually wants 5"),
                ("Noise dimension", self.z_dim, "Size of z; the 1D mode uses 1"),
                ("Batch size", self.batch, "Points per update"),
                ("Seed", self.seed, "Same seed and settings: the same game, step for step"))
        for label, w, tip in rows:
            w.setToolTip(tip)
            form.addRow(label, w)
        for combo in (self.dist, self.loss, self.optimizer):
            combo.currentIndexChanged.connect(self._on_changed)
        for spin in (self.g_hidden, self.d_hidden, self.layers, self.lr_g, self.lr_d, self.d_steps, self.z_dim,
                     self.batch, self.seed):
            spin.valueChanged.connect(self._on_changed)
        self.draw_hint = QLabel("Drag on the plane to draw the data: each point becomes a small Gaussian blob.")
        self.draw_hint.setWordWrap(True)
        self.clear_drawing = QPushButton("Clear drawing")
        self.clear_drawing.clicked.connect(self._clear_drawing)
        self.layer_boxes = {}
        layer_box = QVBoxLayout()
        for key, text in (("heatmap", "D's output as a heatmap"), ("real", "real samples"),
                          ("fake", "generated samples"), ("gradients", "gradient arrows on generated points"),
                          ("manifold", "G's manifold (image of a noise grid)")):
            box = QCheckBox(text)
            box.setChecked(self.canvas.layers[key])
            box.toggled.connect(self._on_layers)
            self.layer_boxes[key] = box
            layer_box.addWidget(box)
        self.preset_about = QLabel()
        self.preset_about.setWordWrap(True)
        self.preset_about.setStyleSheet("color: palette(mid);")
        col = QVBoxLayout()
        col.addLayout(form)
        col.addWidget(self.preset_about)
        col.addWidget(self.draw_hint)
        col.addWidget(self.clear_drawing)
        col.addWidget(QLabel("<b>Show</b>"))
        col.addLayout(layer_box)
        self.side_column = col  # the export buttons join it (built with the transport)
        inner = QWidget()
        inner.setLayout(col)
        self.side = QScrollArea()
        self.side.setWidget(inner)
        self.side.setWidgetResizable(True)
        self.side.setMinimumWidth(130)
        self.side.setFrameShape(QScrollArea.Shape.NoFrame)

    def _build_transport(self) -> None:
        self.transport = QHBoxLayout()
        self.play_button = QPushButton("Play")
        self.play_button.setToolTip("Play or pause (Space)")
        self.play_button.clicked.connect(self.toggle_play)
        buttons = [self.play_button]
        for text, tip, slot in (("Step D", "One discriminator update (D)", self.step_d),
                                ("Step G", "One generator update (G)", self.step_g),
                                ("Step both", "D steps then one G step (S)", self.driver.step_both),
                                ("Reset", "Start the game again with new networks (R)", self.reset)):
            b = QPushButton(text)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            buttons.append(b)
        self.speed = QLabeledSlider(Qt.Orientation.Horizontal)
        self.speed.setRange(1, 200)
        self.speed.setMinimumWidth(50)
        self.speed.setToolTip("Steps per frame while playing (a frame spends at most 30 ms stepping)")
        self.speed.valueChanged.connect(lambda v: settings.put("playground/speed", int(v)))
        self.png_button = QPushButton("Save PNG…")
        self.png_button.setToolTip("The view as a PNG image")
        self.png_button.clicked.connect(self.export_png_dialog)
        self.gif_button = QPushButton("Record GIF")
        self.gif_button.setMinimumWidth(0)
        self.gif_button.setCheckable(True)
        self.gif_button.setToolTip(f"Record the view while it plays (up to {GIF_MAX_FRAMES} frames), then save "
                                   "it as an animated GIF")
        self.gif_button.toggled.connect(lambda on: record_toggled(self, on))
        self.driver.sig_playing.connect(self._on_playing)
        self.driver.sig_say.connect(self.say)
        self.driver.sig_recording_full.connect(lambda: self.gif_button.setChecked(False))
        for b in buttons + [self.png_button, self.gif_button]:
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space, D and G stay the game's keys
        for b in buttons + [self.png_button, self.gif_button]:
            b.setMinimumWidth(0)
            b.setStyleSheet("padding: 4px 6px;")
        self.rec_label = QLabel("● REC")
        self.rec_label.setStyleSheet("color: #e5534b; font-weight: 600; padding: 0 6px;")
        self.rec_label.setToolTip("Recording the view for a GIF: press Stop && save GIF (Ctrl+E) to end")
        self.rec_label.hide()
        self.driver.sig_recorded.connect(lambda n: self.rec_label.setText(f"● REC {n}"))
        for b in buttons:
            self.transport.addWidget(b)
        self.transport.addWidget(self.rec_label)
        self.transport.addWidget(QLabel(" Speed"))
        self.transport.addWidget(self.speed, 1)
        exports = QHBoxLayout()
        exports.addWidget(self.png_button)
        exports.addWidget(self.gif_button)
        self.side_column.addWidget(QLabel("<b>Export</b>"))
        self.side_column.addLayout(exports)

    # -- configuration -------------------------------------------------------------------------------------
    def config(self) -> PlayConfig:
        return PlayConfig(dist=self.dist.currentData(), loss=self.loss.currentData(),
                          g_hidden=self.g_hidden.value(), d_hidden=self.d_hidden.value(), layers=self.layers.value(),
                          lr_g=self.lr_g.value(), lr_d=self.lr_d.value(), optimizer=self.optimizer.currentData(),
                          d_steps=self.d_steps.value(), z_dim=self.z_dim.value(), batch=self.batch.value(),
                          seed=self.seed.value(), points=list(self._points))

    def _load_config(self, c: PlayConfig) -> None:
        self._loading = True
        try:
            self.dist.setCurrentIndex(max(0, self.dist.findData(c.dist)))
            self.loss.setCurrentIndex(max(0, self.loss.findData(c.loss)))
            self.optimizer.setCurrentIndex(max(0, self.optimizer.findData(c.optimizer)))
            for name in ("g_hidden", "d_hidden", "layers", "lr_g", "lr_d", "d_steps", "z_dim", "batch", "seed"):
                getattr(self, name).setValue(getattr(c, name))
            self._points = list(c.points)
        finally:
            self._loading = False
        self._update_draw_controls()

    def load_preset(self, title: str) -> None:
        """Set every control from the preset ``title`` and start its game."""
        p = PRESETS[title]
        self._load_config(p.config)
        self.preset.setCurrentText(title)
        self.preset_about.setText(p.about)
        self.reset()

    def _on_preset(self, index: int) -> None:
        if index > 0:
            self.load_preset(self.preset.itemText(index))

    def _on_changed(self) -> None:
        if self._loading:
            return
        sender = self.sender()
        live = {self.lr_g: "lr_g", self.lr_d: "lr_d", self.d_steps: "d_steps"}
        if self.game is not None and sender in live:
            self.driver.apply_live(self.lr_g.value(), self.lr_d.value(), self.d_steps.value())
        else:
            if sender is self.dist:  # the 1D mode maps a 1D noise; the plane wants at least 2
                self._loading = True
                if self.dist.currentData() in DISTS_1D:
                    self.z_dim.setValue(1)
                elif self.z_dim.value() == 1:
                    self.z_dim.setValue(2)
                self._loading = False
            self.preset.setCurrentIndex(0)
            self.preset_about.setText("")
            self._update_draw_controls()
            self.reset()
        settings.put_json("playground/config", self.config().to_dict())

    def _update_draw_controls(self) -> None:
        drawing = self.dist.currentData() == "drawn"
        self.draw_hint.setVisible(drawing)
        self.clear_drawing.setVisible(drawing)
        self.canvas.box.drawing = drawing
        self.canvas.box.setMouseEnabled(x=not drawing, y=not drawing)
        self.canvas.show_drawn(self._points, drawing)

    # -- drawing your own distribution -------------------------------------------------------------------------
    def add_points(self, points: list[tuple[float, float]]) -> None:
        """Add drawn points that lie on the plane (|x|, |y| ≤ EXTENT_2D, the box drawn while drawing); points
        outside are left out, and the status line says so rather than moving them silently to the edge."""
        e = EXTENT_2D
        inside = [(float(x), float(y)) for x, y in points if abs(x) <= e and abs(y) <= e]
        self._points.extend(inside)
        self.canvas.show_drawn(self._points, True)
        if len(inside) < len(points):
            left = len(points) - len(inside)
            self.say(f"{left} point{'s' if left != 1 else ''} outside the plane (±{e:g}, the dashed box) "
                     "left out: draw inside the box", error=True)

    def _on_drawn(self, points: list) -> None:
        if self.dist.currentData() == "drawn":
            self.add_points(points)

    def _on_stroke_done(self) -> None:
        if self.dist.currentData() == "drawn":
            settings.put_json("playground/config", self.config().to_dict())
            self.reset()

    def _clear_drawing(self) -> None:
        self._points = []
        self.canvas.show_drawn([], True)
        settings.put_json("playground/config", self.config().to_dict())
        self.reset()

    # -- the game (played by the driver) ----------------------------------------------------------------------
    @property
    def game(self):
        """The ``trainers.playground.Playground`` being played (None until started, or when it cannot be)."""
        return self.driver.game

    @property
    def playing(self) -> bool:
        return self.driver.playing

    @property
    def recording(self) -> list[np.ndarray] | None:
        """Frames kept for a GIF while recording, else None."""
        return self.driver.recording

    @recording.setter
    def recording(self, frames: list[np.ndarray] | None) -> None:
        was = self.driver.recording is not None
        self.driver.recording = frames
        self.driver.recording_times = [] if frames is not None else None
        on = frames is not None
        self.rec_label.setVisible(on)
        self.rec_label.setText("● REC")
        if on != was:
            self.sig_recording.emit(on)

    @property
    def frames_drawn(self) -> int:
        return self.driver.frames_drawn

    def reset(self) -> None:
        """New networks with the current settings (the same seed gives the same game)."""
        self._started = True
        self.driver.start(self.config())

    def toggle_play(self) -> None:
        self.driver.toggle_play()

    def set_playing(self, on: bool) -> None:
        self.driver.set_playing(on)

    def step_d(self) -> None:
        self.driver.step_d()

    def step_g(self) -> None:
        self.driver.step_g()

    def run_steps(self, n: int) -> None:
        """``n`` full steps (D steps then G), then one redraw: what a frame does while playing."""
        self.driver.run_steps(n)

    def _on_playing(self, on: bool) -> None:
        self.play_button.setText("Pause" if on else "Play")
        self.sig_playing.emit(on)

    def say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #b00020;" if error else "")
        self.sig_state.emit(text)

    def _on_layers(self) -> None:
        for k, box in self.layer_boxes.items():
            self.canvas.layers[k] = box.isChecked()
        self.canvas.apply_layers()
        settings.put_json("playground/layers", dict(self.canvas.layers))

    # -- export (export.py) ----------------------------------------------------------------------------------
    def view_image(self) -> np.ndarray:
        """The canvas as an (H, W, 3) uint8 array."""
        return self.canvas.to_array()

    def export_png(self, path: str) -> str:
        return export_png(self, path)

    def export_png_dialog(self) -> None:
        export_png_dialog(self)

    def export_gif(self, frames: list[np.ndarray], path: str, fps: float = 15.0) -> str:
        return export_gif(frames, path, fps)


def _config_from(d) -> PlayConfig | None:
    if not isinstance(d, dict):
        return None
    try:
        c = PlayConfig.from_dict(d)
        if c.dist != "drawn" or len(c.points) >= 3:  # a drawing in progress is kept as it is
            c.validate()
    except (TypeError, ValueError, GanStudioError):
        return None
    return c


def _spin(lo: int, hi: int, value: int) -> QSpinBox:
    s = QSpinBox()
    s.setRange(lo, hi)
    s.setValue(value)
    s.setKeyboardTracking(False)
    return s


def _lr_spin() -> QDoubleSpinBox:
    s = QDoubleSpinBox()
    s.setDecimals(5)
    s.setRange(0.00001, 1.0)
    s.setSingleStep(0.0001)
    s.setValue(0.001)
    s.setKeyboardTracking(False)
    return s
