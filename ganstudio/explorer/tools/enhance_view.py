"""The Enhance tool's view: LR | bicubic | SRResNet | SRGAN | HR in one row of equal squares, each with its PSNR and
SSIM against HR; under them, while the magnifier is on, the same region of every panel enlarged (hover or drag over
any panel to move it), and while the difference map is on, |panel − HR| as heat under each upscale. No state of
the tool lives here: ``enhance.py`` sets what these widgets show.

All panels draw their picture at one on-screen size (a whole multiple of the output's pixels), whatever its own
size: the LR input (s px) is enlarged ×f more than the rest, nearest-neighbour, so its blocks line up with the
outputs' pixels. The magnifier works in the pictures' own coordinates, (u, v) in [0, 1]², so it shows the same
part of the scene in a 7 px input, a 28 px output and a 300 px photo alike."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ... import theme
from ...panels.samples import to_qimage
from ...workers.enhance import PANELS, EnhanceResult
from ..canvases import GRID_PAD, SampleCanvas, side_by_side
from ..common import WrapLabel
from .widgets import ColorBar, heat_colors
from .enhance_inputs import resize, rgb
from .widgets import heading

LENS_COLOR = "#39c5cf"  # the magnified region's outline: cyan stands out on grey digits and on the heat map
DIFF_MAX = 0.5  # |panel − HR| at or above this is the map's brightest colour (a fixed scale: panels compare)
ZOOMS = (2, 4, 8)
OUTPUTS = ("bicubic", "srresnet", "srgan")  # the upscales (the best PSNR of them is in bold)
MIN_SIDE = 64  # px per panel: five still fit the explorer's view in a 1280 px window
TITLES = {"lr": ("LR input", "What SRGAN is given: the low-resolution image, enlarged ×f with nearest-neighbour "
                             "blocks (each block is one input pixel). Its scores are those of the blocks as shown"),
          "bicubic": ("Bicubic", "The baseline every super-resolution paper reports: bicubic interpolation ×f"),
          "srresnet": ("SRResNet", "The run's generator at the end of its first phase, trained on the pixel MSE "
                                   "alone (the paper's SRResNet): sharp where it is sure, smooth where it is not"),
          "srgan": ("SRGAN", "The same generator after the adversarial phase (content loss + 10⁻³ · GAN loss): also "
                             "the large current sample on the left"),
          "hr": ("HR (truth)", "The true high-resolution image the input was area-downsampled from")}


def lens_box(u: float, v: float, zoom: int) -> tuple[float, float, float]:
    """The magnified region for a lens centred at (u, v): (left, top, side) in [0, 1] picture units, 1/zoom of the
    picture wide, kept inside the picture."""
    side = 1.0 / zoom
    return (float(np.clip(u - side / 2, 0.0, 1.0 - side)), float(np.clip(v - side / 2, 0.0, 1.0 - side)), side)


def zoom_crop(image: np.ndarray, box: tuple[float, float, float], out: int) -> np.ndarray:
    """The region ``box`` of an (H, W, 3) picture sampled to (out, out, 3), nearest-neighbour: every pixel of the
    region becomes a crisp block."""
    h, w = image.shape[:2]
    left, top, side = box
    t = (np.arange(out) + 0.5) / out * side
    cols = np.clip(((left + t) * w).astype(np.int64), 0, w - 1)
    rows = np.clip(((top + t) * h).astype(np.int64), 0, h - 1)
    return np.ascontiguousarray(image[rows][:, cols])


def diff_rgb(diff: np.ndarray) -> np.ndarray:
    """|panel − HR| (H, W) in [0, 1] as inferno colours, black at 0, brightest at ``DIFF_MAX`` and beyond."""
    return heat_colors(np.asarray(diff, np.float32) / DIFF_MAX)


def score_text(r: EnhanceResult, k: str, best: float | None, own: np.ndarray | None) -> str:
    """The figures under panel ``k``: PSNR and SSIM against HR (bold for the best upscale), or what stands there
    instead ("the truth", your image's size, why there is no SRResNet)."""
    if k == "hr":
        if "hr" in r.images:
            return "the truth"
        return f"{own.shape[-1]}×{own.shape[-1]} px, as given" if own is not None else ""
    if k not in r.psnr:
        return r.srresnet_note.split(":")[0] if k == "srresnet" and "srresnet" not in r.images else ""
    text = f"PSNR {r.psnr[k]:.2f} dB<br>SSIM {r.ssim[k]:.3f}"
    return f"<b>{text}</b>" if best is not None and k in OUTPUTS and r.psnr[k] == best else text


def strip_picture(r: EnhanceResult, own: np.ndarray | None, difference: bool) -> np.ndarray:
    """The strip as one picture: LR (enlarged ×f, nearest) | bicubic | SRResNet (when the checkpoint has one) |
    SRGAN | HR (or ``own``, your image uint8 (C, S, S), at the output's size), 2 px of grid grey apart; under it,
    when ``difference`` and there is a truth, |panel − HR| as heat (grid grey under HR)."""
    out = r.images["srgan"].shape[0]
    cols = ["lr"] + [k for k in OUTPUTS if k in r.images]
    pics = {"lr": np.ascontiguousarray(r.images["lr"].repeat(r.scale, 0).repeat(r.scale, 1)),
            **{k: r.images[k] for k in OUTPUTS if k in r.images}}
    last = r.images.get("hr")
    if last is None and own is not None:
        last = rgb(np.round(resize(own, out, "nearest")).astype(np.uint8))
    top = side_by_side([pics[k] for k in cols] + ([last] if last is not None else []))
    if not (difference and r.diff):
        return top
    blank = np.full((out, out, 3), GRID_PAD, np.uint8)
    bottom = side_by_side([diff_rgb(r.diff[k]) for k in cols] + ([blank] if last is not None else []))
    return np.ascontiguousarray(np.concatenate([top[:-2], bottom], axis=0))


class StripCanvas(SampleCanvas):
    """One panel: its picture at the view's common on-screen size, the magnified region outlined; reports where the
    mouse is, in picture units, while it hovers or drags."""

    MARGIN = 2
    sig_hover = Signal(float, float)
    """(u, v) in [0, 1]² of the picture under the mouse."""

    def __init__(self):
        super().__init__()
        self.display = 0  # on-screen side of the picture (px), set by the view; 0: as large as fits
        self.lens: tuple[float, float, float] | None = None  # (left, top, side) of the region outlined
        self.pixels: np.ndarray | None = None  # what is shown, (H, W, 3) uint8 (the zoom row samples it)
        self.setMouseTracking(True)
        self.setMinimumSize(MIN_SIDE, MIN_SIDE)

    def show_pixels(self, pixels: np.ndarray | None) -> None:
        self.pixels = pixels
        self.set_image(None if pixels is None else to_qimage(pixels))

    def target(self):
        img = self.image()
        if img is None or img.isNull():
            return None
        room = min(self.width(), self.height()) - self.MARGIN
        side = min(self.display, room) if self.display else room
        scale = side / img.width()
        return ((self.width() - img.width() * scale) / 2, (self.height() - img.height() * scale) / 2, scale)

    def point(self, pos: QPointF) -> tuple[float, float] | None:
        """Widget point → (u, v) in picture units, or None off the picture."""
        t = self.target()
        if t is None:
            return None
        x0, y0, scale = t
        w, h = self.image().width() * scale, self.image().height() * scale
        u, v = (pos.x() - x0) / w, (pos.y() - y0) / h
        return (u, v) if 0 <= u <= 1 and 0 <= v <= 1 else None

    def mouseMoveEvent(self, event) -> None:
        uv = self.point(event.position())
        if uv is not None:
            self.sig_hover.emit(*uv)

    def mousePressEvent(self, event) -> None:
        self.mouseMoveEvent(event)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(theme.BASE))
        t = self.target()
        if t is None:
            p.setPen(QColor(theme.MUTED))
            p.drawText(self.rect().adjusted(6, 6, -6, -6), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       self.placeholder)
            p.end()
            return
        x0, y0, scale = t
        img = self.image()
        w, h = img.width() * scale, img.height() * scale
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale < 1)
        p.drawImage(QRectF(x0, y0, w, h), img)
        if self.lens is not None:
            left, top, side = self.lens
            box = QRectF(x0 + left * w, y0 + top * h, side * w, side * h)
            p.setPen(QPen(QColor(0, 0, 0, 170), 3))
            p.drawRect(box)
            p.setPen(QPen(QColor(LENS_COLOR), 1.5))
            p.drawRect(box)
        p.end()


