"""What the explorer's tools share: the Tool base class (napari-style: a view that subscribes to the Qt-free
``ExplorerModel``), a grid canvas that knows its cells, a slider that reports drags, class buttons and small
labels."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtCore import QPointF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy,
                               QVBoxLayout, QWidget)
from superqt import QLabeledDoubleSlider

from .. import theme
from ..panels.samples import ImageCanvas
from ..workers.render import Output
from .latent import PSI_MAX, ExplorerState
from .model import Context, ExplorerModel

GRID_PAD = 38  # the grey between a saved grid's pictures (trainers.images.to_uint8_grid's pad value, 0.15)
TRANSLATES = "this model translates images (it has no noise to explore): use the Translate tool"
UPSCALES = "this model upscales images (it has no noise to explore): use the Enhance tool"
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
    thumbnails: tuple[str, ...] = ()  # outputs drawn in the controls, not the tool's grid (Save grid skips them)
    takes_images = False  # True: the tool works on a generator that translates a given image (Pix2Pix)
    upscales = False  # with takes_images: True for the tool of super-resolution models (SRGAN), False for the others
    view_share: float | None = None  # the share of the room beside the controls its view asks for (None: the user's)
    draws_main = False  # True: the tool draws the current sample itself (``sig_main``), from more than the state
    sig_main = Signal(object)
    """The current sample as this tool draws it (H×W×3 uint8), for a tool that ``draws_main`` (the Styles tool's
    edits in W)."""
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

    def why_off(self, ctx: Context) -> str:
        """Why the panel dims this tool for ``ctx`` ("" when it applies): a generator that translates images has
        no noise for the latent tools to move; one that upscales (SRGAN) has the Enhance tool, not Translate;
        otherwise the tool's own ``unavailable``."""
        if ctx.translates and not self.takes_images:
            return UPSCALES if ctx.superres else TRANSLATES
        if self.takes_images and ctx.superres and not self.upscales:
            return "this model upscales images (super-resolution): use the Enhance tool"
        return self.unavailable(ctx)

    def set_context(self, ctx: Context) -> None:
        self.ctx = ctx

    def main_caption(self, state: ExplorerState) -> str:
        """The current sample's caption while this tool draws it (``draws_main``); "" for the explorer's own."""
        return ""

    def on_key(self, key: str) -> bool:
        """A one-key shortcut of the explorer (``"P"``, ``"R"``, ...) while this is the current tool: True when
        the tool used it, False to let the explorer's own action run."""
        return False

    def show_state(self, state: ExplorerState) -> None:
        """Make the controls show ``state`` (after undo, a loaded latent, another tool's edit)."""

    def outputs(self, state: ExplorerState) -> list[Output]:
        return []

    def take(self, name: str, image) -> None:
        """A rendered output of this tool."""

    def picture(self, name: str, result) -> np.ndarray | None:
        """What "Save grid" writes for this tool's rendered output ``name``: the rendered image itself, unless
        the tool draws something else from it (the Attention tool's maps)."""
        return result

    def composed_picture(self) -> np.ndarray | None:
        """What "Save grid" writes when the tool composes its picture from its own thread's results (the Enhance
        tool's strip) rather than from the render thread's outputs; None: use those."""
        return None

    def shutdown(self) -> None:
        """The explorer closes: stop and join any thread this tool started."""

    def edit(self, key: str = "", **changes) -> None:
        """Propose ``changes`` to the state; edits with the same non-empty ``key`` merge into one undo step."""
        new = replace(self.state(), **changes)
        if new != self.state():
            self.model.edit(new, key)

    def vector(self, state: ExplorerState) -> np.ndarray:
        return state.vector(self.ctx.space, self.ctx.directions)

    def plain_vector(self, state: ExplorerState) -> np.ndarray:
        """The current sample without the cGAN tool's class blend: the start of other tools' grids, so a blend
        set there does not turn every pool or traversal sample into a mix of two classes."""
        sp = self.ctx.space
        return sp.vector(state.z(self.ctx.directions), state.label, None, 0.0, state.cat, state.cont)

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
        from PySide6.QtCore import QRectF

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
        from PySide6.QtCore import QRectF

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


