"""The Styles tool's widgets: the pad that drags w in W, the per-layer table (style mixing and noise), the mixing
page (seed A | seed B | the mix, and the paper's mixing grid) and the layer page (one conv's feature maps with a
channel scrubber). No state lives here: ``styles.py`` sets what they show and listens to their signals."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (QCheckBox, QComboBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QSizePolicy, QSlider, QSpinBox, QToolButton, QVBoxLayout, QWidget)

from trainers.latentfile import STYLE_PAD

from ... import theme
from ..canvases import GRID_PAD, GridCanvas
from ..common import WrapLabel
from .widgets import heat_colors
from .enhance_view import Caption, column_title
from .resolution_view import BlockCanvas
from .widgets import heading

PAD_RANGE = STYLE_PAD  # the pad spans ±3 σ along each direction (what a latent file may hold)
NOISE_LABELS = {"const": "on", "none": "off"}  # a seed: "redrawn"


class XYPad(QWidget):
    """A square pad: the dot is (a, b) in units of σ along W's top two principal directions; click or drag it."""

    sig_moved = Signal(float, float)
    """(a, b) while the dot is dragged."""
    sig_released = Signal()

    def __init__(self):
        super().__init__()
        self.value = (0.0, 0.0)
        self.setFixedSize(180, 180)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Drag to move w along W's two main directions (PC1 across, PC2 up), ±3 σ")

    def set_value(self, a: float, b: float) -> None:
        self.value = (float(a), float(b))
        self.update()

    def _box(self) -> QRectF:
        return QRectF(6, 6, self.width() - 12, self.height() - 12)

    def _at(self, pos: QPointF) -> tuple[float, float]:
        box = self._box()
        a = ((pos.x() - box.left()) / box.width() * 2 - 1) * PAD_RANGE
        b = (1 - (pos.y() - box.top()) / box.height() * 2) * PAD_RANGE
        return (round(float(np.clip(a, -PAD_RANGE, PAD_RANGE)), 3), round(float(np.clip(b, -PAD_RANGE, PAD_RANGE)), 3))

    def mousePressEvent(self, event) -> None:
        self.mouseMoveEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.set_value(*self._at(event.position()))
            self.sig_moved.emit(*self.value)

    def mouseReleaseEvent(self, event) -> None:
        self.sig_released.emit()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        box = self._box()
        p.fillRect(box, QColor(theme.BASE))
        p.setPen(QPen(QColor(theme.MUTED), 1, Qt.PenStyle.DotLine))
        for k in range(1, 6):  # a line per σ
            x = box.left() + box.width() * k / 6
            y = box.top() + box.height() * k / 6
            p.drawLine(QPointF(x, box.top()), QPointF(x, box.bottom()))
            p.drawLine(QPointF(box.left(), y), QPointF(box.right(), y))
        p.setPen(QPen(QColor(theme.MUTED), 1))
        p.drawRect(box)
        f = QFont(p.font())
        f.setPointSizeF(max(7.0, f.pointSizeF() - 1))
        p.setFont(f)
        p.drawText(box.adjusted(4, 2, -4, -2), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom, "PC1")
        p.drawText(box.adjusted(4, 2, -4, -2), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, "PC2")
        a, b = self.value
        x = box.center().x() + a / PAD_RANGE * box.width() / 2
        y = box.center().y() - b / PAD_RANGE * box.height() / 2
        p.setPen(QPen(QColor(theme.ACCENT), 1.5))
        p.drawLine(box.center(), QPointF(x, y))
        p.setBrush(QColor(theme.ACCENT))
        p.drawEllipse(QPointF(x, y), 6, 6)
        p.end()