class ZoomCanvas(QWidget):
    """The magnified region of one panel's picture, filling the square (nearest-neighbour)."""

    def __init__(self):
        super().__init__()
        self.source: np.ndarray | None = None
        self.box: tuple[float, float, float] | None = None
        self.placeholder = ""
        self.setMinimumSize(MIN_SIDE, MIN_SIDE)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def crop(self, out: int) -> np.ndarray | None:
        """What is drawn, at ``out`` × ``out`` pixels (None when there is nothing to magnify)."""
        if self.source is None or self.box is None:
            return None
        return zoom_crop(self.source, self.box, out)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(theme.BASE))
        side = min(self.width(), self.height()) - 2
        crop = self.crop(max(1, side))
        if crop is None:
            p.setPen(QColor(theme.MUTED))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
        else:
            x0, y0 = (self.width() - side) / 2, (self.height() - side) / 2
            p.drawImage(QRectF(x0, y0, side, side), to_qimage(crop))
            p.setPen(QPen(QColor(LENS_COLOR), 1))
            p.drawRect(QRectF(x0 - 0.5, y0 - 0.5, side + 1, side + 1))
        p.end()


class Caption(WrapLabel):
    """The view's caption: exactly as tall as its lines at its width (a wrapped label's own size hint is a guess for
    another width, which left a gap under it)."""

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), max(self.minimumHeight(), self.fontMetrics().lineSpacing()))


