"""Live training curves (pyqtgraph): one plot per family of metrics, shared step axis, smoothing, log
scale, overlays of other runs. Fluid at a million points: numpy buffers, incremental smoothing, peak
downsampling and clip-to-view (pyqtgraph's scrollingPlots example), and redraws only when data changed."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QGraphicsItem, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget
from superqt import QLabeledDoubleSlider

from .. import theme
from ..rundata import RunData, Series, ema


def nice_ceiling(x: float) -> float:
    """The smallest 1, 2 or 5 × 10^k at or above x."""
    if x <= 0:
        return 1.0
    exp = math.floor(math.log10(x))
    for m in (1, 2, 5, 10):
        if m * 10 ** exp >= x:
            return float(m * 10 ** exp)
    return float(10 ** (exp + 1))


@dataclass
class _Smoothed:
    alpha: float
    version: int
    n: int
    out: Series
    state: tuple[float, int]


class _Curve:
    def __init__(self, run: RunData, key: str, item: pg.PlotDataItem, raw: pg.PlotDataItem):
        self.run, self.key, self.item, self.raw = run, key, item, raw
        self.cache: _Smoothed | None = None
        self.x = self.y = np.empty(0)  # what was last given to the item (before pyqtgraph clips/downsamples)
        self.drawn = (-1, -1, -1.0)  # (n, version, alpha) last pushed to the items
        self.sparse = False  # evaluations: drawn as they are, with markers

    def smoothed(self, s: Series, alpha: float) -> np.ndarray:
        c = self.cache
        if c is None or c.alpha != alpha or c.version != s.version or c.n > s.n:
            c = self.cache = _Smoothed(alpha, s.version, 0, Series(max(1024, s.n)), (0.0, 0))
        if c.n < s.n:
            y, c.state = ema(s.y[c.n:], alpha, c.state)
            c.out.extend(s.x[c.n:], y)
            c.n = s.n
        return c.out.y


class CurvesPanel(QWidget):
    """Plots every metric of the shown run (solid) and of overlaid runs (dashed)."""

    REFRESH_MS = 400  # redraws cost GUI time that, on a 2-core laptop, training would otherwise use

    sig_settings_changed = Signal(float, bool)
    """(smoothing, log scale) after the user changed them, for persisting."""

    def __init__(self, parent: QWidget | None = None, smoothing: float = 0.6, log_y: bool = False):
        super().__init__(parent)
        self._primary: RunData | None = None
        self._overlays: list[RunData] = []
        self._plots: dict[str, pg.PlotItem] = {}
        self._spare: dict[str, pg.PlotItem] = {}
        self._curves: dict[tuple[int, str], _Curve] = {}
        self._dirty = True
        self._queue: list[str | None] = []
        self._follow, self._x_hi, self._setting_range = True, 0.0, False

        self.smoothing = QLabeledDoubleSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0.0, 0.99)
        self.smoothing.setDecimals(2)
        self.smoothing.setValue(smoothing)
        self.smoothing.setToolTip("Exponential moving average of the curves (TensorBoard's smoothing); "
                                  "the raw values stay visible, faint")
        self.smoothing.setMaximumWidth(220)
        self.log_y = QCheckBox("Log scale")
        self.log_y.setChecked(log_y)
        self.log_y.setToolTip("Logarithmic y axes (L)")
        self.reset_btn = QPushButton("Fit")
        self.reset_btn.setToolTip("Zoom to fit all points and follow new ones again (Ctrl+0)")
        self.reset_btn.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.points_label = QLabel("")
        self.points_label.setObjectName("muted")
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 4, 8, 0)
        bar.addWidget(QLabel("Smoothing"))
        bar.addWidget(self.smoothing)
        bar.addSpacing(12)
        bar.addWidget(self.log_y)
        bar.addWidget(self.reset_btn)
        bar.addStretch(1)
        bar.addWidget(self.points_label)

        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.ci.setSpacing(6)
        self.empty = QLabel("Curves appear here as the run trains.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setObjectName("muted")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(bar)
        lay.addWidget(self.canvas, 1)
        lay.addWidget(self.empty, 1)
        self.canvas.hide()

        for name in theme.PLOTS:  # built now (a few ms each), shown when their first curve arrives
            self._spare[name] = self._new_plot(name)

        self.smoothing.valueChanged.connect(self._on_settings)
        self.log_y.toggled.connect(self._on_settings)
        self.reset_btn.clicked.connect(self.fit)
        self._timer = QTimer(self)
        self._timer.setInterval(self.REFRESH_MS // 3)  # each plot at most 2.5×/s, only when something changed
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    # -- public --------------------------------------------------------------------------------------------
    def set_runs(self, primary: RunData | None, overlays: list[RunData] = ()) -> None:
        self._primary = primary
        self._overlays = [r for r in overlays if r is not primary]
        for plot in self._plots.values():
            plot.clear()
            plot.setXLink(None)
            if plot.legend is not None:
                plot.legend.clear()
        self.canvas.ci.clear()
        self._spare.update(self._plots)  # reused for the next run
        self._plots.clear()
        self._curves.clear()
        self._dirty = True
        self.refresh()
        self.fit()

    def mark_dirty(self) -> None:
        self._dirty = True

    def fit(self) -> None:
        """Show everything and follow new points again (after the user zoomed or panned)."""
        self._follow, self._x_hi = True, 0.0
        for plot in self._plots.values():
            plot.enableAutoRange(y=True)
        self._follow_x()

    def _follow_x(self) -> None:
        """Grow the step axis in jumps (1-2-5 steps) rather than every frame, so axes repaint rarely."""
        first = self._first_plot()
        if first is None or not self._follow:
            return
        x_max = max((s.x[-1] for r in self._runs() for s in r.series.values() if s.n), default=0.0)
        if x_max > self._x_hi or self._x_hi > 4 * max(x_max, 10):
            self._x_hi = nice_ceiling(max(x_max * 1.25, 10))
            self._setting_range = True
            first.setXRange(0, self._x_hi, padding=0.01)
            self._setting_range = False

    def _first_plot(self) -> pg.PlotItem | None:
        return next((self._plots[p] for p in theme.PLOTS if p in self._plots), None)

    def _runs(self) -> list[RunData]:
        return ([self._primary] if self._primary else []) + self._overlays

    def _on_manual_range(self, *_):
        self._follow = False

    def toggle_log(self) -> None:
        self.log_y.toggle()

    def plot_names(self) -> list[str]:
        return list(self._plots)

    def curve_data(self, key: str, run: RunData | None = None) -> tuple[np.ndarray, np.ndarray]:
        """What the smoothed curve of ``key`` currently shows (for tests and export)."""
        run = run or self._primary
        c = self._curves.get((id(run), key))
        if c is None:
            return np.empty(0), np.empty(0)
        return c.x, c.y

    # -- drawing -------------------------------------------------------------------------------------------
    def _on_settings(self, *_):
        for plot in self._plots.values():
            plot.setLogMode(y=self.log_y.isChecked())
        self._dirty = True
        self.refresh()
        self.sig_settings_changed.emit(float(self.smoothing.value()), self.log_y.isChecked())

    def _plot_for(self, name: str) -> pg.PlotItem:
        plot = self._plots.get(name)
        if plot is not None:
            return plot
        plot = self._spare.pop(name, None) or self._new_plot(name)
        plot.setLogMode(y=self.log_y.isChecked())
        self._plots[name] = plot
        self._relayout()
        return plot

    def _new_plot(self, name: str) -> pg.PlotItem:
        plot = pg.PlotItem()
        plot.setTitle(f"<span style='color:{theme.TEXT}'>{name}</span>", size="10pt", justify="left")
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.setDownsampling(auto=True, mode="peak")
        plot.setClipToView(True)
        plot.setLogMode(y=self.log_y.isChecked())
        plot.addLegend(offset=(-8, 8), labelTextColor=theme.TEXT, brush=pg.mkBrush(26, 29, 34, 200),
                       colCount=2 if name == "Scores" else 1)  # up to four scores in a short plot
        plot.setMenuEnabled(True)
        plot.vb.sigRangeChangedManually.connect(self._on_manual_range)
        plot.getAxis("left").setWidth(48)
        # Axes and legends redraw only when their range or entries change, not on every frame: replaying
        # their text costs more than drawing the curves.
        for item in (plot.getAxis("left"), plot.getAxis("bottom"), plot.legend, plot.titleLabel):
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        help_text = theme.PLOT_HELP.get(name, "")
        if help_text:
            plot.setToolTip(help_text)
        return plot

    def _relayout(self) -> None:
        self.canvas.ci.clear()
        order = [p for p in theme.PLOTS if p in self._plots]
        for name in order:  # drop old links first: a new top plot must not end up linked in a cycle
            self._plots[name].setXLink(None)
        first = None
        for row, name in enumerate(order):
            plot = self._plots[name]
            self.canvas.ci.addItem(plot, row=row, col=0)
            last = row == len(order) - 1
            plot.showAxis("bottom", last)  # one step axis for the stack: fewer axes to redraw as x grows
            plot.setLabel("bottom", "step" if last else None)
            if first is None:
                first = plot
                plot.enableAutoRange(x=False)
            else:
                plot.setXLink(first)

    def _curve_for(self, run: RunData, key: str, overlay: bool) -> _Curve:
        c = self._curves.get((id(run), key))
        if c is not None:
            return c
        style = theme.metric_style(key)
        plot = self._plot_for(style.plot)
        color = pg.mkColor(style.color)
        name = f"{run.name} · {style.label}" if overlay else style.label
        if overlay:
            pen = pg.mkPen(color, width=1.5, style=Qt.PenStyle.DashLine)
        else:
            pen = pg.mkPen(color, width=1.8)
        faint = pg.mkColor(style.color)
        faint.setAlpha(60 if not overlay else 35)
        # The raw values are noisy and faint: drawn as plain 1-px segments (a noisy antialiased path costs
        # Qt's raster engine 10-20× more, and the aliasing is invisible at this opacity).
        raw = plot.plot(pen=pg.mkPen(faint, width=1), antialias=False)
        raw.curve.setSegmentedLineMode("on")
        if style.sparse:  # evaluations: a handful of points, each worth seeing
            item = plot.plot(pen=pen, name=name, symbol="o", symbolSize=5, symbolPen=None,
                             symbolBrush=pg.mkBrush(style.color))
            raw.hide()
            c = self._curves[(id(run), key)] = _Curve(run, key, item, raw)
            c.sparse = True
            return c
        item = plot.plot(pen=pen, name=name)
        for it, method in ((raw, "peak"), (item, "mean")):  # raw keeps its spikes; the trend stays a clean line
            it.opts["autoDownsampleFactor"] = 1.0  # one bin per pixel column (pyqtgraph's default: 5)
            it.setDownsampling(auto=True, method=method)
            it.setClipToView(True)
        c = self._curves[(id(run), key)] = _Curve(run, key, item, raw)
        return c

    def refresh(self) -> None:
        """Bring every curve up to date now."""
        if not self._dirty or not self.isVisible() and self._curves:
            return
        self._dirty = False
        self._queue = []
        self._update(None)

    def _tick(self) -> None:
        """Timer: one plot per tick, in turn, so each repaint covers one plot rather than the whole stack (the
        GUI thread never blocks for a full-canvas redraw while training fills the cores)."""
        if not self.isVisible():
            return
        if not self._queue:
            if not self._dirty:
                return
            self._dirty = False
            self._queue = [p for p in theme.PLOTS if p in self._plots] or [None]
        self._update(self._queue.pop(0))

    def _update(self, only: str | None) -> None:
        runs = self._runs()
        alpha = float(self.smoothing.value())
        total = 0
        for i, run in enumerate(runs):
            for key, s in list(run.series.items()):
                if key in theme.HIDDEN or s.n == 0:
                    continue
                total += s.n
                if only is not None and theme.metric_style(key).plot != only and (id(run), key) in self._curves:
                    continue
                c = self._curve_for(run, key, overlay=i > 0)
                state = (s.n, s.version, alpha)
                if c.drawn == state:
                    continue
                c.drawn = state
                c.x = s.x
                if c.sparse:
                    c.y = s.y
                    c.item.setData(c.x, c.y)
                    continue
                if alpha > 0:
                    c.raw.setData(s.x, s.y)
                    c.raw.show()
                    c.y = c.smoothed(s, alpha)
                else:
                    c.raw.hide()
                    c.y = s.y
                noisy = alpha == 0  # unsmoothed: the cheap way to draw, as for the raw curves
                if c.item.curve.opts["antialias"] == noisy:
                    c.item.curve.opts["antialias"] = not noisy
                    c.item.curve.setSegmentedLineMode("on" if noisy else "auto")
                    c.item.setDownsampling(auto=True, method="peak" if noisy else "mean")
                c.item.setData(c.x, c.y)
        self._follow_x()
        has = bool(self._curves)
        self.canvas.setVisible(has)
        self.empty.setVisible(not has)
        self.points_label.setText(f"{total:,} points" if total else "")
