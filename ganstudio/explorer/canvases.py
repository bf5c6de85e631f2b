"""The explorer's image canvases: a grid that knows its cells (clicks, marks, row and cell labels), the current
sample as large as its room allows, and the helpers that compose and cut the grids tools save."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QWidget

from .. import theme
from ..panels.samples import ImageCanvas

GRID_PAD = 38  # the grey between a saved grid's pictures (trainers.images.to_uint8_grid's pad value, 0.15)


class GridCanvas(ImageCanvas):
    """An image grid with crisp pixels that maps clicks to cells and outlines marked cells."""

    sig_clicked = Signal(int)
    """The index of the clicked cell (row-major)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.cols = 1
        self.cell = 28
        self.pad = 2
        self.marks: dict[int, str] = {}
        self.row_labels: list[str] = []
        self.cell_labels: list[str] = []  # drawn on each cell's lower edge (row-major), e.g. a checkpoint's step
        self.clickable = False
        self.setMinimumSize(120, 120)

    def set_layout(self, cols: int, cell: int, pad: int = 2) -> None:
        self.cols, self.cell, self.pad = max(1, cols), max(1, cell), pad

    def _target(self):
        img = self.image()
        if img is None or img.isNull():
            return None
        iw, ih = img.width(), img.height()
        left = 30 if self.row_labels else 0
        scale = min((self.width() - 16 - left) / iw, (self.height() - 16) / ih)
        if scale >= 2:
            scale = int(scale)
        return ((self.width() + left - iw * scale) / 2, (self.height() - ih * scale) / 2, scale)

    def cell_at(self, pos: QPointF) -> int:
        t = self._target()
        if t is None:
            return -1
        x0, y0, scale = t
        x, y = (pos.x() - x0) / scale, (pos.y() - y0) / scale
        step = self.cell + self.pad
        col, row = int((x - self.pad / 2) // step), int((y - self.pad / 2) // step)
        rows = max(1, (self.image().height() - self.pad) // step)
        if x < 0 or y < 0 or not 0 <= col < self.cols or not 0 <= row < rows:
            return -1
        return row * self.cols + col

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.clickable and event.button() == Qt.MouseButton.LeftButton:
            i = self.cell_at(event.position())
            if i >= 0:
                self.sig_clicked.emit(i)
                return
        super().mousePressEvent(event)

    def paintEvent(self, event) -> None:
        img = self.image()
        if img is None or img.isNull():
            super().paintEvent(event)
            return
        x0, y0, scale = self._target()
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(theme.BASE))
        w, h = img.width() * scale, img.height() * scale
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale < 1)
        p.drawImage(QRectF(x0, y0, w, h), img)
        step = (self.cell + self.pad) * scale
        if self.row_labels:
            f = QFont(p.font())
            f.setPointSizeF(max(7.0, f.pointSizeF() - 1))
            p.setFont(f)
            p.setPen(QColor(theme.MUTED))
            for r, text in enumerate(self.row_labels):
                y = y0 + self.pad * scale + r * step
                p.drawText(QRectF(x0 - 34, y, 32, step), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                           text)
        if self.cell_labels:
            self._paint_cell_labels(p, x0, y0, step, scale)
        for i, color in self.marks.items():
            r, c = divmod(i, self.cols)
            pen = QPen(QColor(color))
            pen.setWidth(3)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(x0 + c * step + self.pad * scale / 2, y0 + r * step + self.pad * scale / 2,
                              step - 1, step - 1))
        p.end()

    def _paint_cell_labels(self, p: QPainter, x0: float, y0: float, step: float, scale: float) -> None:
        f = QFont(p.font())
        f.setPointSizeF(max(7.0, f.pointSizeF() - 1))
        p.setFont(f)
        band = min(step * 0.4, p.fontMetrics().height() + 2)
        for i, text in enumerate(self.cell_labels):
            r, c = divmod(i, self.cols)
            cell = QRectF(x0 + (self.pad + c * (self.cell + self.pad)) * scale,
                          y0 + (self.pad + r * (self.cell + self.pad)) * scale, self.cell * scale, self.cell * scale)
            strip = QRectF(cell.left(), cell.bottom() - band, cell.width(), band)
            p.fillRect(strip, QColor(0, 0, 0, 170))
            p.setPen(QColor(theme.TEXT))
            p.drawText(strip, Qt.AlignmentFlag.AlignCenter, text)


