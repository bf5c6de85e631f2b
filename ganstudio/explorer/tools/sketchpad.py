"""The Translate tool's sketch pad: the model's input at its own resolution (32 px), shown large with crisp
pixels, drawn on with a round pen or eraser (the right button always erases), and a drop target for image files.

The pad only paints and reports: each piece of a stroke comes out as the whole new pad (uint8 (C, H, W)) through
``sig_drawn``, the end of a stroke through ``sig_stroke_done`` (one undo step), a dropped file through
``sig_file``. What the pad shows is set from the explorer's state (``set_pad``), so undo and a loaded input
show here like any other edit."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy

from ... import theme
from ...panels.samples import to_qimage
from ..canvases import SampleCanvas
from .translate_inputs import stroke

SIDE = 264  # 32 px at 8× (64 px at 4×) plus the canvas margin: fits the tools' column


def rgb(pad: np.ndarray) -> np.ndarray:
    """uint8 (C, H, W) → (H, W, 3) for display (grey repeated)."""
    img = pad.transpose(1, 2, 0)
    return np.ascontiguousarray(np.repeat(img, 3, axis=2) if img.shape[2] == 1 else img[..., :3])


class SketchPad(SampleCanvas):
    """A drawable view of the input; see the module docstring."""

    sig_drawn = Signal(object)
    """The pad after the latest piece of a stroke: uint8 (C, H, W), a copy the receiver may keep."""
    sig_stroke_done = Signal()
    """The mouse button went up: the stroke is complete (the next one is a new undo step)."""
    sig_file = Signal(str)
    """A local file was dropped on the pad."""

    def __init__(self):
        super().__init__()
        self.pad: np.ndarray | None = None
        self.erasing = False  # the pen's mode (the right button erases either way)
        self.size = 2.0  # the pen's diameter in input pixels
        self._last: tuple[float, float] | None = None  # the stroke's previous point, image coordinates
        self._stroke_erases = False
        self._hover: QPointF | None = None
        self.placeholder = "Open a model that translates images"
        self.setFixedSize(SIDE, SIDE)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw with the left button, erase with the right. Drop a PNG or JPEG here to use it")

    def sizeHint(self) -> QSize:
        return QSize(SIDE, SIDE)

    # -- what it shows ------------------------------------------------------------------------------------------
    def set_pad(self, pad: np.ndarray | None) -> None:
        """Show ``pad`` (uint8 (C, H, W)); None: nothing to draw on."""
        self.pad = None if pad is None else np.array(pad, np.uint8, copy=True)
        self.set_image(None if pad is None else to_qimage(rgb(self.pad)))

    def image_point(self, pos: QPointF) -> tuple[float, float] | None:
        """Widget point → input image coordinates (x, y), or None when nothing is shown."""
        t = self.target()
        if t is None:
            return None
        x0, y0, scale = t
        return (pos.x() - x0) / scale, (pos.y() - y0) / scale

    def draw_line(self, a: tuple[float, float], b: tuple[float, float], erase: bool | None = None) -> None:
        """One piece of a stroke from ``a`` to ``b`` (image coordinates), announced with ``sig_drawn``."""
        if self.pad is None:
            return
        self.pad = stroke(self.pad, a, b, self.size, self.erasing if erase is None else erase)
        self.set_image(to_qimage(rgb(self.pad)))
        self.sig_drawn.emit(self.pad.copy())

    # -- mouse --------------------------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        button = event.button()
        p = self.image_point(event.position())
        if p is None or button not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            return
        self._stroke_erases = self.erasing or button == Qt.MouseButton.RightButton
        self._last = p
        self.draw_line(p, p, self._stroke_erases)

    def mouseMoveEvent(self, event) -> None:
        self._hover = event.position()
        if self._last is not None:
            p = self.image_point(event.position())
            if p is not None:
                self.draw_line(self._last, p, self._stroke_erases)
                self._last = p
        self.update()

    def mouseReleaseEvent(self, event) -> None:
        if self._last is not None:
            self._last = None
            self.sig_stroke_done.emit()

    def leaveEvent(self, event) -> None:
        self._hover = None
        self.update()

    # -- files dropped ------------------------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.sig_file.emit(files[0])

    # -- painting -----------------------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        t = self.target()
        if t is None:
            return
        x0, y0, scale = t
        img = self.image()
        w, h = img.width() * scale, img.height() * scale
        p = QPainter(self)
        if scale >= 6:  # a faint pixel grid: the input is this coarse
            p.setPen(QPen(QColor(255, 255, 255, 18), 1))
            for k in range(1, img.width()):
                p.drawLine(QPointF(x0 + k * scale, y0), QPointF(x0 + k * scale, y0 + h))
            for k in range(1, img.height()):
                p.drawLine(QPointF(x0, y0 + k * scale), QPointF(x0 + w, y0 + k * scale))
        p.setPen(QPen(QColor(theme.MUTED), 1))
        p.drawRect(QRectF(x0 - 0.5, y0 - 0.5, w + 1, h + 1))
        if self._hover is not None and QRectF(x0, y0, w, h).contains(self._hover):
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            r = max(2.0, self.size * scale / 2)
            color = QColor(theme.ERROR if self.erasing else theme.ACCENT)
            p.setPen(QPen(color, 1.5))
            p.drawEllipse(self._hover, r, r)
        p.end()
