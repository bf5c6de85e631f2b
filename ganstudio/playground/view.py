"""The playground's canvas: the plane (or the line, in 1D) with D's heatmap, real and generated points,
G's gradient arrows and manifold; below it the loss curves and the divergence curve. It draws
``trainers.playground.Snapshot``s and, in draw mode, turns mouse drags into points (``sig_drawn``)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal

REAL_BRUSH = (20, 20, 20, 170)
FAKE_BRUSH = (233, 105, 0, 220)
ARROW_PEN = (233, 105, 0, 160)
MANIFOLD_PEN = (60, 120, 200, 110)
D_PEN = pg.mkPen((110, 160, 255), width=2, style=Qt.PenStyle.DashLine)
G_COLOUR = (60, 200, 100)
REAL_LINE = (235, 235, 235)
ARROW_LENGTH = 0.35  # the longest arrow, in plane units; the others keep their relative lengths


class DrawViewBox(pg.ViewBox):
    """A ViewBox that, while ``drawing`` is on, reports left-button clicks and drags as points."""

    sig_drawn = Signal(list)
    """Points (x, y) the user just drew, in plane coordinates."""
    sig_stroke_done = Signal()
    """The mouse button went up: a stroke is complete."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.drawing = False
        self._last: QPointF | None = None

    def mouseClickEvent(self, ev):
        if self.drawing and ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            p = self.mapSceneToView(ev.scenePos())
            self.sig_drawn.emit([(p.x(), p.y())])
            self.sig_stroke_done.emit()
            return
        super().mouseClickEvent(ev)

    def mouseDragEvent(self, ev, axis=None):
        if not (self.drawing and ev.button() == Qt.MouseButton.LeftButton):
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        p = self.mapSceneToView(ev.scenePos())
        if ev.isStart() or self._last is None:
            self._last = p
            self.sig_drawn.emit([(p.x(), p.y())])
        else:  # fill the stroke so a fast drag leaves no gaps: a point every 0.04 units
            d = p - self._last
            n = int(np.hypot(d.x(), d.y()) / 0.04)
            if n:
                pts = [(self._last.x() + d.x() * k / n, self._last.y() + d.y() * k / n) for k in range(1, n + 1)]
                self._last = p
                self.sig_drawn.emit(pts)
        if ev.isFinish():
            self._last = None
            self.sig_stroke_done.emit()


