"""A QTabWidget that does not repaint itself whole for layout requests that change nothing."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QTabWidget


class StillTabWidget(QTabWidget):
    """QTabWidget answers every LayoutRequest from below with setUpLayout(), which ends in update(): any label
    in a tab whose text changes (step counters, "N points") then repaints the whole tab, curves and all, several
    times a second while a run trains. Here a request passes only when the tab widget's geometry could change:
    its size, the tab bar's size, the current tab, or the size hints the window lays out by."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._layout_key = None
        self.passed = 0  # layout requests handled (for tests)

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.LayoutRequest:
            key = (self.size(), self.tabBar().sizeHint(), self.currentIndex(), self.count(),
                   self.minimumSizeHint(), self.sizeHint())
            if key == self._layout_key:
                return True
            self._layout_key = key
            self.passed += 1
        return super().event(e)
