"""Live training curves (pyqtgraph): one plot per family of metrics, stacked in a splitter the user resizes,
with a shared x axis (step, relative time or wall time), smoothing, log scale, overlays of other runs, and a
menu of which plots to show. Fluid at a million points: numpy buffers, incremental smoothing, peak
downsampling and clip-to-view (pyqtgraph's scrollingPlots example), and redraws only when data changed."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QLabel, QMenu, QPushButton,
                               QSplitter, QToolButton, QVBoxLayout, QWidget)
from superqt import QLabeledDoubleSlider

from .. import theme
from ..rundata import RunData
from .curve_drawing import draw_curve, new_curve, new_plot, set_bottom_axis
from .curve_parts import X_LABELS, X_MODES, Curve, PlotBox, is_sparse, legend_html, nice_ceiling

__all__ = ["CurvesPanel", "nice_ceiling"]


class CurvesPanel(QWidget):
    """Plots every metric of the shown run (solid) and of overlaid runs (dashed)."""

    REFRESH_MS = 400  # redraws cost GUI time that, on a 2-core laptop, training would otherwise use

    sig_settings_changed = Signal(float, bool)
    """(smoothing, log scale) after the user changed them, for persisting."""
    sig_view_changed = Signal()
    """The user hid or showed a plot or chose another x axis (``hidden_plots``, ``x_mode``), for persisting."""

    def __init__(self, parent: QWidget | None = None, smoothing: float = 0.6, log_y: bool = False,
                 hidden: tuple[str, ...] | list[str] = (), x_mode: str = "step"):
        super().__init__(parent)
        self._primary: RunData | None = None
        self._overlays: list[RunData] = []
        self._plots: dict[str, pg.PlotItem] = {}  # plots that have curves, in the order they appeared
        self._boxes: dict[str, PlotBox] = {}
        self._curves: dict[tuple[int, str], Curve] = {}
        self.hidden_plots: set[str] = {h for h in hidden if h in theme.PLOTS}
        self.x_mode = x_mode if x_mode in X_MODES else "step"
        self._dirty = True
        self._queue: list[str | None] = []
        self._follow, self._x_hi = True, 0.0
        self._master: pg.PlotItem | None = None
        self._shown: list[str] = []  # the plots the splitter shows

        self.smoothing = QLabeledDoubleSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0.0, 0.99)
        self.smoothing.setDecimals(2)
        self.smoothing.setValue(smoothing)
        self.smoothing.setToolTip("Exponential moving average of the curves (TensorBoard's smoothing); "
                                  "the raw values stay visible, faint. Evaluations are drawn as measured.")
        self.smoothing.setMaximumWidth(200)
        self.log_y = QCheckBox("Log scale")
        self.log_y.setChecked(log_y)
        self.log_y.setToolTip("Logarithmic y axes (L)")
        self.reset_btn = QPushButton("Fit")
        self.reset_btn.setToolTip("Zoom to fit all points and follow new ones again (Ctrl+0)")
        self.reset_btn.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.reset_btn.setMinimumWidth(0)
        self.reset_btn.setStyleSheet("padding: 3px 10px;")
        self.plots_btn = QToolButton()
        self.plots_btn.setText("Plots")
        self.plots_btn.setToolTip("Which plots to show, and the x axis: step, seconds since each run started "
                                  "(compares runs of different speeds) or wall-clock time. Drag the lines "
                                  "between plots to resize them.")
        self.plots_btn.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.plots_btn.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.plots_menu = QMenu(self)
        self.plots_menu.setToolTipsVisible(True)
        self.plots_menu.addSection("Show")
        self.plot_actions: dict[str, QAction] = {}
        for name in theme.PLOTS:
            act = self.plots_menu.addAction(name)
            act.setCheckable(True)
            act.setChecked(name not in self.hidden_plots)
            act.setToolTip(theme.PLOT_HELP.get(name, ""))
            act.toggled.connect(lambda on, n=name: self.set_plot_visible(n, on))
            self.plot_actions[name] = act
        self.plots_menu.addSection("X axis")
        group = QActionGroup(self)
        self.x_actions: dict[str, QAction] = {}
        for key, text in X_MODES.items():
            act = self.plots_menu.addAction(text)
            act.setCheckable(True)
            act.setChecked(key == self.x_mode)
            act.setActionGroup(group)
            act.triggered.connect(lambda _=False, k=key: self.set_x_mode(k))
            self.x_actions[key] = act
        self.plots_btn.setMenu(self.plots_menu)
        self.points_label = QLabel("")
        self.points_label.setObjectName("muted")
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 4, 8, 0)
        bar.addWidget(QLabel("Smoothing"))
        bar.addWidget(self.smoothing)
        bar.addSpacing(8)
        bar.addWidget(self.log_y)
        bar.addWidget(self.plots_btn)
        bar.addWidget(self.reset_btn)
        bar.addStretch(1)
        bar.addWidget(self.points_label)

        self.canvas = QSplitter(Qt.Orientation.Vertical)
        self.canvas.setChildrenCollapsible(False)
        self.canvas.setHandleWidth(5)
        for name in theme.PLOTS:  # built now (a few ms each), shown when their first curve arrives
            box = self._boxes[name] = PlotBox(new_plot(name, self.log_y.isChecked(), self.x_mode,
                                                       self._on_manual_range, self._on_plot_resized))
            box.hide()
            self.canvas.addWidget(box)
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
        self._plots.clear()
        self._curves.clear()
        self._relayout()
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

    def set_plot_visible(self, name: str, on: bool) -> None:
        """Show or hide the plot ``name`` (it keeps its curves while hidden; persisted by the window)."""
        if (name not in self.hidden_plots) == on:
            return
        (self.hidden_plots.discard if on else self.hidden_plots.add)(name)
        act = self.plot_actions[name]
        if act.isChecked() != on:
            act.setChecked(on)
        self._relayout()
        for c in self._curves.values():
            if c.plot == name:
                c.drawn = ()
        self._dirty = True
        self.refresh()
        self.sig_view_changed.emit()

    def set_x_mode(self, mode: str) -> None:
        """"step", "relative" (seconds since each run started) or "wall" (wall-clock time)."""
        if mode not in X_MODES or mode == self.x_mode:
            return
        self.x_mode = mode
        self.x_actions[mode].setChecked(True)
        for plot in self._boxes.values():
            set_bottom_axis(plot.plotItem, self.x_mode)
        for c in self._curves.values():
            c.drawn = ()
        self._relayout()
        self._dirty = True
        self.refresh()
        self.fit()
        self.sig_view_changed.emit()

    def toggle_log(self) -> None:
        self.log_y.toggle()

    def plot_names(self) -> list[str]:
        """The plots that have curves, in the order they appeared (hidden ones included)."""
        return list(self._plots)

    def visible_plots(self) -> list[str]:
        return [p for p in theme.PLOTS if p in self._plots and p not in self.hidden_plots]

    def plot(self, name: str) -> pg.PlotItem:
        return self._boxes[name].plotItem

    def legend_text(self, name: str) -> str:
        return self._boxes[name].legend_text

    def curve_data(self, key: str, run: RunData | None = None) -> tuple[np.ndarray, np.ndarray]:
        """What the curve of ``key`` currently shows (smoothed unless sparse; for tests and export)."""
        run = run or self._primary
        c = self._curves.get((id(run), key))
        if c is None:
            return np.empty(0), np.empty(0)
        return c.x, c.y

    def is_sparse(self, key: str, run: RunData | None = None) -> bool:
        c = self._curves.get((id(run or self._primary), key))
        return bool(c and c.sparse)

    # -- the x axis ----------------------------------------------------------------------------------------
    def _follow_x(self) -> None:
        """Grow the x axis in jumps (1-2-5 steps) rather than every frame, so axes repaint rarely."""
        master = self._master
        if master is None or not self._follow:
            return
        shown = [c for c in self._curves.values() if c.x.size and c.plot not in self.hidden_plots]
        if not shown:
            return
        lo = 0.0 if self.x_mode != "wall" else min(float(c.x[0]) for c in shown)
        span = max(float(c.x[-1]) for c in shown) - lo
        floor = 10.0 if self.x_mode == "step" else 1.0
        if lo + span > self._x_hi or self._x_hi - lo > 4 * max(span, floor):
            self._x_hi = lo + nice_ceiling(max(span * 1.25, floor))
            master.setXRange(lo, self._x_hi, padding=0.01)

    def _on_manual_range(self, *_):
        self._follow = False

    def _on_plot_resized(self, vb: pg.ViewBox) -> None:
        """A plot the splitter has just laid out lines its x axis up with the top plot again (pyqtgraph only
        re-syncs a linked plot when the plot it follows resizes)."""
        master = self._master
        if master is not None and vb is not master.vb and vb.linkedView(pg.ViewBox.XAxis) is master.vb:
            vb.linkedViewChanged(master.vb, pg.ViewBox.XAxis)

    # -- drawing -------------------------------------------------------------------------------------------
    def _on_settings(self, *_):
        for plot in self._plots.values():
            plot.setLogMode(y=self.log_y.isChecked())
        self._dirty = True
        self.refresh()
        self.sig_settings_changed.emit(float(self.smoothing.value()), self.log_y.isChecked())

    def _plot_for(self, name: str) -> pg.PlotItem:
        plot = self._plots.get(name)
        if plot is None:
            plot = self._plots[name] = self._boxes[name].plotItem
            plot.setLogMode(y=self.log_y.isChecked())
            self._relayout()
        return plot

    def _relayout(self) -> None:
        """Show the plots that have curves and are not hidden, x-linked to the top one, one x axis at the bottom."""
        order = self.visible_plots()
        if order != self._shown:  # a plot came or went: share the height out again
            self._shown = order
            total = max(self.canvas.height(), 80 * len(order))
            self.canvas.setSizes([total // len(order) if n in order else 0 for n in self._boxes] if order else [])
        old = self._master
        old_range = old.vb.viewRange()[0] if old is not None else None
        for name, box in self._boxes.items():
            box.plotItem.setXLink(None)  # drop old links first: a new top plot must not end up in a cycle
            box.setVisible(name in order)
        master = self._plots[order[0]] if order else None
        for k, name in enumerate(order):
            plot = self._plots[name]
            last = k == len(order) - 1
            plot.setLabel("bottom", X_LABELS[self.x_mode] if last else None)  # (this shows the axis)
            plot.showAxis("bottom", last)  # one x axis for the stack: fewer axes to redraw as x grows
            if plot is not master:
                plot.setXLink(master)
        self._master = master
        if master is not None and master is not old:
            if self._follow or old_range is None:
                self._x_hi = 0.0
                self._follow_x()
            else:
                master.setXRange(*old_range, padding=0)
        self._update_legends()

    def _update_legends(self) -> None:
        names = [r.name for r in self._overlays]
        for name in self._plots:
            curves = [c for c in self._curves.values() if c.plot == name]
            overlaid = [n for n, r in zip(names, self._overlays) if any(c.run is r for c in curves)]
            text = legend_html(name, [c for c in curves if not c.overlay] or curves, overlaid)
            if text != self._boxes[name].legend_text:
                self._boxes[name].set_legend(text)

    def _curve_for(self, run: RunData, key: str, overlay: bool) -> Curve:
        c = self._curves.get((id(run), key))
        if c is not None:
            return c
        style = theme.metric_style(key)
        plot = self._plot_for(style.plot)
        c = self._curves[(id(run), key)] = new_curve(plot, run, key, style, overlay)
        self._update_legends()
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
            self._queue = self.visible_plots() or [None]
        self._update(self._queue.pop(0))

    def _update(self, only: str | None) -> None:
        alpha = float(self.smoothing.value())
        total = 0
        legends = False
        for i, run in enumerate(self._runs()):
            densest = max((s.n for k, s in run.series.items() if k not in theme.HIDDEN), default=0)
            for key, s in list(run.series.items()):
                if key in theme.HIDDEN or s.n == 0:
                    continue
                total += s.n
                plot = theme.metric_style(key).plot
                if only is not None and plot != only and (id(run), key) in self._curves:
                    continue
                c = self._curve_for(run, key, overlay=i > 0)
                if plot in self.hidden_plots:
                    continue
                sparse = is_sparse(key, s, densest) and not c.stepped
                clocks = (run.clock.n, run.wall_clock.n) if self.x_mode != "step" else ()  # time axes only
                state = (s.n, s.version, alpha, self.x_mode, sparse, clocks)
                if c.drawn == state:
                    continue
                c.drawn = state
                if sparse != c.sparse:
                    c.set_sparse(sparse)
                    legends = True
                draw_curve(c, s, alpha, self.x_mode)
        if legends:
            self._update_legends()
        self._follow_x()
        has = bool(self._curves)
        self.canvas.setVisible(has)
        self.empty.setVisible(not has)
        self.points_label.setText(f"{total:,} points" if total else "")

    def _runs(self) -> list[RunData]:
        return ([self._primary] if self._primary else []) + self._overlays