class PsiControl(QWidget):
    """BigGAN's truncation ψ (``ExplorerState.psi``): a labelled slider from 0 to ``PSI_MAX`` and an "Off" box
    (untruncated z). Shared by the Latent and BigGAN tools, so both show and set the same ψ."""

    sig_changed = Signal(object)
    """The new ψ: a float, or None when truncation is off."""
    sig_released = Signal()
    """A drag of the slider ended (for undo merging)."""

    TIP = ("Truncation ψ: z is drawn from a normal truncated to ±ψ (BigGAN's trick). Lower ψ gives more typical, "
           "cleaner samples and less variety; ψ = 0 puts every z at 0, one sample per class")

    def __init__(self):
        super().__init__()
        self.slider = DragSlider(0.0, PSI_MAX, 1.0)
        self.slider.setToolTip(self.TIP)
        self.off = QCheckBox("Off")
        self.off.setToolTip("Untruncated z ~ N(0, I), as the generator was trained (moving the slider turns "
                            "truncation on)")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.off)
        self.slider.valueChanged.connect(self._on_slider)
        self.slider.sliderReleased.connect(self.sig_released)
        self.off.toggled.connect(self._on_off)
        self.set_quietly(None)

    def value(self) -> float | None:
        return None if self.off.isChecked() else round(float(self.slider.value()), 4)

    def set_quietly(self, psi: float | None) -> None:
        """Show ``psi`` without announcing it."""
        self.off.blockSignals(True)
        self.off.setChecked(psi is None)
        self.off.blockSignals(False)
        if psi is not None:
            self.slider.set_quietly(psi)

    def _on_slider(self, _v: float) -> None:
        if self.off.isChecked():  # moving the slider turns truncation on
            self.off.blockSignals(True)
            self.off.setChecked(False)
            self.off.blockSignals(False)
        self.sig_changed.emit(self.value())

    def _on_off(self, _off: bool) -> None:
        self.sig_changed.emit(self.value())


def class_buttons(group: QButtonGroup, names: list[str], tip: str = "") -> QWidget:
    """A grid of checkable buttons, one per class name, that replace the buttons of ``group`` (a button's id is
    its class index): five a row when no name is longer than three characters (digits), else two. The buttons
    share the column's width instead of asking for more, so long class names cannot widen the tool. ``tip`` ends
    each tooltip."""
    for b in group.buttons():
        group.removeButton(b)
    box = QWidget()
    grid = QGridLayout(box)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setSpacing(3)
    per_row = 5 if all(len(n) <= 3 for n in names) else 2
    for k, n in enumerate(names):
        b = QPushButton(n)
        b.setCheckable(True)
        b.setMinimumWidth(24)
        b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        b.setToolTip(f"class {k}: {n}{tip}")
        group.addButton(b, k)
        grid.addWidget(b, k // per_row, k % per_row)
    return box


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


class WrapLabel(QLabel):
    """A label that wraps onto more lines instead of ending in "…". It asks for the height its width needs
    without declaring height-for-width, which would spread up to the window and unpin its minimum size."""

    def __init__(self, text: str = "", name: str = "muted"):
        super().__init__(text)
        self.setObjectName(name)
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

    def hasHeightForWidth(self) -> bool:
        return False

    def minimumSizeHint(self) -> QSize:
        return QSize(40, self.fontMetrics().lineSpacing())

    def setText(self, text: str) -> None:
        super().setText(text)
        self._fit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        need = super().heightForWidth(max(40, self.width()))
        if need > 0 and need != self.minimumHeight():
            self.setMinimumHeight(need)


def caption_label(text: str = "") -> QLabel:
    """A view's caption: muted, wrapping onto a second line rather than cut with "…"."""
    return WrapLabel(text)


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
