"""The Qt binding must not leak or steal references: PySide6 6.12.0 decremented None's refcount on every
void call, which crashed the app within seconds on Python 3.11 (pyproject excludes that release)."""

import sys

from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage, QPainter, QPen


def test_void_qt_calls_keep_none_alive(qapp):
    image = QImage(16, 16, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    pen = QPen(QColor("red"))
    before = sys.getrefcount(None)
    for _ in range(2000):
        painter.setPen(pen)
        painter.drawLine(QPointF(0, 0), QPointF(8, 8))
    after = sys.getrefcount(None)
    painter.end()
    assert after >= before - 100, f"None lost {before - after} references over 2000 Qt calls"
