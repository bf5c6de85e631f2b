"""The Translate tool's view: input | output | target in one row of equal squares, and under it how real the
checkpoint's PatchGAN D finds each patch of the output, as a heat overlay with its colour bar and a line of
figures (a CycleGAN adds F(G(x)) to the row and shows its cycle error instead: ``cycle_view.py``; a UNIT has the
cycle error and its shared latent space under two tabs: ``unit_view.py``). No state of the tool lives here:
``translate.py`` sets what these widgets show.

D scores overlapping patches on a grid coarser than the image (14×14 for 32 px); ``patch_map`` spreads the scores
over the pixels from the patches' centres, so the overlay lines up with the output it judges."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QGridLayout, QSizePolicy, QTabBar, QVBoxLayout, QWidget

from ...panels.samples import to_qimage
from ...workers.translate import RealnessResult
from ..common import WrapLabel
from .widgets import ColorBar, Square, heading, heat_colors, pixel_at

OPACITY = 0.6  # how strongly the realness colours cover the output (its strokes stay readable)
WORST_COLOR = "#39c5cf"  # the least real patch's outline: cyan stands out on every colour of the map


def patch_map(score: np.ndarray, size: int, stride: int, offset: int, patch: int) -> np.ndarray:
    """D's (h, w) patch scores as a (size, size) image: each pixel gets the scores of the patches centred nearest
    to it, bilinearly (patch (i, j) is centred at offset + patch/2 + stride·(i, j)); beyond the first and last
    centres the border patches' scores hold."""
    centre = offset + patch / 2

    def axis(n: int):
        src = np.clip((np.arange(size) + 0.5 - centre) / stride, 0, n - 1)
        i0 = np.floor(src).astype(np.int64)
        return i0, np.minimum(i0 + 1, n - 1), (src - i0).astype(np.float32)

    r0, r1, wr = axis(score.shape[0])
    c0, c1, wc = axis(score.shape[1])
    rows = score[r0] * (1 - wr)[:, None] + score[r1] * wr[:, None]
    return (rows[:, c0] * (1 - wc)[None, :] + rows[:, c1] * wc[None, :]).astype(np.float32)


def realness_rgba(score: np.ndarray, size: int, result: RealnessResult) -> np.ndarray:
    """The overlay: σ(D) on inferno's scale (dark = D calls it fake, bright = real), at a fixed opacity, so
    every patch shows its absolute score, not one scaled to the map's peak."""
    v = patch_map(score, size, result.stride, result.offset, result.patch)
    alpha = np.full(v.shape + (1,), round(255 * OPACITY), np.uint8)
    return np.ascontiguousarray(np.concatenate([heat_colors(v), alpha], axis=2))


def patch_box(result: RealnessResult, i: int, j: int, size: int) -> tuple[int, int, int, int]:
    """The image pixels (x0, y0, x1, y1), inclusive and clipped to the image, that patch (i, j) sees."""
    x0, y0 = result.offset + result.stride * j, result.offset + result.stride * i
    return max(0, x0), max(0, y0), min(size - 1, x0 + result.patch - 1), min(size - 1, y0 + result.patch - 1)


class RealnessCanvas(Square):
    """The output under D's realness overlay, the least real patch outlined; reports the patch under the mouse."""

    sig_hover = Signal(int, int)
    """The patch (i, j) under the mouse: (-1, -1) when it leaves the image."""

    def __init__(self):
        super().__init__()
        self.result: RealnessResult | None = None
        self.shown: tuple[int, int] | None = None  # the patch outlined: hovered, else the least real one
        self._heat: tuple[RealnessResult, QImage] | None = None
        self.setMouseTracking(True)

    def set_result(self, result: RealnessResult | None) -> None:
        self.result = result
        self.placeholder = "Rendering…" if result is None else "No D in this checkpoint"
        self.set_image(None if result is None or result.realness is None else to_qimage(result.output))
        self.update()

    def patch_at(self, x: int, y: int) -> tuple[int, int]:
        """The patch centred nearest to image pixel (x, y)."""
        h, w = self.result.realness.shape
        c = self.result.offset + self.result.patch / 2
        return (int(np.clip(round((y + 0.5 - c) / self.result.stride), 0, h - 1)),
                int(np.clip(round((x + 0.5 - c) / self.result.stride), 0, w - 1)))

    def mouseMoveEvent(self, event) -> None:
        px = pixel_at(self, event.position()) if self.image() is not None else None
        self.sig_hover.emit(*(self.patch_at(*px) if px is not None else (-1, -1)))

    def leaveEvent(self, event) -> None:
        self.sig_hover.emit(-1, -1)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        t, r = self.target(), self.result
        if t is None or r is None or r.realness is None:
            return
        x0, y0, scale = t
        size = self.image().width()
        if self._heat is None or self._heat[0] is not r:
            rgba = realness_rgba(r.realness, size, r)
            self._heat = (r, QImage(rgba.data, size, size, 4 * size, QImage.Format.Format_RGBA8888).copy())
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        p.drawImage(QRectF(x0, y0, size * scale, size * scale), self._heat[1])
        if self.shown is not None:
            bx0, by0, bx1, by1 = patch_box(r, *self.shown, size)
            box = QRectF(x0 + bx0 * scale, y0 + by0 * scale, (bx1 - bx0 + 1) * scale, (by1 - by0 + 1) * scale)
            p.setPen(QPen(QColor(0, 0, 0, 170), 4))
            p.drawRect(box)
            p.setPen(QPen(QColor(WORST_COLOR), 2))
            p.drawRect(box)
        p.end()


