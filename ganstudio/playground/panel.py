"""The Playground tab: the adversarial game on 2D (or 1D) toy data, live, as in GAN Lab.

Controls on the left (preset, distribution, loss, networks, optimiser, D steps per G step, noise size,
seed; built in ``controls.py``), the canvas in the middle (``view.py``), transport at the top: play/pause (Space),
step D (D), step G (G), step both (S), reset (R), a speed slider, PNG and GIF export. The game itself runs in
``driver.py``. Learning rates and D steps apply live; any other change starts the game again. The settings persist.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget
from superqt import QLabeledSlider

from trainers.playconfig import PRESETS

from .. import settings
from .controls import PlaygroundControls, config_from
from .driver import GIF_MAX_FRAMES, GameDriver
from .export import export_gif, export_png, export_png_dialog, record_toggled
from .view import PlaygroundCanvas


class PlaygroundPanel(PlaygroundControls, QWidget):
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
        self._load_config(config_from(cfg) or PRESETS["Mode collapse: minimax on the ring"].config)
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

    # -- building (the settings column: controls.py) --------------------------------------------------------
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
