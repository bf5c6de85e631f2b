"""How the curves panel draws: a plot set up for speed (peak downsampling, clip-to-view, cached axes and title),
its bottom axis for the chosen x (steps or wall-clock dates), a run's metric as a trend line over its faint raw
values, and each redraw of one curve (held settings as steps, sparse evaluations as measured, the rest smoothed).
Kept apart from curves.py, which decides what to draw and when."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsItem

from .. import theme
from ..rundata import RunData
from .curve_parts import Curve, set_stepped, x_values


def set_bottom_axis(plot: pg.PlotItem, x_mode: str) -> None:
    axis = pg.DateAxisItem() if x_mode == "wall" else pg.AxisItem("bottom")
    plot.setAxisItems({"bottom": axis})
    axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def new_plot(name: str, log_y: bool, x_mode: str, on_manual_range, on_resized) -> pg.PlotItem:
    """The plot of ``name``; ``on_manual_range`` hears the user zoom or pan, ``on_resized`` its view resize."""
    plot = pg.PlotItem()
    plot.showGrid(x=True, y=True, alpha=0.15)
    plot.setDownsampling(auto=True, mode="peak")
    plot.setClipToView(True)
    plot.setLogMode(y=log_y)
    # x is never auto-ranged: the panel sets it for the whole stack. A plot left on auto would fit its own
    # points, and through the link drag every plot to it (one evaluation point: a 1-step-wide axis).
    plot.enableAutoRange(x=False, y=True)
    plot.setMenuEnabled(True)
    plot.vb.sigRangeChangedManually.connect(on_manual_range)
    plot.vb.sigResized.connect(on_resized)
    plot.getAxis("left").setWidth(48)
    set_bottom_axis(plot, x_mode)
    # Axes and titles redraw only when their range or text change, not on every frame: replaying their
    # text costs more than drawing the curves.
    for item in (plot.getAxis("left"), plot.titleLabel):
        item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    plot.setTitle(f"<b style='color:{theme.TEXT}'>{name}</b>", size="9pt", justify="left")
    help_text = theme.PLOT_HELP.get(name, "")
    if help_text:
        plot.setToolTip(help_text)
    return plot


def new_curve(plot: pg.PlotItem, run: RunData, key: str, style, overlay: bool) -> Curve:
    """The curve of ``run``'s metric ``key`` in ``plot``: solid for the shown run, dashed for an overlaid one."""
    color = pg.mkColor(style.color)
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
    item = plot.plot(pen=pen)
    for it, method in ((raw, "peak"), (item, "mean")):  # raw keeps its spikes; the trend stays a clean line
        it.opts["autoDownsampleFactor"] = 1.0  # one bin per pixel column (pyqtgraph's default: 5)
        it.setDownsampling(auto=True, method=method)
        it.setClipToView(True)
    c = Curve(run, key, style.plot, item, raw, overlay)
    if style.stepped:
        set_stepped(c)
    return c


def draw_curve(c: Curve, s, alpha: float, x_mode: str) -> None:
    """Put series ``s`` into curve ``c``, smoothed by ``alpha`` unless stepped or sparse, on the ``x_mode`` axis."""
    x = x_values(c.run, s.x, x_mode)
    if x.size != s.n:  # no clock for this axis (an old run without wall times): nothing to place
        c.x = c.y = np.empty(0)
        c.item.setData([], [])
        c.raw.setData([], [])
        return
    c.x = x
    if c.stepped:  # a setting of the run, as logged: each value held over its window
        c.y = s.y
        c.item.setData(x, c.y, stepMode="left")
        return
    if c.sparse:  # measured values as they are, joined by a thin line
        c.y = s.y
        c.item.setData(x, c.y)
        return
    if alpha > 0:
        c.raw.setData(x, s.y)
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
    c.item.setData(x, c.y)
