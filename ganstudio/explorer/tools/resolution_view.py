"""The Resolution tool's widgets (also used by the Styles tool): pictures drawn at one on-screen size with crisp
blocks, a row of titled pictures, and a slider with a marker at one position."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPolygonF
from PySide6.QtWidgets import QGridLayout, QSizePolicy, QSlider, QStyle, QStyleOptionSlider, QWidget

from ... import theme
from ...panels.samples import to_qimage
from ..canvases import SampleCanvas
from .enhance_view import column_title, small_label
from .widgets import paint_placeholder

STEPS = 100  # the α slider's positions (α in steps of 0.01)
MIN_SIDE = 72  # px per panel: four still fit the view beside the controls in a 1280 px window


class BlockCanvas(SampleCanvas):
    """A picture drawn at the view's common on-screen size (``display`` px, a whole multiple of every side
    shown), so a 4 px output's blocks line up with a 32 px output's pixels; a wrapped placeholder otherwise."""

    MARGIN = 2

    def __init__(self):
        super().__init__()
        self.display = 0
        self.pixels_shown: np.ndarray | None = None  # H×W×3 uint8 of the picture drawn
        self.setMinimumSize(MIN_SIDE, MIN_SIDE)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def show_pixels(self, pixels: np.ndarray | None) -> None:
        self.pixels_shown = pixels
        self.set_image(None if pixels is None else to_qimage(pixels))

    def target(self):
        img = self.image()
        if img is None or img.isNull():
            return None
        room = min(self.width(), self.height()) - self.MARGIN
        side = min(self.display, room) if self.display else room
        scale = side / img.width()
        if not self.display and scale >= 1:
            scale = int(scale)  # as large as fits, every pixel the same size
        return ((self.width() - img.width() * scale) / 2, (self.height() - img.height() * scale) / 2, scale)

    def paintEvent(self, event) -> None:
        if self.image() is not None:
            super().paintEvent(event)
            return
        paint_placeholder(self, 8)


class MarkedSlider(QSlider):
    """A horizontal slider with a marker (an accent triangle under the groove) at one position: the trained α."""

    def __init__(self):
        super().__init__(Qt.Orientation.Horizontal)
        self.mark: float | None = None  # in [0, 1]
        self.setRange(0, STEPS)
        self.setMinimumHeight(30)

    def set_mark(self, mark: float | None) -> None:
        self.mark = mark
        self.update()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.mark is None:
            return
        opt = QStyleOptionSlider()
        self.initStyleOption(opt)
        groove = self.style().subControlRect(QStyle.ComplexControl.CC_Slider, opt,
                                             QStyle.SubControl.SC_SliderGroove, self)
        handle = self.style().subControlRect(QStyle.ComplexControl.CC_Slider, opt,
                                             QStyle.SubControl.SC_SliderHandle, self)
        x = groove.left() + handle.width() / 2 + (groove.width() - handle.width()) * self.mark
        y = self.height() - 2
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(theme.WARN))
        p.drawPolygon(QPolygonF([QPointF(x - 5, y), QPointF(x + 5, y), QPointF(x, y - 7)]))
        p.end()


class Panels(QWidget):
    """A row of titled pictures with a figure line under each, all one on-screen size."""

    def __init__(self, keys: list, full: int = 32):
        super().__init__()
        self.titles = {k: column_title("", "") for k in keys}
        self.canvases = {k: BlockCanvas() for k in keys}
        self.notes = {k: small_label() for k in keys}
        self.full = full
        self.columns = len(keys)  # the picture side is that of a row of this many (rows of one view match)
        grid = self._grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        for col, k in enumerate(keys):
            grid.addWidget(self.titles[k], 0, col)
            grid.addWidget(self.canvases[k], 1, col)
            grid.addWidget(self.notes[k], 2, col)
            grid.setColumnStretch(col, 1)

    def show_columns(self, keys) -> None:
        """Show the columns of ``keys`` only (a hidden column takes no room)."""
        for col, k in enumerate(self.canvases):
            on = k in keys
            for w in (self.titles[k], self.canvases[k], self.notes[k]):
                w.setVisible(on)
            self._grid.setColumnStretch(col, 1 if on else 0)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit()

    def fit(self) -> None:
        n = max(1, self.columns)
        side = max(MIN_SIDE, (self.width() - (n - 1) * self._grid.horizontalSpacing()) // n)
        room = side - BlockCanvas.MARGIN
        display = room // self.full * self.full if room >= self.full else room
        for c in self.canvases.values():
            if c.height() != side:
                c.setFixedHeight(side)
            if c.display != display:
                c.display = display
                c.update()
