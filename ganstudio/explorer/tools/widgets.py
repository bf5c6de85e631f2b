"""Widgets and colour helpers that several explorer tools draw with (a tool's own view file keeps what is only
its own): a bold heading that wraps, a square picture with a wrapped placeholder, the inferno heat colours and their
colour bar, and the image pixel under the mouse."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from ... import theme
from ..canvases import SampleCanvas
from ..common import WrapLabel

# matplotlib's inferno at 0, 1/8, ..., 1: dark where a position draws little, bright yellow where it draws most
INFERNO = np.array([(0, 0, 4), (31, 12, 72), (85, 15, 109), (136, 34, 106), (186, 54, 85), (227, 89, 51),
                    (249, 140, 10), (249, 201, 50), (252, 255, 164)], dtype=np.float32)



def heat_colors(v: np.ndarray) -> np.ndarray:
    """Values in [0, 1] → inferno RGB (uint8), interpolated between the anchors."""
    t = np.clip(v, 0.0, 1.0) * (len(INFERNO) - 1)
    i = np.minimum(t.astype(np.int64), len(INFERNO) - 2)
    w = (t - i)[..., None]
    return np.round(INFERNO[i] * (1 - w) + INFERNO[i + 1] * w).astype(np.uint8)



def pixel_at(canvas: SampleCanvas, pos: QPointF) -> tuple[int, int] | None:
    """The image pixel (x, y) under widget point ``pos`` of a sample canvas, or None off the image."""
    t, img = canvas.target(), canvas.image()
    if t is None:
        return None
    x0, y0, scale = t
    x, y = int((pos.x() - x0) // scale), int((pos.y() - y0) // scale)
    return (x, y) if 0 <= x < img.width() and 0 <= y < img.height() else None



def heading(text: str, tip: str = "") -> QLabel:
    """A bold column or section title that never widens the view: a narrow column wraps it instead."""
    lab = WrapLabel(text, "")
    lab.setStyleSheet("font-weight: 600")
    lab.setToolTip(tip)
    lab.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)  # never widens the view
    return lab



def paint_placeholder(canvas: SampleCanvas, inset: int) -> None:
    """A canvas with no picture yet: its placeholder, muted and wrapped onto several lines ``inset`` px in."""
    p = QPainter(canvas)
    p.fillRect(canvas.rect(), QColor(theme.BASE))
    p.setPen(QColor(theme.MUTED))
    p.drawText(canvas.rect().adjusted(inset, inset, -inset, -inset),
               Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, canvas.placeholder)
    p.end()


class Square(SampleCanvas):
    """One picture of the view (kept square by ``TranslateView``), its placeholder wrapped onto several lines."""

    MARGIN = 2  # a third of a narrow view: every pixel counts for the zoom

    def paintEvent(self, event) -> None:
        if self.image() is not None:
            super().paintEvent(event)
            return
        paint_placeholder(self, 12)



class ColorBar(QWidget):
    """The heat map's scale, inferno from ``left`` to ``right``: by default from no weight (the sample shows
    through) to the map's peak; the Translate tool labels it with D's realness, 0 to 1."""

    def __init__(self, left: str = "no weight", right: str = "the map's strongest key"):
        super().__init__()
        self.left, self.right = left, right
        self.setFixedHeight(30)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        fm = p.fontMetrics()
        left, right = self.left, self.right
        bar = QRectF(fm.horizontalAdvance(left) + 8, 4, max(20, self.width() - fm.horizontalAdvance(right)
                                                               - fm.horizontalAdvance(left) - 16), 12)
        g = QLinearGradient(bar.left(), 0, bar.right(), 0)
        for k, c in enumerate(INFERNO):
            g.setColorAt(k / (len(INFERNO) - 1), QColor(*[int(v) for v in c]))
        p.fillRect(bar, g)
        p.setPen(QColor(theme.MUTED))
        p.drawText(QRectF(0, 0, bar.left() - 6, 20), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, left)
        p.drawText(QRectF(bar.right() + 6, 0, self.width(), 20), Qt.AlignmentFlag.AlignVCenter, right)
        p.end()



class StaleCover(QLabel):
    """A translucent cover with one line ("Loading sagan-digits…") over a view whose pictures belong to the model
    being replaced: a stale view never looks current. It follows its parent's size; ``hide()`` lifts it."""

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setObjectName("staleCover")
        self.setStyleSheet("QLabel#staleCover { background: rgba(20, 22, 26, 190); color: #e8eaed; "
                           "font-size: 15px; }")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, False)  # no clicks on stale pictures
        parent.installEventFilter(self)
        self.hide()

    def cover(self, text: str) -> None:
        self.setText(text)
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()

    def eventFilter(self, obj, event) -> bool:  # every event of the covered view passes here: keep it cheap
        if obj is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self.setGeometry(obj.rect())
        return False
