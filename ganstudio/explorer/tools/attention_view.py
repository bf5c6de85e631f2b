"""The Attention tool's drawing: the colour map, the heat overlay made from one query's map, and the widgets
that only paint and report the mouse (a layer's canvas, the query mark on the explorer's large sample, the colour
bar, a layer's title/canvas/note column). No state of the tool lives here: ``attention.py`` holds the query,
the controls and the wiring, and sets what these widgets draw.

The pure numpy helpers (``heat_rgba``, ``composite``, ``upsample``, ``cell_of``) are also what "Save grid" uses,
so the saved picture is the painted one, value for value."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from ...workers.attention import LayerMap
from ..canvases import SampleCanvas
from ..common import WrapLabel
from .widgets import INFERNO, ColorBar, heat_colors, pixel_at  # noqa: F401  (shared; tests read them here)

QUERY_COLOR = "#39c5cf"  # the query's cell: cyan stands out on every colour of the heat map


def upsample(m: np.ndarray, size: int) -> np.ndarray:
    """A (side, side) map to (size, size), bilinear with cell centres aligned (``F.interpolate(...,
    mode="bilinear", align_corners=False)``): each feature cell covers size/side pixels of the image."""
    side = m.shape[0]
    src = np.clip((np.arange(size) + 0.5) * side / size - 0.5, 0, side - 1)
    i0 = np.floor(src).astype(np.int64)
    i1 = np.minimum(i0 + 1, side - 1)
    w = (src - i0).astype(np.float32)
    rows = m[i0] * (1 - w)[:, None] + m[i1] * w[:, None]  # (size, side)
    return (rows[:, i0] * (1 - w)[None, :] + rows[:, i1] * w[None, :]).astype(np.float32)


def heat_rgba(row: np.ndarray, size: int, opacity: float) -> np.ndarray:
    """One query's map (side, side) as a (size, size, 4) uint8 overlay: colour and opacity grow with the weight,
    scaled to the map's own peak, so where the query draws little the sample shows through."""
    up = upsample(row, size)
    v = up / max(float(up.max()), 1e-12)
    alpha = np.round(255 * opacity * np.clip(v, 0, 1) ** 0.7).astype(np.uint8)
    return np.ascontiguousarray(np.dstack([heat_colors(v), alpha]))


def composite(image: np.ndarray, rgba: np.ndarray) -> np.ndarray:
    """The overlay blended onto an (H, W, 3) uint8 image of the same size."""
    a = rgba[..., 3:].astype(np.float32) / 255
    return np.round(image * (1 - a) + rgba[..., :3] * a).astype(np.uint8)