def column_title(text: str, tip: str) -> QLabel:
    """A panel's title: bold, one line, centred; it never widens the view."""
    lab = QLabel(text)
    lab.setStyleSheet("font-weight: 600")
    lab.setToolTip(tip)
    lab.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom)
    lab.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    return lab


def small_label(text: str = "") -> QLabel:
    """A muted figure line under a panel; wraps in a narrow column, never widens the view."""
    lab = WrapLabel(text)
    lab.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
    lab.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
    return lab


class EnhanceView(QWidget):
    """The strip, its figures, the zoom row and the difference row (module docstring)."""

    sig_file = Signal(str)
    """A local file was dropped on the view."""

    def __init__(self):
        super().__init__()
        self.headings = {k: column_title(*TITLES[k]) for k in PANELS}
        self.panels = {k: StripCanvas() for k in PANELS}
        self.scores = {k: small_label() for k in PANELS}
        self.zooms = {k: ZoomCanvas() for k in PANELS}
        self.diffs = {k: StripCanvas() for k in PANELS if k != "hr"}
        self.diff_scores = {k: small_label() for k in self.diffs}
        self.zoom_title = heading("Magnified (M): hover or drag over any panel")
        self.diff_title = heading("|panel − HR|: where each one differs from the truth (H)")
        self.bar = ColorBar("0", f"≥ {DIFF_MAX:g}")
        self.bar_note = small_label("per pixel, image values in [0, 1]")
        for k in PANELS:
            self.panels[k].placeholder = "Rendering…"
            self.panels[k].sig_hover.connect(self.set_lens_at)
            self.panels[k].setToolTip(TITLES[k][1])
        for k, c in self.diffs.items():
            c.placeholder = "No true image to compare with"
            c.sig_hover.connect(self.set_lens_at)
        self.magnifier = True
        self.difference = False
        self.zoom = 4
        self.uv: tuple[float, float] = (0.5, 0.5)  # the lens's centre, in picture units

        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        self._grid = grid
        n = len(PANELS)
        for col, k in enumerate(PANELS):
            grid.addWidget(self.headings[k], 0, col)
            grid.addWidget(self.panels[k], 1, col)
            grid.addWidget(self.scores[k], 2, col)
            grid.addWidget(self.zooms[k], 4, col)
            if k in self.diffs:
                grid.addWidget(self.diffs[k], 6, col)
                grid.addWidget(self.diff_scores[k], 7, col)
            grid.setColumnStretch(col, 1)
        grid.addWidget(self.zoom_title, 3, 0, 1, n)
        grid.addWidget(self.diff_title, 5, 0, 1, n)
        side = QWidget()
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(self.bar)
        sl.addWidget(self.bar_note)
        sl.addStretch(1)
        grid.addWidget(side, 6, n - 1, 2, 1)
        self._diff_side = side
        for c in (*self.panels.values(), *self.diffs.values()):
            c.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(grid)
        lay.addStretch(1)
        self.setAcceptDrops(True)
        self.set_modes(self.magnifier, self.difference)

    # -- what is shown -------------------------------------------------------------------------------------
    def set_modes(self, magnifier: bool, difference: bool, zoom: int | None = None) -> None:
        """Show or hide the zoom row and the difference row; ``zoom`` the magnification."""
        self.magnifier, self.difference = bool(magnifier), bool(difference)
        if zoom is not None:
            self.zoom = int(zoom)
        for w in (self.zoom_title, *self.zooms.values()):
            w.setVisible(self.magnifier)
        for w in (self.diff_title, *self.diffs.values(), *self.diff_scores.values(), self._diff_side):
            w.setVisible(self.difference)
        self._sync_lens()
        self._fit()

    def set_lens_at(self, u: float, v: float) -> None:
        """Centre the magnifier at (u, v) (picture units) in every panel at once."""
        self.uv = (float(np.clip(u, 0, 1)), float(np.clip(v, 0, 1)))
        self._sync_lens()

    def box(self) -> tuple[float, float, float]:
        """The magnified region, (left, top, side) in picture units."""
        return lens_box(*self.uv, self.zoom)

    def refresh_zoom(self) -> None:
        """The pictures changed: the zoom row samples them again."""
        self._sync_lens()

    def _sync_lens(self) -> None:
        box = self.box() if self.magnifier else None
        for k in PANELS:
            self.panels[k].lens = box
            self.panels[k].update()
            self.zooms[k].source = self.panels[k].pixels
            self.zooms[k].box = box
            self.zooms[k].placeholder = self.panels[k].placeholder if self.panels[k].pixels is None else ""
            self.zooms[k].update()
        for c in self.diffs.values():
            c.lens = box
            c.update()

    # -- files dropped ---------------------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.sig_file.emit(files[0])

    # -- layout ----------------------------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:
        """Square panels as wide as a column (declaring height-for-width would spread up to the window)."""
        super().resizeEvent(event)
        self._fit()

    def _fit(self, out_side: int | None = None) -> None:
        n = len(PANELS)
        side = max(MIN_SIDE, (self.width() - (n - 1) * self._grid.horizontalSpacing()) // n)
        for c in (*self.panels.values(), *self.zooms.values(), *self.diffs.values()):
            if c.height() != side:
                c.setFixedHeight(side)
        out = out_side or getattr(self, "_out_side", 0)
        room = side - StripCanvas.MARGIN
        display = room // out * out if out and room >= out else room  # whole multiples of the output's pixels
        for c in (*self.panels.values(), *self.diffs.values()):
            if c.display != display:
                c.display = display
                c.update()

    def set_output_side(self, side: int) -> None:
        """The outputs' size in pixels (f·s): every panel is drawn at a whole multiple of it."""
        self._out_side = int(side)
        self._fit(self._out_side)
