"""The Translate tool's way back, for a CycleGAN: where F, taking G's output back to domain A, misses the input.

CycleGAN has no pairs to learn from; what holds G: A → B in place is cycle consistency, F(G(x)) ≈ x. So next to
Pix2Pix's strip the tool shows F(G(x)), and here the cycle error |x − F(G(x))| per pixel as a heat overlay on the
input, on a stated scale, with its mean (the per-input version of ``ganstudio eval``'s cycle L1). Pix2Pix's
realness map needs a D that judges an (input, output) pair; a CycleGAN has none (its D_A and D_B each judge one
domain's images), and a short note says so where the map would be.

No state of the tool lives here: ``translate.py`` hands each ``CycleResult`` to ``CycleSection.show``."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ...panels.samples import to_qimage
from ...workers.translate import CycleResult
from ..common import WrapLabel
from .widgets import ColorBar, heat_colors
from .widgets import Square, heading

OPACITY = 0.85  # the overlay at the top of the scale; where the way back is exact, the input shows through
SCALES = (0.05, 0.1, 0.25, 0.5, 1.0)  # the colour bar ends at the first of these the map's peak fits under
NO_D = ("No realness map here: that needs Pix2Pix's D, which judges an (input, output) pair. CycleGAN's and UNIT's "
        "D_A and D_B each judge one domain's images alone and are not shipped with their generators.")


def scale_top(peak: float) -> float:
    """Where the colour bar ends for a map whose largest error is ``peak``: a fixed step, so a near-perfect way back
    is not blown up to look bad, nor a poor one cut off."""
    return next((s for s in SCALES if peak <= s), SCALES[-1])


def cycle_rgba(error: np.ndarray, top: float) -> np.ndarray:
    """The overlay (H, W, 4) uint8: inferno colour and opacity grow with the error, from clear at 0 to strongest
    at ``top``."""
    v = np.clip(error / top, 0.0, 1.0)
    alpha = np.round(255 * OPACITY * v ** 0.7).astype(np.uint8)
    return np.ascontiguousarray(np.dstack([heat_colors(v), alpha]))


class CycleCanvas(Square):
    """The input under the cycle error overlay (smooth over crisp pixels)."""

    def __init__(self):
        super().__init__()
        self.placeholder = "Rendering…"
        self.top = 1.0
        self._heat: tuple[CycleResult, QImage] | None = None
        self.result: CycleResult | None = None

    def set_result(self, result: CycleResult | None) -> None:
        self.result = result
        if result is not None:
            self.top = scale_top(float(result.error.max())) if result.error is not None else 1.0
        self.placeholder = "Rendering…" if result is None else "No F in this checkpoint: no way back"
        self.set_image(None if result is None or result.error is None else to_qimage(result.source))
        self.update()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        t, r = self.target(), self.result
        if t is None or r is None or r.error is None:
            return
        if self._heat is None or self._heat[0] is not r:
            rgba = cycle_rgba(r.error, self.top)
            h, w, _ = rgba.shape
            self._heat = (r, QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy())
        x0, y0, scale = t
        img = self.image()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        p.drawImage(QRectF(x0, y0, img.width() * scale, img.height() * scale), self._heat[1])
        p.end()


class CycleSection:
    """The widgets of the cycle error row (the view lays them out: the canvas under the input column, the words
    beside it) and what they say for a result."""

    def __init__(self):
        self.title = heading("Cycle error |x − F(G(x))|", "Where F, taking G's output back to domain A, misses the "
                                                          "input: cycle consistency trains this towards 0")
        self.canvas = CycleCanvas()
        self.caption = WrapLabel("")
        self.bar = ColorBar("0 · given back", "1")  # the right end follows the map's scale
        self.stats = WrapLabel("")
        self.note = WrapLabel(NO_D)
        self.unit = False  # a UNIT's way back is its own b2a, G_A(E_B(G(x))), not a second generator F
        self.side = QWidget()  # caption, bar, figures and the realness note, beside the canvas
        lay = QVBoxLayout(self.side)
        lay.setContentsMargins(4, 0, 0, 0)
        for w in (self.caption, self.bar, self.stats, self.note):
            lay.addWidget(w)
        lay.addStretch(1)

    def widgets(self) -> tuple[QWidget, ...]:
        return self.title, self.canvas, self.side

    def show(self, result: CycleResult | None) -> None:
        """What the row says for ``result`` (None: a render is on its way)."""
        self.canvas.set_result(result)
        if result is None:
            self.caption.setText("")
            self.stats.setText("")
            return
        if result.error is None:
            self.bar.setVisible(False)
            self.caption.setText("This checkpoint holds G only (an export without F), so there is no way back to "
                                 "show. Open the run's own checkpoint, or export G with F.")
            self.stats.setText("")
            return
        e, top = result.error, self.canvas.top
        self.bar.setVisible(True)
        self.bar.right = f"{top:g}"
        self.bar.update()
        back, who = ("G_A(E_B(G(x)))", "UNIT's encoders and decoders were") if self.unit else ("F(G(x))", "G and F were")
        self.caption.setText(f"How far {back} lands from the input, per pixel on a 0–1 scale (1: white where black "
                             f"was), laid over the input. {who} trained to make this 0 without ever seeing a "
                             "pair; its mean is the scores line's cycle L1, for this one input.")
        i, j = np.unravel_index(int(e.argmax()), e.shape)
        self.stats.setText(f"mean {float(e.mean()):.3f} · largest {float(e.max()):.2f} (x {j}, y {i}) · colours "
                           f"0–{top:g}")