def cell_of(px: int, py: int, image_side: int, side: int) -> tuple[int, int]:
    """The feature cell (x, y) of a side×side map that image pixel (px, py) falls in."""
    return min(side - 1, px * side // image_side), min(side - 1, py * side // image_side)


class AttentionCanvas(SampleCanvas):
    """The sample (crisp), one layer's map for the query as a heat overlay (smooth), the query's feature cell
    outlined. Reports the image pixel under the mouse (hover) and clicks."""

    sig_hover = Signal(int, int)
    """The image pixel (x, y) under the mouse."""
    sig_left = Signal()
    """The mouse left the image."""
    sig_clicked = Signal(int, int)
    """The image pixel (x, y) clicked."""

    def __init__(self):
        super().__init__()
        self.layer: LayerMap | None = None
        self.query: tuple[int, int] | None = None
        self.opacity = 0.8
        self._heat: tuple[tuple, QImage] | None = None  # (what it was made from, the overlay)
        self.placeholder = "Rendering…"
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)

    def cell(self) -> tuple[int, int] | None:
        img = self.image()
        if self.layer is None or self.query is None or img is None:
            return None
        return cell_of(*self.query, img.width(), self.layer.side)

    def heat(self) -> QImage | None:
        """The overlay for the current query, made once per (layer, cell, opacity). The key holds the layer
        itself, not its id(): a freed layer's id can come back on the next sample's layer and show a stale map."""
        cell = self.cell()
        if cell is None:
            return None
        key = (self.layer, cell, self.opacity)  # LayerMap compares by identity (eq=False)
        if self._heat is None or self._heat[0] != key:
            rgba = heat_rgba(self.layer.row(*cell), self.image().width(), self.opacity)
            h, w, _ = rgba.shape
            self._heat = (key, QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy())
        return self._heat[1]

    def mouseMoveEvent(self, event) -> None:
        px = pixel_at(self, event.position())
        if px is None:
            self.sig_left.emit()
        else:
            self.sig_hover.emit(*px)

    def mousePressEvent(self, event) -> None:
        px = pixel_at(self, event.position())
        if px is not None and event.button() == Qt.MouseButton.LeftButton:
            self.sig_clicked.emit(*px)

    def leaveEvent(self, event) -> None:
        self.sig_left.emit()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        t, heat, cell = self.target(), self.heat(), self.cell()
        if t is None or heat is None:
            return
        x0, y0, scale = t
        img = self.image()
        rect = QRectF(x0, y0, img.width() * scale, img.height() * scale)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        p.drawImage(rect, heat)
        step = img.width() * scale / self.layer.side
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(QColor(0, 0, 0, 160), 4))
        box = QRectF(x0 + cell[0] * step, y0 + cell[1] * step, step, step)
        p.drawRect(box)
        p.setPen(QPen(QColor(QUERY_COLOR), 2))
        p.drawRect(box)
        qx, qy = x0 + (self.query[0] + 0.5) * scale, y0 + (self.query[1] + 0.5) * scale
        r = max(3.0, scale * 0.45)
        p.drawLine(QPointF(qx - r, qy), QPointF(qx + r, qy))
        p.drawLine(QPointF(qx, qy - r), QPointF(qx, qy + r))
        p.end()


class QueryMark(QWidget):
    """The query drawn on the explorer's large sample (a child laid over it, blind to the mouse)."""

    def __init__(self, canvas: SampleCanvas):
        super().__init__(canvas)
        self.canvas = canvas
        self.query: tuple[int, int] | None = None
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setGeometry(canvas.rect())

    def paintEvent(self, event) -> None:
        t = self.canvas.target()
        if t is None or self.query is None:
            return
        x0, y0, scale = t
        qx, qy = x0 + (self.query[0] + 0.5) * scale, y0 + (self.query[1] + 0.5) * scale
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        r = max(4.0, scale * 0.9)
        for pen in (QPen(QColor(0, 0, 0, 170), 4), QPen(QColor(QUERY_COLOR), 2)):
            p.setPen(pen)
            p.drawEllipse(QPointF(qx, qy), r, r)
            p.drawLine(QPointF(qx - 2 * r, qy), QPointF(qx - r, qy))
            p.drawLine(QPointF(qx + r, qy), QPointF(qx + 2 * r, qy))
            p.drawLine(QPointF(qx, qy - 2 * r), QPointF(qx, qy - r))
            p.drawLine(QPointF(qx, qy + r), QPointF(qx, qy + 2 * r))
        p.end()


class LayerView(QWidget):
    """One layer: its name, side and γ, the canvas (square, as wide as the column allows), and what the query
    draws on most, right under the picture."""

    def __init__(self):
        super().__init__()
        self.title = WrapLabel("", "layer")  # wraps in a narrow column rather than cutting γ off
        self.title.setStyleSheet("font-weight: 600")
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)  # columns stay equal
        self.canvas = AttentionCanvas()
        self.stats = WrapLabel("")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.canvas)
        lay.addWidget(self.stats)

    def labels_height(self) -> int:
        """The title's height and three lines for the query's note: the picture keeps its size while the
        note changes under a moving query."""
        lines = self.stats.fontMetrics().lineSpacing()
        return self.title.minimumHeight() + 3 * lines + 2 * self.layout().spacing()