def side_by_side(images: list[np.ndarray], pad: int = 2) -> np.ndarray:
    """H×W×3 uint8 pictures of one height in a row, ``pad`` px of grid grey around and between them (the look of
    ``trainers.images.to_uint8_grid``): what "Save grid" writes for tools that compose their own picture."""
    parts = [np.pad(img, ((pad, pad), (pad, 0), (0, 0)), constant_values=GRID_PAD) for img in images]
    return np.pad(np.concatenate(parts, axis=1), ((0, 0), (0, pad), (0, 0)), constant_values=GRID_PAD)


def grid_cells(image: np.ndarray, n: int, side: int, pad: int = 2) -> list[np.ndarray] | None:
    """The ``n`` cells of a one-row grid rendered with ``pad`` (``trainers.images.to_uint8_grid``), or None
    when ``image`` is not such a grid (a 2D-points model draws one scatter instead)."""
    if side <= 0 or image.ndim != 3 or image.shape[:2] != (side + 2 * pad, n * (side + pad) + pad):
        return None
    return [np.ascontiguousarray(image[pad:pad + side, pad + j * (side + pad): pad + j * (side + pad) + side])
            for j in range(n)]


class SampleCanvas(ImageCanvas):
    """The current sample: as large as its room allows, whole-number nearest-neighbour zoom so small digits
    stay crisp. The explorer's splitter gives it about 45 % of the view (≈ 280 px, 10×, in a 1280×800
    window) and it grows with the window; its hard minimum stays small so the window still fits an 800 px
    wide screen."""

    MIN = 108
    MARGIN = 8  # px kept free around the image (a small canvas in a row of pictures keeps less)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumSize(self.MIN, self.MIN)
        self.parts: tuple[str, ...] = ()  # labels over equal side-by-side parts of the image (CoGAN's A | B)
        self.part_gap = 0  # image px between two parts

    def set_parts(self, labels: tuple[str, ...], gap: int = 0) -> None:
        """Name the image's equal parts, left to right (``gap`` px apart): each label is drawn over its part."""
        self.parts, self.part_gap = tuple(labels), gap
        self.update()

    def _band(self) -> int:
        """The height kept above the image for the parts' labels."""
        return self.fontMetrics().height() + 6 if self.parts else 0

    def target(self):
        """(x, y, scale) of the drawn image, or None. A square image takes the canvas's smaller side; a wide one
        (a pair) its width, below a band for the labels."""
        img = self.image()
        if img is None or img.isNull():
            return None
        band = self._band()
        scale = min((self.width() - self.MARGIN) / img.width(), (self.height() - self.MARGIN - band) / img.height())
        scale = int(scale) if scale >= 1 else scale
        return ((self.width() - img.width() * scale) / 2, (self.height() - img.height() * scale + band) / 2,
                scale)

    def paintEvent(self, event) -> None:
        t = self.target()
        if t is None:
            super().paintEvent(event)
            return
        x0, y0, scale = t
        img = self.image()
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(theme.BASE))
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale < 1)
        p.drawImage(QRectF(x0, y0, img.width() * scale, img.height() * scale), img)
        if self.parts:
            n = len(self.parts)
            w = (img.width() - (n - 1) * self.part_gap) / n
            p.setPen(QColor(theme.TEXT))
            band = self._band()
            for k, text in enumerate(self.parts):
                rect = QRectF(x0 + k * (w + self.part_gap) * scale, y0 - band, w * scale, band - 4)
                p.drawText(rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                           p.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, int(rect.width())))
        p.end()