class LayerTable(QWidget):
    """One row per W+ layer: its side, whether it takes seed B's style, and its noise (on, off, redrawn ↻)."""

    sig_mix = Signal()
    """A mixing box was ticked or cleared."""
    sig_noise = Signal(int, object)
    """(conv layer, "const" | "none" | "redraw"): the noise of one layer."""

    def __init__(self):
        super().__init__()
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(6)
        self.grid.setColumnStretch(2, 1)
        self.grid.setVerticalSpacing(2)
        self.mix: list[QCheckBox] = []
        self.noise: list[QComboBox] = []
        self.redraw: list[QToolButton] = []
        self._rows: list[QWidget] = []

    def build(self, sides: list[int]) -> None:
        """Rows for a W+ of len(sides) layers (the last one feeds only the final toRGB: no noise there)."""
        for w in self._rows:
            w.deleteLater()
        self._rows, self.mix, self.noise, self.redraw = [], [], [], []
        for col, text in enumerate(("layer", "B", "noise")):
            lab = QLabel(text)
            lab.setObjectName("muted")
            self.grid.addWidget(lab, 0, col)
            self._rows.append(lab)
        for i, side in enumerate(sides):
            last = i == len(sides) - 1
            name = QLabel(f"w{i} · {side} px" + (" rgb" if last else ""))
            name.setToolTip(f"Layer {i} of W+ acts at {side} px" + (": the last toRGB only" if last else ""))
            box = QCheckBox()
            box.setToolTip(f"Layer {i} takes seed B's style")
            box.toggled.connect(self.sig_mix)
            self.grid.addWidget(name, i + 1, 0)
            self.grid.addWidget(box, i + 1, 1)
            self._rows += [name, box]
            self.mix.append(box)
            if last:
                continue
            combo = QComboBox()
            combo.addItem("on", "const")
            combo.addItem("off", "none")
            combo.addItem("redrawn", "redraw")
            combo.setToolTip("This conv's noise: the checkpoint's fixed draw (on), none (off), or a new draw")
            combo.setMinimumWidth(40)
            combo.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            combo.activated.connect(lambda _k, i=i, c=combo: self.sig_noise.emit(i, c.currentData()))
            btn = QToolButton()
            btn.setText("↻")
            btn.setToolTip("Draw this layer's noise afresh")
            btn.clicked.connect(lambda _=False, i=i: self.sig_noise.emit(i, "redraw"))
            self.grid.addWidget(combo, i + 1, 2)
            self.grid.addWidget(btn, i + 1, 3)
            self._rows += [combo, btn]
            self.noise.append(combo)
            self.redraw.append(btn)

    def show_values(self, mix: tuple[bool, ...], noise: tuple) -> None:
        for box, on in zip(self.mix, mix):
            box.blockSignals(True)
            box.setChecked(bool(on))
            box.blockSignals(False)
        for combo, mode in zip(self.noise, noise):
            combo.setCurrentIndex(combo.findData(mode if mode in NOISE_LABELS else "redraw"))

    def mixed(self) -> tuple[bool, ...]:
        return tuple(b.isChecked() for b in self.mix)


def cell_image(grid: np.ndarray, pad: int = 2, corner: bool = True) -> np.ndarray:
    """(R, C, H, W, 3) cells → one H×W×3 picture, ``pad`` px of grid grey around and between them; without
    ``corner`` the top-left cell stays grey (the mixing grid's blank corner)."""
    r, c, h, w, _ = grid.shape
    out = np.full((r * (h + pad) + pad, c * (w + pad) + pad, 3), GRID_PAD, np.uint8)
    for i in range(r):
        for j in range(c):
            if i or j or corner:
                out[pad + i * (h + pad): pad + i * (h + pad) + h, pad + j * (w + pad): pad + j * (w + pad) + w] = \
                    grid[i, j]
    return out


class MixCanvas(GridCanvas):
    """The mixing grid, its headers labelled (cells without a label get no band)."""

    def _paint_cell_labels(self, p: QPainter, x0: float, y0: float, step: float, scale: float) -> None:
        keep = self.cell_labels
        texts = [(i, t) for i, t in enumerate(keep) if t]
        f = QFont(p.font())
        f.setPointSizeF(max(7.0, f.pointSizeF() - 1))
        p.setFont(f)
        band = min(step * 0.4, p.fontMetrics().height() + 2)
        for i, text in texts:
            r, c = divmod(i, self.cols)
            left = x0 + (self.pad + c * (self.cell + self.pad)) * scale
            top = y0 + (self.pad + r * (self.cell + self.pad)) * scale
            strip = QRectF(left, top + self.cell * scale - band, self.cell * scale, band)
            p.fillRect(strip, QColor(0, 0, 0, 170))
            p.setPen(QColor(theme.TEXT))
            p.drawText(strip, Qt.AlignmentFlag.AlignCenter, text)


def thumb(title: str, tip: str) -> tuple[QLabel, BlockCanvas]:
    lab = column_title(title, tip)
    canvas = BlockCanvas()
    canvas.placeholder = "Rendering…"
    canvas.setToolTip(tip)
    canvas.setFixedHeight(120)
    canvas.setMinimumSize(96, 96)
    return lab, canvas


class MixingPage(QWidget):
    """Seed A | seed B | the mix, then the mixing grid with its seeds and export."""

    sig_seeds = Signal()
    """The grid's seed lists were edited."""

    def __init__(self):
        super().__init__()
        self.titles, self.canvases = {}, {}
        row = QGridLayout()
        row.setHorizontalSpacing(8)
        tips = {"a": ("Seed A (w)", "Seed A's w: the pad and ψ move it; the layers not ticked keep its style"),
                "b": ("Seed B", "Seed B's w (ψ applies): the ticked layers take its style"),
                "main": ("Mixed", "A with B's styles at the ticked layers: the large current sample")}
        for col, (k, (title, tip)) in enumerate(tips.items()):
            self.titles[k], self.canvases[k] = thumb(title, tip)
            row.addWidget(self.titles[k], 0, col)
            row.addWidget(self.canvases[k], 1, col)
            row.setColumnStretch(col, 1)
        self.rows_edit = QLineEdit()
        self.rows_edit.setToolTip("Seeds of the rows: each gives its styles at the ticked layers (comma-separated)")
        self.cols_edit = QLineEdit()
        self.cols_edit.setToolTip("Seeds of the columns: each keeps its styles at the layers not ticked")
        self.export_btn = QPushButton("Export grid as PNG…")
        self.grid = MixCanvas()
        self.grid.placeholder = "Rendering…"
        self.grid.setMinimumSize(200, 200)
        self.caption = Caption("")
        seeds = QHBoxLayout()
        seeds.addWidget(QLabel("Sources (rows)"))
        seeds.addWidget(self.rows_edit, 1)
        seeds.addWidget(QLabel("Destinations (columns)"))
        seeds.addWidget(self.cols_edit, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 0)
        lay.addLayout(row)
        lay.addSpacing(6)
        lay.addWidget(heading("Style-mixing grid"))
        lay.addWidget(self.caption)
        lay.addLayout(seeds)
        lay.addWidget(self.grid, 1)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.export_btn)
        lay.addLayout(bottom)
        self.rows_edit.editingFinished.connect(self.sig_seeds)
        self.cols_edit.editingFinished.connect(self.sig_seeds)


