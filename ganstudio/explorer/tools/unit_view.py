"""The Translate tool's shared space, for a UNIT: one code, read by both domains' decoders.

UNIT's encoders E_A, E_B end in a block both share, and its decoders G_A, G_B start with one, so a digit has one
code in a space common to both domains. This section shows it for the pad's input x: the reconstruction
G_A(E_A(x)) with its error, beside which the strip above already holds the translation G_B(E_A(x)): the same code,
the other decoder. Under them a walk from x's code E_A(x) to the code E_B(b) of a second image b (a held-out B
digit, or x's own translation), every blend decoded in A (top row) and B (bottom row): both rows change together,
because both decoders read the one code.

No state of the tool lives here: ``translate.py`` hands each ``SharedResult`` to ``SharedSection.show`` and keeps
the choice of b; the view lays the widgets out (``translate_view.py``)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from ... import theme
from ...panels.samples import to_qimage
from ...workers.translate import SharedResult
from ..canvases import GRID_PAD, side_by_side
from ..common import WrapLabel
from .widgets import Square

PARTNERS = (("digit", "a held-out B digit"), ("own", "x's own translation G(x)"))  # what the walk goes to
HOVER_COLOR = "#39c5cf"


def walk_picture(result: SharedResult, pad: int = 2) -> np.ndarray:
    """What "Save grid" writes while the shared space is shown: the walk decoded in A over the walk decoded in B,
    b itself at the end of the B row (grid grey above it), ``pad`` px of grid grey around and between."""
    blank = np.full_like(result.partner, GRID_PAD)
    top = side_by_side([*result.strip_a, blank], pad)
    low = side_by_side([*result.strip_b, result.partner], pad)
    return np.concatenate([top, low[pad:]], axis=0)


class BlendStrip(QWidget):
    """The walk: two rows of pictures (decoded in A, decoded in B), one column per blend t, then b itself after a
    gap; the ends named under it. Its height follows its width; the column under the mouse is outlined and its t
    shown."""

    LABEL_W = 44  # the rows' names at the left
    GAP = 3  # px between pictures
    PARTNER_GAP = 12  # px before the partner column
    RIGHT = 2  # px kept free at the right

    def __init__(self):
        super().__init__()
        self.result: SharedResult | None = None
        self.domains = ("A", "B")
        self.hover = -1
        self._images: tuple = ()
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(200)
        self._fit()

    def set_result(self, result: SharedResult | None) -> None:
        self.result = result
        self._images = () if result is None else (
            [to_qimage(f) for f in result.strip_a], [to_qimage(f) for f in result.strip_b], to_qimage(result.partner))
        self._fit()
        self.update()

    def _n(self) -> int:
        return len(self.result.ts) if self.result is not None else 9

    def cell(self) -> float:
        """The side of one picture, in px: the blends and the partner share the width left of the labels."""
        n = self._n() + 1
        return max(8.0, (self.width() - self.LABEL_W - self.PARTNER_GAP - self.RIGHT - (n - 1) * self.GAP) / n)

    def _band(self) -> int:
        return self.fontMetrics().height() + 4

    def _fit(self) -> None:
        height = int(2 * self.cell() + self.GAP + 2 * self._band())
        if self.height() != height:
            self.setFixedHeight(height)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def column_rect(self, k: int, row: int) -> QRectF:
        """Where blend ``k`` (or the partner, k = N) is drawn in ``row`` (0: A, 1: B)."""
        c = self.cell()
        x = self.LABEL_W + k * (c + self.GAP) + (self.PARTNER_GAP if k >= self._n() else 0)
        return QRectF(x, self._band() + row * (c + self.GAP), c, c)

    def column_at(self, x: float) -> int:
        """The blend under widget x, or -1."""
        c = self.cell()
        k = int((x - self.LABEL_W) // (c + self.GAP))
        return k if 0 <= k < self._n() and x >= self.LABEL_W else -1

    def mouseMoveEvent(self, event) -> None:
        k = self.column_at(event.position().x())
        if k != self.hover:
            self.hover = k
            self.update()

    def leaveEvent(self, event) -> None:
        self.hover = -1
        self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(theme.BASE))
        band = self._band()
        p.setPen(QColor(theme.MUTED))
        for row, name in enumerate(("in A", "in B")):
            r = self.column_rect(0, row)
            p.drawText(QRectF(0, r.y(), self.LABEL_W - 4, r.height()),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
        r = self.result
        if r is None or not self._images:
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Rendering…")
            p.end()
            return
        strip_a, strip_b, partner = self._images
        n = len(r.ts)
        for k in range(n):
            for row, img in enumerate((strip_a[k], strip_b[k])):
                p.drawImage(self.column_rect(k, row), img)
        p.drawImage(self.column_rect(n, 1), partner)
        bottom = self.column_rect(0, 1).bottom() + 2
        first, last, b = self.column_rect(0, 0), self.column_rect(n - 1, 0), self.column_rect(n, 0)
        p.drawText(QRectF(first.x(), 0, 3 * first.width(), band - 2),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, "E_A(x)")
        p.drawText(QRectF(last.right() - 3 * last.width(), 0, 3 * last.width(), band - 2),
                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom, "E_B(b)")
        p.drawText(QRectF(b.x() - 4, 0, b.width() + 8, band - 2),
                   Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, "b")
        if self.hover >= 0:
            p.setPen(QPen(QColor(HOVER_COLOR), 2))
            top, low = self.column_rect(self.hover, 0), self.column_rect(self.hover, 1)
            p.drawRect(top.united(low).adjusted(-1, -1, 1, 1))
            label = f"t = {float(r.ts[self.hover]):.3g}"
        else:
            label = f"t = 0 … 1 in {n} steps · hover a column"
        p.setPen(QColor(theme.MUTED))
        p.drawText(QRectF(first.x(), bottom, last.right() - first.x(), band),
                   Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, label)
        p.end()


class SharedSection(QObject):
    """The widgets of UNIT's shared-space rows (the view lays them out: the reconstruction under the input column,
    its words beside it, then the walk and its controls across the view) and what they say for a result."""

    sig_partner = Signal(str)
    """The walk's other end: "digit" (a held-out B digit) or "own" (x's own translation)."""
    sig_another = Signal()
    """Another held-out B digit for the walk's other end, please."""

    def __init__(self):
        super().__init__()
        self.recon = Square()
        self.recon.placeholder = "Rendering…"
        self.recon.setToolTip("G_A(E_A(x)): the input encoded into the shared space and decoded in its own domain")
        self.caption = WrapLabel("")
        self.stats = WrapLabel("")
        self.side = QWidget()
        lay = QVBoxLayout(self.side)
        lay.setContentsMargins(4, 0, 0, 0)
        lay.addWidget(self.caption)
        lay.addWidget(self.stats)
        lay.addStretch(1)
        self.strip = BlendStrip()
        self.strip.setToolTip("A walk from x's code to b's: h = (1 − t)·E_A(x) + t·E_B(b), each h decoded by G_A (top "
                              "row) and G_B (bottom row); b itself at the right")
        self.walk_note = WrapLabel("")
        self.partner = QComboBox()
        for key, text in PARTNERS:
            self.partner.addItem(text, key)
        self.partner.setToolTip("The walk's other end b: a held-out digit of domain B, or G(x) itself (how far the "
                                "code E_B reads back out of x's translation sits from x's own)")
        self.another = QPushButton("Another B digit")
        self.another.setToolTip("A held-out digit of domain B, of another class than the input's, as the walk's end")
        self.controls = QWidget()
        row = QHBoxLayout(self.controls)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Walk to"))
        row.addWidget(self.partner, 1)
        row.addWidget(self.another)
        self.partner.currentIndexChanged.connect(lambda _i: self.sig_partner.emit(self.partner.currentData()))
        self.another.clicked.connect(self.sig_another)

    def widgets(self) -> tuple[QWidget, ...]:
        """The reconstruction, its words, the walk's strip, note and controls (the view places them)."""
        return self.recon, self.side, self.strip, self.walk_note, self.controls

    def set_partner(self, key: str, has_digits: bool) -> None:
        """Show the walk's end ``key`` chosen; without held-out digits only x's own translation is offered."""
        self.partner.blockSignals(True)
        self.partner.setCurrentIndex(max(0, self.partner.findData(key)))
        self.partner.model().item(0).setEnabled(has_digits)
        self.partner.blockSignals(False)
        self.another.setEnabled(has_digits and key == "digit")

    def show(self, result: SharedResult | None, domains: tuple[str, str] = ("A", "B"), partner: str = "",
             cycle_mean: float | None = None) -> None:
        """What the rows say for ``result`` (None: a render is on its way). ``partner`` names b in words;
        ``cycle_mean`` is the way back's error for the same input, to compare with."""
        self.strip.set_result(result)
        if result is None:
            self.recon.set_image(None)
            self.stats.setText("")
            self.walk_note.setText("")
            return
        a, b = domains
        self.recon.set_image(to_qimage(result.recon))
        self.caption.setText(f"G_A(E_A(x)): x's code in the shared space, decoded back in A ({a}). G(x) above decodes "
                             f"the same code in B ({b}).")
        e = result.recon_error
        i, j = np.unravel_index(int(e.argmax()), e.shape)
        through_b = f" · the way back through B: {cycle_mean:.3f}" if cycle_mean is not None else ""
        self.stats.setText(f"Reconstruction error |x − G_A(E_A(x))|: mean {float(e.mean()):.3f} · largest "
                           f"{float(e.max()):.2f} (x {j}, y {i}), 0–1 scale{through_b}")
        what = "x's own translation G(x)" if result.own else (partner or "a held-out B digit")
        self.walk_note.setText(f"b: {what}. Each column decodes one blend of E_A(x) and E_B(b) in A and in B; the "
                               f"rows change together. |E_A(x) − E_B(b)| = {result.code_gap:.2f} × |E_A(x)|.")
