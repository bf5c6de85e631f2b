"""The playground's settings column: the preset, distribution, loss, networks, optimiser, D steps, noise size
and seed (read into and set from a ``PlayConfig``), drawing your own distribution, and which layers the canvas
shows. A mixin of ``PlaygroundPanel`` (its widgets stay the panel's); what a change does to the game (applied live
or a new game) is decided here, the game itself is the driver's."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QPushButton, QScrollArea,
                               QSpinBox, QVBoxLayout, QWidget)

from trainers.errors import GanStudioError
from trainers.playconfig import DISTS_1D, DISTS_2D, EXTENT_2D, LOSS_CHOICES, OPTIMIZERS, PRESETS, PlayConfig

from .. import settings

DIST_LABELS = {"ring": "ring of 8 Gaussians", "grid": "5 × 5 grid", "spiral": "spiral", "moons": "two moons",
               "drawn": "draw your own", "gaussian": "1D: a Gaussian", "two-gaussians": "1D: two Gaussians"}
LIVE_FIELDS = ("lr_g", "lr_d", "d_steps")  # applied to the running game; the others start it again


def config_from(d) -> PlayConfig | None:
    """The stored settings ``d`` as a valid PlayConfig, or None when they are not one."""
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


class PlaygroundControls:
    """``PlaygroundPanel``'s settings column: builds ``preset``, ``dist`` and the other fields, ``layer_boxes``,
    ``side`` and ``side_column``; keeps ``_points`` (a drawn distribution) and ``_loading``; needs the panel's
    ``canvas``, ``driver``, ``game``, ``reset()`` and ``say()``."""

    def _build_controls(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.preset = QComboBox()
        # its own full-width row and as wide as its longest title: at 1280×800 the form's field cut it to
        # "Mode collapse: minin"
        self.preset.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.preset.addItem("— choose a preset —")
        for title, p in PRESETS.items():
            self.preset.addItem(title)
            self.preset.setItemData(self.preset.count() - 1, p.about, Qt.ItemDataRole.ToolTipRole)
        self.preset.activated.connect(self._on_preset)
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
        col.addWidget(QLabel("<b>Preset</b>"))
        col.addWidget(self.preset)
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

    # -- what the canvas shows ----------------------------------------------------------------------------------
    def _on_layers(self) -> None:
        for k, box in self.layer_boxes.items():
            self.canvas.layers[k] = box.isChecked()
        self.canvas.apply_layers()
        settings.put_json("playground/layers", dict(self.canvas.layers))
