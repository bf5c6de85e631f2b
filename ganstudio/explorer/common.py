"""What the explorer's tools share: the Tool base class (napari-style: a view that subscribes to the Qt-free
``ExplorerModel``), a grid canvas that knows its cells, a slider that reports drags, and small labels."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget
from superqt import QElidingLabel, QLabeledDoubleSlider

from .. import theme
from ..panels.samples import ImageCanvas
from ..workers.render import Output
from .latent import ExplorerState
from .model import Context, ExplorerModel

GROUP_COLORS = ("#f47067", "#4c9aff", "#57ab5a", "#e5a50a", "#c297ff", "#39c5cf", "#e275ad", "#8ddb8c")


class Tool(QWidget):
    """One explorer tool: controls (this widget) and a view shown beside the current sample.

    Tools never hold the state: they read it from the ``ExplorerModel`` and propose edits with ``edit()``;
    they subscribe to the model's events (a new generator: ``set_context``; a changed state, while this is
    the current tool: ``show_state``). The panel asks the current tool for its ``outputs()`` and hands it
    what was rendered (``take``)."""

    name = ""
    title = ""
    resync = False  # True: the controls list things the tool's own edits change (groups, keyframes)
    sig_refresh = Signal()
    """A view-only setting changed (grid size, sweep): render again, nothing to undo."""
    sig_message = Signal(str, str)
    """(level, text) for the explorer's message line."""

    def __init__(self, model: ExplorerModel):
        super().__init__()
        self.model = model
        self.ctx: Context | None = None
        self.view = QWidget()
        model.events.context.connect(self.set_context)
        model.events.state.connect(self._on_state)

    def state(self) -> ExplorerState:
        return self.model.state

    def unavailable(self, ctx: Context) -> str:
        """Why this tool does not apply to the model ("" when it does)."""
        return ""

    def set_context(self, ctx: Context) -> None:
        self.ctx = ctx

    def show_state(self, state: ExplorerState) -> None:
        """Make the controls show ``state`` (after undo, a loaded latent, another tool's edit)."""

    def outputs(self, state: ExplorerState) -> list[Output]:
        return []

    def take(self, name: str, image) -> None:
        """A rendered output of this tool."""

    def edit(self, key: str = "", **changes) -> None:
        """Propose ``changes`` to the state; edits with the same non-empty ``key`` merge into one undo step."""
        new = replace(self.state(), **changes)
        if new != self.state():
            self.model.edit(new, key)

    def vector(self, state: ExplorerState) -> np.ndarray:
        return state.vector(self.ctx.space, self.ctx.directions)

    def _on_state(self, state: ExplorerState, sync: bool) -> None:
        """Only the current tool's controls follow the state; the others catch up when they are shown.
        After its own edits a tool is left alone unless it lists what they change (``resync``)."""
        if self.model.tool == self.name and self.model.ctx is not None and (sync or self.resync):
            self.show_state(state)


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
        from PySide6.QtCore import QRectF

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
        for i, color in self.marks.items():
            r, c = divmod(i, self.cols)
            pen = QPen(QColor(color))
            pen.setWidth(3)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(x0 + c * step + self.pad * scale / 2, y0 + r * step + self.pad * scale / 2,
                              step - 1, step - 1))
        p.end()


class DragSlider(QLabeledDoubleSlider):
    """A labelled float slider (superqt) that also says when a drag ends (for undo merging)."""

    def __init__(self, lo: float, hi: float, value: float = 0.0, decimals: int = 2):
        super().__init__(Qt.Orientation.Horizontal)
        self.setRange(lo, hi)
        self.setDecimals(decimals)
        self.setSingleStep(10 ** -decimals * 5)
        self.setValue(value)

    def set_quietly(self, value: float) -> None:
        self.blockSignals(True)
        self.setValue(value)
        self.blockSignals(False)


def titled(title: str, caption: QLabel | None, body: QWidget, *more: QWidget) -> QWidget:
    """A view: heading, a one-line caption, the body, then any extra widgets."""
    w = QWidget()
    lay = QVBoxLayout(w)
    lay.setContentsMargins(4, 4, 4, 4)
    head = QLabel(title)
    head.setObjectName("heading")
    lay.addWidget(head)
    if caption is not None:
        lay.addWidget(caption)
    lay.addWidget(body, 1)
    for m in more:
        lay.addWidget(m)
    return w


def caption_label(text: str = "") -> QElidingLabel:
    lab = QElidingLabel(text)
    lab.setObjectName("muted")
    return lab


def muted_label(text: str) -> QLabel:
    """A wrapping note in the muted colour."""
    lab = QLabel(text)
    lab.setObjectName("muted")
    lab.setWordWrap(True)
    return lab


class MessageLine(QLabel):
    """A message under the current sample, coloured by level, that clears itself (errors after 12 s)."""

    def __init__(self):
        super().__init__("")
        self.setWordWrap(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(lambda: self.setText(""))

    def say(self, level: str, text: str) -> None:
        """``level``: "error", "warning" or "info"."""
        color = {"error": theme.ERROR, "warning": theme.WARN}.get(level, theme.MUTED)
        self.setObjectName(level)
        self.setStyleSheet(f"color: {color}")
        self.setText(("⚠ " if level in ("error", "warning") else "") + text)
        self._timer.start(12000 if level == "error" else 6000)
