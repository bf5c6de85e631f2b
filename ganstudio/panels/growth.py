"""Where a growing run (ProGAN) is: the side it trains at and the fade-in α, read from its metrics (``resolution``
and ``alpha`` every logging window), shown above the sample grid for the snapshot on screen: the live one while
the grid follows the run, an earlier one while the user scrubs back."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QLabel

from .. import theme
from ..rundata import RunData
from .samples import SamplesPanel


def growth_at(data: RunData | None, step: int | None = None) -> tuple[int, float] | None:
    """(side in px, α) of a growing run at ``step`` (default: the newest values), from the logging window that holds
    it; None for a run that does not grow. A window that spans a change averages it: the side is rounded to the
    nearest power of two."""
    if data is None:
        return None
    res, alpha = data.series.get("resolution"), data.series.get("alpha")
    if res is None or res.n == 0:
        return None

    def at(s) -> float:
        if step is None or s.n == 1:
            return float(s.y[-1])
        i = min(int(np.searchsorted(s.x, step, side="left")), s.n - 1)
        return float(s.y[i])

    value = at(res)
    side = 4 * 2 ** max(0, round(math.log2(max(value, 4.0) / 4))) if math.isfinite(value) else 0
    a = at(alpha) if alpha is not None and alpha.n else 1.0
    return side, (a if math.isfinite(a) else 1.0)


def growth_text(data: RunData | None, step: int | None = None) -> str:
    """"8 → 16 px · fading in, α 0.63" / "16 px · stable" / "32 px · stable, full size"; "" when the run does not
    grow."""
    got = growth_at(data, step)
    if got is None or not got[0]:
        return ""
    side, a = got
    full = data.config.get("image_size") or (data.model_info.get("image_size") if data.model_info else None)
    if a < 0.995:
        return f"{side // 2} → {side} px · fading in, α {a:.2f}"
    return f"{side} px · stable" + (", full size" if full and side >= int(full) else "")


class GrowingSamplesPanel(SamplesPanel):
    """The sample grid with, for a growing run, its resolution and α at the snapshot shown."""

    TIP = ("ProGAN grows G and D while it trains: this is the side it trained at for the snapshot shown, and while a "
           "new level fades in, its weight α (the grid is drawn at that side, enlarged with nearest blocks)")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.growth = QLabel("")
        self.growth.setToolTip(self.TIP)
        self.growth.setStyleSheet(f"color: {theme.ACCENT}; font-weight: 600")
        self.growth.hide()
        head = self.layout().itemAt(0).layout()
        if isinstance(head, QHBoxLayout):
            head.addWidget(self.growth)
        self.slider.valueChanged.connect(self._sync_growth)

    def refresh(self) -> None:
        super().refresh()
        self._sync_growth()

    def _sync_growth(self, *_) -> None:
        run = self._run
        step = self.current_step()
        following = self.follow or step < 0
        text = growth_text(run, None if following else step)
        self.growth.setText(text)
        self.growth.setVisible(bool(text))
