"""The Attention tool (SAGAN): point at a position of the current sample and see, for each self-attention layer
of G, where that position draws from, as a heat map over the sample, with the layer's γ.

The render thread computes the maps once per sample (workers/attention.py); moving the query (hover, click,
arrow keys) only re-slices them here, and the heat map is made in the next paint, so a fast mouse never queues
any work.

This file is the tool: its controls, the query (pinned and hovered), the mouse and key wiring, the labels, the
layout of the layer columns and what "Save grid" writes. What is only drawn (the colour map, the heat overlay,
the canvases, the query mark, the colour bar) is in ``attention_view.py``."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...panels.samples import to_qimage
from ...workers.attention import AttentionResult
from ...workers.render import Output
from ..canvases import SampleCanvas, side_by_side
from ..common import DragSlider, Tool, caption_label, muted_label, titled
from ..latent import ExplorerState
from ..model import Context, ExplorerModel
from .attention_view import (QUERY_COLOR, AttentionCanvas, ColorBar, LayerView, QueryMark, cell_of, composite,
                             heat_rgba, pixel_at)

BARELY = 0.01  # |γ| below this: the layer adds almost nothing of what it attends to
ARROWS = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}


def has_attention(ctx: Context) -> bool:
    return ctx.can("attention") and ctx.is_image


class AttentionTool(Tool):
    """SAGAN's self-attention: where the position under the cursor draws from, per attention layer of G."""

    name = "attention"
    title = "Attention"

    def __init__(self, model: ExplorerModel):
        super().__init__(model)
        self.result: AttentionResult | None = None
        self.side = 0  # the image's side in pixels
        self.query = (0, 0)  # pinned by a click or the arrow keys
        self.hover: tuple[int, int] | None = None  # follows the mouse; the pinned query returns when it leaves
        self.layers: list[LayerView] = []
        self._marks: list[QueryMark] = []

        self.which = QComboBox()
        self.which.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.which.setMinimumContentsLength(10)
        self.which.setToolTip("Show every attention layer side by side, or one large")
        self.opacity = DragSlider(0.0, 1.0, 0.8)
        self.opacity.setToolTip("How strongly the heat map covers the sample")
        self.readout = QLabel("")
        form = QFormLayout()
        form.addRow("Layers", self.which)
        form.addRow("Overlay", self.opacity)
        form.addRow("Query", self.readout)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(muted_label("Hover the sample (here or the large one) to move the query; click to pin it. "
                                  "Arrow keys step one cell of the finest map."))
        lay.addWidget(muted_label("A self-attention layer lets every position of a feature map draw on every "
                                  "other one, not only on its neighbours. The maps are computed once per sample; "
                                  "moving the query only reads them."))
        lay.addStretch(1)

        self.caption = caption_label("")
        self._body = QWidget()
        self._row_lay = QHBoxLayout()
        self._row_lay.setContentsMargins(0, 0, 0, 0)
        self.legend = ColorBar()
        col = QVBoxLayout(self._body)
        col.setContentsMargins(0, 0, 0, 0)
        col.addLayout(self._row_lay)
        col.addWidget(self.legend)
        col.addStretch(1)
        self._body.installEventFilter(self)
        self.view = titled("Where each position draws from", self.caption, self._body)
        self.view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.view.installEventFilter(self)
        for key, d in ARROWS.items():
            sc = QShortcut(QKeySequence(key), self.view)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(lambda d=d: self.move_query(*d))
        self.which.currentIndexChanged.connect(self._show_layers)
        self.opacity.valueChanged.connect(self._refresh)

    # -- the tool API --------------------------------------------------------------------------------------
    def unavailable(self, ctx: Context) -> str:
        return "" if has_attention(ctx) else ("this model has no self-attention layers; train the sagan family to "
                                              "see where each position of G's feature maps looks")

    def set_context(self, ctx: Context) -> None:
        super().set_context(ctx)
        self.result = None
        for lv in self.layers:
            lv.canvas.layer = None
            lv.canvas.set_image(None)
        if ctx.side != self.side:
            self.side = ctx.side
            self.query, self.hover = (self.side // 2, self.side // 2), None
        self._refresh()

    def outputs(self, st: ExplorerState) -> list[Output]:
        return [Output.of("attention", self.vector(st), cols=1, pad=0, kind="attention")]

    def take(self, name: str, result) -> None:
        if not isinstance(result, AttentionResult):
            return
        self.result = result
        self.side = result.image.shape[1]
        self.query = (min(self.query[0], self.side - 1), min(self.query[1], self.side - 1))
        if len(self.layers) != len(result.layers):
            self._build(result)
        image = to_qimage(result.image)
        for lv, layer in zip(self.layers, result.layers):
            lv.canvas.layer = layer
            lv.canvas.set_image(image)
        self._refresh()
        self._fit()

    def picture(self, name: str, result) -> np.ndarray | None:
        """What "Save grid" writes: each layer's overlay for the current query, side by side."""
        if not isinstance(result, AttentionResult):
            return None
        parts = []
        qx, qy = self.shown_query()
        for layer in result.layers:
            img = composite(result.image, heat_rgba(layer.row(*cell_of(qx, qy, self.side, layer.side)), self.side,
                                                    self.opacity.value()))
            img[qy, qx] = QColor(QUERY_COLOR).getRgb()[:3]
            parts.append(img)
        return side_by_side(parts)

    # -- the query -----------------------------------------------------------------------------------------
    def shown_query(self) -> tuple[int, int]:
        """The image pixel whose attention is shown: under the mouse, else the pinned one."""
        return self.hover if self.hover is not None else self.query

    def cell(self, i: int) -> tuple[int, int]:
        """The feature cell of layer ``i`` the shown query falls in."""
        return cell_of(*self.shown_query(), self.side, self.result.layers[i].side)

    def shown_map(self, i: int) -> np.ndarray:
        """Layer ``i``'s map for the shown query, (side, side): the row of ``attention_maps`` for its cell."""
        return self.result.layers[i].row(*self.cell(i))

    def set_query(self, x: int, y: int) -> None:
        """Pin the query at image pixel (x, y)."""
        self.query, self.hover = (x, y), None
        self._refresh()

    def hover_at(self, x: int, y: int) -> None:
        if self.hover != (x, y):
            self.hover = (x, y)
            self._refresh()

    def leave(self) -> None:
        if self.hover is not None:
            self.hover = None
            self._refresh()

    def move_query(self, dx: int, dy: int) -> None:
        """Pin the query one cell of the finest map away from the shown one (hovered or pinned), at that cell's
        centre."""
        if not self.side:
            return
        step = max(1, self.side // max((lay.side for lay in self.result.layers), default=self.side)) \
            if self.result is not None else 1
        x, y = self.shown_query()
        cx = min(max(x // step + dx, 0), (self.side - 1) // step)
        cy = min(max(y // step + dy, 0), (self.side - 1) // step)
        self.set_query(min(cx * step + step // 2, self.side - 1), min(cy * step + step // 2, self.side - 1))

    def watch(self, canvas: SampleCanvas) -> None:
        """Let the explorer's large sample move the query too (while this tool is shown), with the query drawn
        on it."""
        mark = QueryMark(canvas)
        mark.setVisible(False)
        self._marks.append(mark)
        canvas.setMouseTracking(True)
        canvas.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        canvas.installEventFilter(self)

    # -- internals -----------------------------------------------------------------------------------------
    def _shown(self) -> bool:
        return self.model.tool == self.name and self.view.isVisible()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if obj is self._body and kind == QEvent.Type.Resize:
            self._fit()
            return False
        if obj is self.view and kind in (QEvent.Type.Show, QEvent.Type.Hide):
            for mark in self._marks:
                mark.setVisible(kind == QEvent.Type.Show)
            if kind == QEvent.Type.Hide:  # left by a shortcut with the mouse still over a canvas: no Leave comes
                self.leave()
            return False
        mark = next((m for m in self._marks if m.canvas is obj), None)
        if mark is None:
            return False
        if kind == QEvent.Type.Resize:
            mark.setGeometry(obj.rect())
        elif not self._shown() or self.result is None:
            return False
        elif kind == QEvent.Type.MouseMove:
            px = pixel_at(obj, event.position())
            if px is None:
                self.leave()
            else:
                self.hover_at(*px)
        elif kind == QEvent.Type.Leave:
            self.leave()
        elif kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            px = pixel_at(obj, event.position())
            if px is not None:
                self.set_query(*px)
        elif kind == QEvent.Type.KeyPress:
            d = ARROWS.get(event.key())
            # macOS marks arrow keys with KeypadModifier: only a real modifier (Shift, Ctrl, ...) leaves them alone
            if d is not None and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
                self.move_query(*d)
                return True
        return False

    def _build(self, result: AttentionResult) -> None:
        for lv in self.layers:
            self._row_lay.removeWidget(lv)
            lv.deleteLater()
        self.layers = []
        for _ in result.layers:
            lv = LayerView()
            lv.canvas.sig_hover.connect(self.hover_at)
            lv.canvas.sig_left.connect(self.leave)
            lv.canvas.sig_clicked.connect(self.set_query)
            self._row_lay.addWidget(lv, 1)
            self.layers.append(lv)
        keep = self.which.currentIndex()
        self.which.blockSignals(True)
        self.which.clear()
        self.which.addItem("All, side by side")
        for layer in result.layers:
            self.which.addItem(f"{layer.name} ({layer.side}×{layer.side})")
        self.which.setCurrentIndex(keep if 0 <= keep < self.which.count() else 0)
        self.which.blockSignals(False)
        self._show_layers()

    def _show_layers(self, *_) -> None:
        only = self.which.currentIndex() - 1
        for i, lv in enumerate(self.layers):
            lv.setVisible(only < 0 or i == only)
        self._fit()

    def _fit(self) -> None:
        """Square canvases as large as the room allows: the column's width, or the height left under the
        labels and the colour bar."""
        shown = [lv for lv in self.layers if not lv.isHidden()]
        if not shown:
            return
        gap = self._row_lay.spacing()
        width = (self._body.width() - gap * (len(shown) - 1)) // len(shown)
        room = self._body.height() - self.legend.height() - max(lv.labels_height() for lv in shown) - 2 * gap
        side = max(AttentionCanvas.MIN, min(width, room))
        for lv in shown:
            if lv.canvas.height() != side:
                lv.canvas.setFixedHeight(side)

    def _refresh(self, *_) -> None:
        """Show the current query: labels now, the heat maps at the next paint (Qt merges repaints)."""
        q = self.shown_query()
        for mark in self._marks:
            mark.query = q if self.result is not None else None
            mark.update()
        if self.result is None:  # between checkpoints: nothing of the last model's layers stays up
            self.readout.setText("")
            self.caption.setText("")
            for lv in self.layers:
                lv.title.setText("")
                lv.stats.setText("")
            return
        layers = self.result.layers
        self.readout.setText(f"pixel ({q[0]}, {q[1]})" + (" · hover" if self.hover is not None else " · pinned"))
        opacity = float(self.opacity.value())
        for i, (lv, layer) in enumerate(zip(self.layers, layers)):
            cell = self.cell(i)
            row = self.shown_map(i)
            k = int(row.argmax())
            lv.title.setText(f"{layer.name} · {layer.side}×{layer.side} · γ\u00a0=\u00a0{layer.gamma:.3f}")
            note = f"query cell ({cell[0]}, {cell[1]}) · strongest key ({k % layer.side}, {k // layer.side}): " \
                   f"{100 * float(row.max()):.1f} % of the weight (spread evenly: {100 / layer.side ** 2:.1f} %)"
            if abs(layer.gamma) < BARELY:
                note += " · γ ≈ 0: this layer barely uses attention yet"
            lv.stats.setText(note)
            lv.canvas.query, lv.canvas.opacity = q, opacity
            lv.canvas.update()
        cells = ", of the ".join(f"{layer.side}×{layer.side} map {self.side // layer.side}×"
                                 f"{self.side // layer.side} px" for layer in layers)
        self.caption.setText("Bright = where the query (cyan) draws from; each map is scaled to its own peak. A "
                             f"cell of the {cells}. γ scales what a layer adds (y = γ·o + x): near 0, the layer "
                             "barely uses attention.")