def parse_seeds(text: str, fallback: list[int], most: int = 8) -> list[int]:
    """"3, 7 9" → [3, 7, 9] (at most ``most``); ``fallback`` when nothing readable is left."""
    seeds = []
    for part in text.replace(";", ",").replace(" ", ",").split(","):
        if part.strip().isdigit():
            seeds.append(int(part) % 2 ** 31)
    return seeds[:most] or list(fallback)


class LayersPage(QWidget):
    """One conv layer's feature maps: the chosen channel large, every channel small beside it (click to pick)."""

    sig_layer = Signal(int)
    sig_channel = Signal(int)

    def __init__(self):
        super().__init__()
        self.layer_box = QComboBox()
        self.layer_box.setToolTip("Which conv layer's output (after its noise, bias and activation) to look at")
        self.channel = QSlider(Qt.Orientation.Horizontal)
        self.channel.setToolTip("The channel shown large (←/→ while the slider has focus)")
        self.channel_spin = QSpinBox()
        self.big = BlockCanvas()
        self.big.placeholder = "Rendering…"
        self.big.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.big.setMinimumSize(160, 160)
        self.all = GridCanvas()
        self.all.clickable = True
        self.all.placeholder = "Rendering…"
        self.all.setMinimumSize(160, 160)
        self.caption = WrapLabel("")
        top = QHBoxLayout()
        top.addWidget(QLabel("Layer"))
        top.addWidget(self.layer_box, 1)
        top.addWidget(QLabel("Channel"))
        top.addWidget(self.channel, 2)
        top.addWidget(self.channel_spin)
        pics = QHBoxLayout()
        pics.addWidget(self.big, 1)
        pics.addWidget(self.all, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.caption)
        lay.addLayout(pics, 1)
        self.layer_box.activated.connect(lambda _i: self.sig_layer.emit(int(self.layer_box.currentData())))
        self.channel.valueChanged.connect(self._on_channel)
        self.channel_spin.valueChanged.connect(self._on_channel)
        self.all.sig_clicked.connect(self._on_channel)

    def build(self, sides: list[int]) -> None:
        """One entry per conv layer (its side; the channel count once its maps came)."""
        self.layer_box.clear()
        for i, s in enumerate(sides):
            self.layer_box.addItem(f"conv {i} · {s} px", i)

    def _on_channel(self, c: int) -> None:
        for w in (self.channel, self.channel_spin):
            if w.value() != c:
                w.blockSignals(True)
                w.setValue(c)
                w.blockSignals(False)
        self.sig_channel.emit(int(c))

    def set_channels(self, n: int, current: int) -> None:
        for w in (self.channel, self.channel_spin):
            w.blockSignals(True)
            w.setRange(0, max(0, n - 1))
            w.setValue(current)
            w.blockSignals(False)


def feature_rgb(m: np.ndarray, lo: float | None = None, hi: float | None = None) -> np.ndarray:
    """A feature map (s, s) as inferno colours, from ``lo`` (default its minimum) to ``hi`` (its maximum)."""
    lo = float(m.min()) if lo is None else lo
    hi = float(m.max()) if hi is None else hi
    return heat_colors((m - lo) / max(hi - lo, 1e-12))


def channel_grid(maps: np.ndarray, pad: int = 1) -> tuple[np.ndarray, int]:
    """Every channel of (C, s, s) maps, each on its own range, in a square-ish grid; and its column count."""
    c, s, _ = maps.shape
    cols = int(np.ceil(np.sqrt(c)))
    rows = int(np.ceil(c / cols))
    out = np.full((rows * (s + pad) + pad, cols * (s + pad) + pad, 3), GRID_PAD, np.uint8)
    for k in range(c):
        r, q = divmod(k, cols)
        out[pad + r * (s + pad): pad + r * (s + pad) + s, pad + q * (s + pad): pad + q * (s + pad) + s] = \
            feature_rgb(maps[k])
    return out, cols