# the columns' titles and tooltips: Pix2Pix's input | output | target, and CycleGAN's, with the way back
COLUMNS = {"input": ("Input", "What G is given: the pad on the left"),
           "output": ("Output", "G(input): what G makes of it (also the large current sample)"),
           "back": ("F(G(x))", ("F takes G's output back to the first domain: cycle consistency trains it to give "
                                "the input back")),
           "target": ("Target", "The one true output, known for a held-out pair of the model's paired set")}
MIN_SIDE = {3: 96, 4: 72}  # px per picture, by columns: four still fit the explorer's view in a 1280 px window
SECTIONS = (("shared", "Shared space", ("UNIT's one code for both domains: the reconstruction, and a walk between two "
                                        "codes decoded in A and in B")),
            ("cycle", "Cycle error", "|x − G_A(E_B(G(x)))|: where the way back through B misses the input"))  # UNIT's


class TranslateView(QWidget):
    """Input | output | target, then D's realness over the output, all columns one width. For a CycleGAN
    (``set_way_back``): input (A) | G(x) (B) | F(G(x)) (back to A) | target, then the cycle error
    (``cycle_view.py``) where the realness map was."""

    def __init__(self):
        super().__init__()
        from .cycle_view import CycleSection
        from .unit_view import SharedSection

        self.input = Square()
        self.output = Square()
        self.back = Square()
        self.target = Square()
        self.input.placeholder = "No input"
        self.output.placeholder = "Rendering…"
        self.back.placeholder = "Rendering…"
        self.target.placeholder = "No target: draw or open an image, or pick Random real input to compare with a " \
                                  "true output"
        self.headings = {name: heading(*COLUMNS[name]) for name in COLUMNS}
        self.target_note = WrapLabel("")
        self.realness = RealnessCanvas()
        self.realness.placeholder = "Rendering…"
        self.realness_title = heading("How real D finds the output")
        self.realness_caption = WrapLabel("")
        self.realness_stats = WrapLabel("")
        self.bar = ColorBar("0 · fake to D", "1 · real to D")
        self.realness_side = QWidget()
        side = QVBoxLayout(self.realness_side)
        side.setContentsMargins(4, 0, 0, 0)
        side.addWidget(self.realness_caption)
        side.addWidget(self.bar)
        side.addWidget(self.realness_stats)
        side.addStretch(1)
        self.cycle = CycleSection()
        self.shared = SharedSection()
        self.sections = QTabBar()  # a UNIT's two rows under the strip: its shared space, its cycle error
        self.sections.setDocumentMode(True)
        self.sections.setExpanding(False)
        for k, (_key, text, tip) in enumerate(SECTIONS):
            self.sections.addTab(text)
            self.sections.setTabToolTip(k, tip)
        self.sections.currentChanged.connect(lambda _i: self._show_section())
        self.way_back = False
        self.unit = False

        self._grid = QGridLayout()
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(10)
        for canvas in self.canvases():
            canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(self._grid)
        lay.addStretch(1)
        self._place()

    def canvases(self) -> tuple[Square, ...]:
        return self.input, self.output, self.back, self.target, self.realness, self.cycle.canvas, self.shared.recon

    def section(self) -> str:
        """The row shown under the strip: "realness" (Pix2Pix), "cycle" (CycleGAN; a UNIT's second tab) or
        "shared" (a UNIT's first tab)."""
        if not self.way_back:
            return "realness"
        return SECTIONS[self.sections.currentIndex()][0] if self.unit else "cycle"

    def show_section(self, key: str) -> None:
        """Bring a UNIT's "shared" or "cycle" tab forward."""
        self.sections.setCurrentIndex([k for k, _t, _tip in SECTIONS].index(key))

    def columns(self) -> tuple[str, ...]:
        return ("input", "output", "back", "target") if self.way_back else ("input", "output", "target")

    def set_way_back(self, way_back: bool, domains: tuple[str, str] = ("A", "B"), unit: bool = False) -> None:
        """Lay the view out for a CycleGAN (True: four columns and the cycle error), a UNIT (``unit``: the same, the
        cycle error and the shared space under two tabs) or for Pix2Pix (False), and name the columns after the
        model's domains."""
        a, b = domains
        titles = {"input": f"Input (A · {a})", "output": f"G(x) (B · {b})",
                  "back": "Way back (to A)" if unit else "F(G(x)) (back to A)",
                  "target": f"Target (B · {b})"} if way_back else {k: COLUMNS[k][0] for k in COLUMNS}
        for name, text in titles.items():
            self.headings[name].setText(text)
        tips = {"output": "G_B(E_A(x)): the input's code decoded in domain B (also the large current sample)",
                "back": "G_A(E_B(G(x))): G(x) encoded again and decoded in domain A, UNIT's way back"} if unit else {
            k: COLUMNS[k][1] for k in ("output", "back")}
        for name, tip in tips.items():
            self.headings[name].setToolTip(tip)
        unit = unit and way_back
        self.cycle.unit = unit
        if (way_back, unit) != (self.way_back, self.unit):
            self.way_back, self.unit = way_back, unit
            self._place()

    def _place(self) -> None:
        """(Re)build the grid for the current mode; the widgets of the other mode are hidden."""
        grid = self._grid
        for w in (*self.headings.values(), self.input, self.output, self.back, self.target, self.target_note,
                  self.realness_title, self.realness, self.realness_side, *self.cycle.widgets(), self.sections,
                  *self.shared.widgets()):
            grid.removeWidget(w)
            w.setVisible(False)
        cols = self.columns()
        n = len(cols)
        for col, name in enumerate(cols):
            for row, w in enumerate((self.headings[name], getattr(self, name))):
                grid.addWidget(w, row, col)
                w.setVisible(True)
        for col in range(4):
            grid.setColumnStretch(col, 1 if col < n else 0)
        grid.addWidget(self.target_note, 2, n - 1)
        self.target_note.setVisible(True)
        title, canvas, side = self.cycle.widgets() if self.way_back else (self.realness_title, self.realness,
                                                                           self.realness_side)
        grid.addWidget(self.sections if self.unit else title, 3, 0, 1, n)
        grid.addWidget(canvas, 4, 0, Qt.AlignmentFlag.AlignTop)  # level with the words beside it
        grid.addWidget(side, 4, 1, 1, n - 1)
        if self.unit:  # the shared space's rows share row 4 with the cycle error's; the tab shows one of them
            recon, words, strip, note, controls = self.shared.widgets()
            grid.addWidget(recon, 4, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(words, 4, 1, 1, n - 1)
            for row, w in enumerate((strip, note, controls), start=5):
                grid.addWidget(w, row, 0, 1, n)
        self._show_section()
        self._fit()

    def _show_section(self) -> None:
        """Show the row of the current section (a UNIT's tab), hide the others'."""
        shown = self.section()
        rows = {"realness": (self.realness_title, self.realness, self.realness_side),
                "cycle": self.cycle.widgets()[(1 if self.unit else 0):], "shared": self.shared.widgets()}
        self.sections.setVisible(self.unit)
        for key, widgets in rows.items():
            for w in widgets:
                w.setVisible(key == shown and (key != "shared" or self.unit))

    def resizeEvent(self, event) -> None:
        """Square pictures as wide as a column (declaring height-for-width instead would spread up to the window
        and pin its minimum size)."""
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        n = len(self.columns())
        least = MIN_SIDE[n]
        side = max(least, (self.width() - (n - 1) * self._grid.horizontalSpacing()) // n)
        for canvas in self.canvases():
            canvas.setMinimumWidth(least)
            if canvas.height() != side:
                canvas.setFixedHeight(side)
