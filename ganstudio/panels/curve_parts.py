"""The pieces the curves panel is built from: one curve's cached smoothing, the x axis choices (step,
relative time, wall time, as in TensorBoard), the legend written into each plot's title row (above the
data, never over it, with every entry), and when a series counts as sparse."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg

from .. import theme
from ..rundata import RunData, Series, ema

X_MODES = {"step": "Step", "relative": "Relative time", "wall": "Wall time"}
X_LABELS = {"step": "step", "relative": "seconds since the run started", "wall": ""}
SPARSE_RATIO = 8  # a series with this many times fewer points than its run's densest is drawn as points


def nice_ceiling(x: float) -> float:
    """The smallest 1, 2 or 5 × 10^k at or above x."""
    if x <= 0:
        return 1.0
    exp = math.floor(math.log10(x))
    for m in (1, 2, 5, 10):
        if m * 10 ** exp >= x:
            return float(m * 10 ** exp)
    return float(10 ** (exp + 1))


def is_sparse(key: str, s: Series, densest: int) -> bool:
    """Evaluations, and any series logged far more rarely than the losses (the pixel-statistics proxy, measured
    once per sample grid): smoothing a handful of far-apart points draws a trend that was never measured."""
    return theme.metric_style(key).sparse or (densest >= 4 * SPARSE_RATIO and s.n * SPARSE_RATIO <= densest)


def x_values(run: RunData, steps: np.ndarray, mode: str) -> np.ndarray:
    """The x of each point: its step, or the run's clock at that step (seconds since the start, or wall-clock
    seconds), interpolated from the logged (step, time) pairs. Empty when the run logged no such clock."""
    if mode == "step":
        return steps
    clock = run.clock if mode == "relative" else run.wall_clock
    if clock.n == 0:
        return np.empty(0)
    return np.interp(steps, clock.x, clock.y)


@dataclass
class Smoothed:
    alpha: float
    version: int
    n: int
    out: Series
    state: tuple[float, int]


class Curve:
    """One metric of one run: its item (smoothed, or points for a sparse series) and its faint raw values."""

    def __init__(self, run: RunData, key: str, plot: str, item: pg.PlotDataItem, raw: pg.PlotDataItem,
                 overlay: bool):
        self.run, self.key, self.plot, self.item, self.raw, self.overlay = run, key, plot, item, raw, overlay
        self.cache: Smoothed | None = None
        self.x = self.y = np.empty(0)  # what was last given to the item (before pyqtgraph clips/downsamples)
        self.drawn: tuple = ()  # what was last pushed to the items: (n, version, alpha, x mode, sparse)
        self.sparse = False  # drawn as measured, points joined by a thin line
        self.stepped = False  # drawn as logged, each value held over its logging window (no smoothing)

    def smoothed(self, s: Series, alpha: float) -> np.ndarray:
        c = self.cache
        if c is None or c.alpha != alpha or c.version != s.version or c.n > s.n:
            c = self.cache = Smoothed(alpha, s.version, 0, Series(max(1024, s.n)), (0.0, 0))
        if c.n < s.n:
            y, c.state = ema(s.y[c.n:], alpha, c.state)
            c.out.extend(s.x[c.n:], y)
            c.n = s.n
        return c.out.y

    def set_sparse(self, on: bool) -> None:
        """Points with markers and no smoothing (on), or a smoothed line over faint raw values (off)."""
        self.sparse = on
        color = theme.metric_style(self.key).color
        if on:
            self.raw.hide()
            self.item.setSymbol("o")
            self.item.setSymbolSize(5)
            self.item.setSymbolPen(None)
            self.item.setSymbolBrush(pg.mkBrush(color))
            self.item.setDownsampling(ds=1, auto=False)
            self.item.setClipToView(False)
        else:
            self.item.setSymbol(None)
            self.item.setDownsampling(auto=True, method="mean")
            self.item.setClipToView(True)


def set_stepped(c: Curve) -> None:
    """Draw ``c`` as steps: each logged value held over the window it was logged for (the run's resolution and α),
    without smoothing or the faint raw line."""
    c.stepped = True
    c.raw.hide()
    c.item.setDownsampling(ds=1, auto=False)
    c.item.setClipToView(False)


def legend_html(name: str, curves: list[Curve], overlay_names: list[str]) -> str:
    """A plot's title row: its name, then one coloured entry per metric (━ a line, ● measured points) and one
    per overlaid run (dashed). Written above the data, so it never hides a point and never drops an entry."""
    seen: dict[str, Curve] = {}
    for c in curves:
        seen.setdefault(c.key, c)
    parts = [f"<b style='color:{theme.TEXT}'>{html.escape(name)}</b>"]
    for key, c in seen.items():
        style = theme.metric_style(key)
        mark = "●" if c.sparse else "━"
        parts.append(f"<span style='color:{style.color}'>{mark}&nbsp;{html.escape(style.label)}</span>")
    if overlay_names:
        runs = ", ".join(html.escape(n) for n in overlay_names)
        parts.append(f"<span style='color:{theme.MUTED}'>╌ dashed: {runs}</span>")
    return "&nbsp;&nbsp; ".join(parts)


def set_title(plot: pg.PlotItem, text: str, width: float) -> None:
    """Write ``text`` into the plot's title row, wrapped to ``width`` pixels (a long legend takes a second
    line instead of widening the plot or running off its edge)."""
    label = plot.titleLabel
    label.item.setTextWidth(max(width - 60, 100))  # the title row spans the data column (the left axis: 48 px)
    label.setText(text, size="9pt", justify="left")
    label.setMinimumWidth(0)  # the plot may shrink: the text wraps again on the next resize


class PlotBox(pg.PlotWidget):
    """One plot of the stack, a widget of its own so the user can resize it in the splitter; re-wraps its
    title-row legend when its width changes."""

    def __init__(self, plot: pg.PlotItem):
        super().__init__(plotItem=plot)
        self.legend_text = ""
        self.setMinimumHeight(70)

    def set_legend(self, text: str) -> None:
        self.legend_text = text
        set_title(self.plotItem, text, self.width())

    def resizeEvent(self, ev) -> None:
        text = self.__dict__.get("legend_text")  # None while PlotWidget.__init__ resizes
        if text:  # first: the plot is then laid out with the title wrapped to its new width
            set_title(self.plotItem, text, self.width())
        super().resizeEvent(ev)