class PlaygroundCanvas(pg.GraphicsLayoutWidget):
    """Draws snapshots; ``layers`` says which of heatmap / real / fake / gradients / manifold are shown."""

    LAYERS = ("heatmap", "real", "fake", "gradients", "manifold")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.layers = {k: True for k in self.LAYERS}
        self.layers["manifold"] = False
        self.box = DrawViewBox()
        self.plane = self.addPlot(row=0, col=0, colspan=2, viewBox=self.box)
        self.plane.setAspectLocked(True)
        self.plane.showGrid(x=True, y=True, alpha=0.15)
        self.plane.setMenuEnabled(False)
        self.heat = pg.ImageItem()
        self.heat.setColorMap(pg.colormap.get("CET-D1"))  # blue (fake side) · white (½) · red (real side)
        self.heat.setOpacity(0.75)
        self.manifold = pg.PlotCurveItem(pen=pg.mkPen(MANIFOLD_PEN, width=1), antialias=False)
        self.arrows = pg.PlotCurveItem(pen=pg.mkPen(ARROW_PEN, width=1), antialias=False)
        self.real = pg.ScatterPlotItem(size=5, pen=pg.mkPen(255, 255, 255, 90), brush=pg.mkBrush(REAL_BRUSH), antialias=False)
        self.fake = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(FAKE_BRUSH), antialias=False)
        self.mapping = pg.PlotCurveItem(pen=pg.mkPen(G_COLOUR + (90,), width=1))  # 1D: z → x lines
        self.real_density = pg.PlotCurveItem(pen=pg.mkPen(REAL_LINE, width=2, style=Qt.PenStyle.DotLine))
        self.fake_density = pg.PlotCurveItem(pen=pg.mkPen(G_COLOUR, width=2))
        self.d_curve = pg.PlotCurveItem(pen=D_PEN)
        self.drawn = pg.ScatterPlotItem(size=6, pen=pg.mkPen((120, 0, 160)), brush=pg.mkBrush(200, 120, 230, 120))
        self.bounds = pg.PlotCurveItem(pen=pg.mkPen((200, 120, 230, 150), width=1, style=Qt.PenStyle.DashLine))
        self.bounds.hide()  # while drawing: where points can go
        for item in (self.heat, self.manifold, self.mapping, self.real_density, self.fake_density, self.d_curve,
                     self.real, self.arrows, self.fake, self.drawn, self.bounds):
            self.plane.addItem(item)
        self.plane.setTitle(" ", size="9pt")  # the legend goes in the title row: above the data, never over it

        self.loss_plot = self.addPlot(row=1, col=0)
        self.loss_plot.setTitle(_legend("losses", ("━ D", "#6ea0ff"), ("━ G", "#e96900")), size="9pt")
        self.loss_d = self.loss_plot.plot(pen=pg.mkPen((110, 160, 255), width=1.5))
        self.loss_g = self.loss_plot.plot(pen=pg.mkPen(FAKE_BRUSH[:3], width=1.5))
        self.js_plot = self.addPlot(row=1, col=1)
        self.js_plot.setTitle("<span style='color: #d0d4da'>JS divergence real ↔ generated (bits)</span>", size="9pt")
        self.js_curve = self.js_plot.plot(pen=pg.mkPen((200, 140, 255), width=1.5))
        self.js_plot.setYRange(0, 1)
        for p in (self.loss_plot, self.js_plot):
            p.showGrid(x=True, y=True, alpha=0.15)
            p.setMenuEnabled(False)
        self.ci.layout.setRowStretchFactor(0, 3)
        self.ci.layout.setRowStretchFactor(1, 1)
        self._dim = 0
        self._legend_html = ""
        self.last_snapshot = None

    @property
    def legend(self):
        """The plane's legend (a text item in its title row)."""
        return self.plane.titleLabel.item

    def _set_legend(self, html: str) -> None:
        if html != self._legend_html:  # a new title re-lays the canvas out: only when the text changed
            self._legend_html = html
            self.plane.setTitle(html or " ", size="9pt")

    def to_array(self) -> np.ndarray:
        """What the canvas shows, as an (H, W, 3) uint8 array (PNG export, GIF recording). pyqtgraph's
        auto-range "A" button, shown while the mouse is over a plot, is left out of the picture."""
        from PySide6.QtGui import QImage

        plots = (self.plane, self.loss_plot, self.js_plot)
        for p in plots:
            p.autoBtn.hide()
        try:
            img = self.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
        finally:
            for p in plots:
                p.updateButtons()
        w, h, bpl = img.width(), img.height(), img.bytesPerLine()
        buf = np.frombuffer(img.constBits(), dtype=np.uint8, count=h * bpl).reshape(h, bpl)
        return buf[:, :w * 3].reshape(h, w, 3).copy()

    # -- drawing ---------------------------------------------------------------------------------------------
    def show_snapshot(self, s, history: dict, js: tuple[list, list]) -> None:
        """Draw snapshot ``s``; ``history``: the playground's loss history; ``js``: (steps, values)."""
        self.last_snapshot = s
        if s.dim != self._dim:
            self._set_dim(s.dim, s.extent)
        if s.dim == 2:
            self._show_2d(s)
        else:
            self._show_1d(s)
        steps = np.fromiter(history["step"], float)
        if len(steps):
            self.loss_d.setData(steps, np.fromiter(history["loss_d"], float))
            self.loss_g.setData(steps, np.fromiter(history["loss_g"], float))
        else:
            self.loss_d.setData([], [])
            self.loss_g.setData([], [])
        self.js_curve.setData(*js)

    def visible_extent(self) -> tuple[float, float, float, float] | None:
        """x0, x1, y0, y1 of what the plane shows (2D; None in 1D): where D's heatmap is computed."""
        if self._dim != 2:
            return None
        (x0, x1), (y0, y1) = self.box.viewRange()
        return float(x0), float(x1), float(y0), float(y1)

    def _set_dim(self, dim: int, extent) -> None:
        self._dim = dim
        x0, x1, y0, y1 = extent
        two = dim == 2
        for item in (self.heat, self.manifold, self.real, self.arrows, self.drawn):
            item.setVisible(two)
        for item in (self.mapping, self.real_density, self.fake_density, self.d_curve):
            item.setVisible(not two)
        self.plane.setAspectLocked(two)
        if two:
            self.plane.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
            self.plane.setLabels(bottom="x₁", left="x₂")
            self.bounds.setData([x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0])
        else:  # x fixed; y follows the curves (a density can peak above D's 0…1)
            self.plane.setRange(xRange=(x0, x1), padding=0)
            self.plane.enableAutoRange(y=True)
            self.plane.setLabels(bottom="x  (lines from below: z ~ U[−1, 1] mapped to x = G(z))", left="")
        self.apply_layers()

    def apply_layers(self) -> None:
        if self._dim == 2:
            for k, item in (("heatmap", self.heat), ("real", self.real), ("fake", self.fake),
                            ("gradients", self.arrows), ("manifold", self.manifold)):
                item.setVisible(self.layers[k])
        elif self._dim == 1:
            self.fake.setVisible(self.layers["fake"])
            self.mapping.setVisible(self.layers["manifold"] or self.layers["gradients"])
            self.real_density.setVisible(self.layers["real"])
            self.d_curve.setVisible(self.layers["heatmap"])
            self.fake_density.setVisible(self.layers["fake"])

    def _show_2d(self, s) -> None:
        x0, x1, y0, y1 = s.heat_extent or s.extent
        levels = (0.0, 1.0) if s.heat_label == "D(x)" else _centred_levels(s.heat)
        self.heat.setImage(s.heat.T, levels=levels, autoLevels=False)  # ImageItem takes [x, y]
        self.heat.setRect(x0, y0, x1 - x0, y1 - y0)
        self.real.setData(s.real[:, 0], s.real[:, 1])
        self.fake.setData(s.fake[:, 0], s.fake[:, 1])
        norms = np.linalg.norm(s.grad, axis=1)
        scale = ARROW_LENGTH / max(float(norms.max()) if len(norms) else 0.0, 1e-12)
        tips = s.fake + s.grad * scale
        seg = np.empty((2 * len(s.fake), 2))
        seg[0::2], seg[1::2] = s.fake, tips
        self.arrows.setData(seg[:, 0], seg[:, 1], connect="pairs")
        if s.manifold is not None:
            k = s.manifold.shape[0]
            lines = np.concatenate([s.manifold, s.manifold.transpose(1, 0, 2)]).reshape(-1, 2)
            connect = np.ones(len(lines), dtype=bool)
            connect[k - 1::k] = False  # break between grid lines
            self.manifold.setData(lines[:, 0], lines[:, 1], connect=connect)
        lo, hi = float(np.min(s.heat)), float(np.max(s.heat))
        self._set_legend(_legend(f"{s.heat_label}: <span style='color:#5b8cff'>■</span> {lo:.2f} … "
                                 f"<span style='color:#ff5b5b'>■</span> {hi:.2f}",
                                 ("◉ real", "#d8d8d8"), ("● generated", "#ff8a2a")))

    def _show_1d(self, s) -> None:
        x0, x1, _, _ = s.extent
        xs = np.linspace(x0, x1, len(s.heat))
        peak = max(float(np.max(s.real_density)), float(np.max(s.fake_density)), 1e-9)
        self.real_density.setData(xs, s.real_density / peak)
        self.fake_density.setData(xs, s.fake_density / peak)
        d = s.heat if s.heat_label == "D(x)" else _unit(s.heat)
        self.d_curve.setData(xs, d)
        self.fake.setData(s.fake, np.zeros_like(s.fake) - 0.02)
        z_line = s.manifold[:, 0] * (x1 - x0) * 0.4  # z ∈ [−1, 1] shown on the lower line
        seg = np.empty((2 * len(z_line), 2))
        seg[0::2, 0], seg[0::2, 1] = z_line, -0.4
        seg[1::2, 0], seg[1::2, 1] = s.manifold[:, 1], -0.02
        self.mapping.setData(seg[:, 0], seg[:, 1], connect="pairs")
        self._set_legend(_legend("", ("··· data density", "#ebebeb"), ("— G's density", "#3cc864"),
                                 (f"- - {s.heat_label}" + ("" if s.heat_label == "D(x)" else " (scaled to 0…1)"),
                                  "#6ea0ff")))

    def show_drawn(self, points: list[tuple[float, float]], visible: bool) -> None:
        pts = np.asarray(points, dtype=float).reshape(-1, 2)
        self.drawn.setData(pts[:, 0], pts[:, 1])
        self.drawn.setVisible(visible and self._dim != 1)
        self.bounds.setVisible(visible and self._dim != 1)

    def clear_plane(self, extent) -> None:
        """An empty plane (nothing to train yet: e.g. a drawing with too few points)."""
        if self._dim != 2:
            self._set_dim(2, extent)
        for item in (self.real, self.fake):
            item.setData([], [])
        self.arrows.setData([], [])
        self.manifold.setData([], [])
        self.heat.clear()
        self._set_legend("")
        self.bounds.setData([extent[0], extent[1], extent[1], extent[0], extent[0]],
                            [extent[2], extent[2], extent[3], extent[3], extent[2]])
        self.loss_d.setData([], [])
        self.loss_g.setData([], [])
        self.js_curve.setData([], [])


def _centred_levels(heat: np.ndarray) -> tuple[float, float]:
    """Levels for an unbounded critic: symmetric around its median, so white marks its middle value."""
    mid = float(np.median(heat))
    half = max(float(np.max(np.abs(heat - mid))), 1e-6)
    return mid - half, mid + half


def _unit(v: np.ndarray) -> np.ndarray:
    lo, hi = float(np.min(v)), float(np.max(v))
    return (v - lo) / max(hi - lo, 1e-9)


def _legend(head: str, *entries: tuple[str, str]) -> str:
    """A one-line legend for a title row: ``head`` then (text, colour) entries."""
    items = "&nbsp;&nbsp;".join(f"<span style='color:{c}'>{t}</span>" for t, c in entries)
    return f"<span style='color: #d0d4da'>{head}{'&nbsp;&nbsp;' if head else ''}{items}</span>"
