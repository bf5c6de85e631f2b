"""The Text tool's view: the digits drawn (a grid; click one to choose it) or the edit (start → edited), the chosen
digit's path through the optimisation, Open in Styles and Export. No state lives here: ``text.py`` sets what it shows
and listens to its signals."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from ... import theme
from ...panels.samples import to_qimage
from ..canvases import GRID_PAD, GridCanvas, side_by_side
from ..common import WrapLabel
from .enhance_view import column_title
from .resolution_view import BlockCanvas
from .widgets import heading


def grid_picture(images: np.ndarray, cols: int, pad: int = 2) -> np.ndarray:
    """(N, H, W, 3) uint8 → one picture, ``cols`` a row, ``pad`` px of grid grey around and between (the look of
    ``trainers.images.to_uint8_grid``); cells past N stay grey."""
    n, h, w, _ = images.shape
    cols = max(1, min(cols, n))
    rows = -(-n // cols)
    out = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad, 3), GRID_PAD, np.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        out[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = images[i]
    return out


def grid_cols(n: int) -> int:
    """Digits a row in the view and in the exported grid: four up to 16 (two rows of four for the default 8)."""
    return min(n, 4) if n <= 16 else 8


def path_cells(trajectory: list, i: int) -> tuple[list[np.ndarray], list[str]]:
    """Image ``i`` at each kept step of an optimisation, and the steps as labels ("start" for step 0)."""
    return [imgs[i] for _, imgs in trajectory], ["start" if step == 0 else str(step) for step, _ in trajectory]


class TextView(QWidget):
    """What the prompt drew (a grid of digits, click one to choose it) or the edit (start → edited); under either,
    the chosen digit's path through the optimisation; then Open in Styles and Export."""

    sig_picked = Signal(int)
    """A digit of the grid was clicked (its index)."""

    def __init__(self):
        super().__init__()
        self.mode = "draw"
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setMaximumHeight(16)
        self.progress.setVisible(False)
        self.grid = GridCanvas()
        self.grid.clickable = True
        self.grid.placeholder = "Type a prompt on the left"
        self.grid.setMinimumSize(200, 200)
        self.grid.setToolTip("The digits drawn for the prompt, each labelled with its similarity to the prompt "
                             "after the optimisation; click one to choose it")
        self.start_title = column_title("Start", "The styles the edit starts from")
        self.edited_title = column_title("Edited", "After optimising towards the prompt, kept near the start by the "
                                                   "image and w weights")
        self.start = BlockCanvas()
        self.edited = BlockCanvas()
        for c in (self.start, self.edited):
            c.placeholder = "Editing…"
            c.setFixedHeight(200)
        self.start_note = WrapLabel("")
        self.start_note.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.edited_note = WrapLabel("")
        self.edited_note.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        arrow = QLabel("→")
        arrow.setStyleSheet(f"font-size: 22pt; color: {theme.MUTED}")
        self.path_title = heading("The optimisation's path")
        self.path = GridCanvas()
        self.path.placeholder = "With optimisation steps, the path shows here"
        self.path.setMinimumSize(200, 96)
        self.path.setMaximumHeight(120)
        self.open_btn = QPushButton("Open in Styles")
        self.open_btn.setToolTip("The chosen digit's styles (W+) become the Styles tool's current sample, to mix, "
                                 "move or look inside")
        self.export_btn = QPushButton("Export as PNG…")
        self.export_btn.setToolTip("The digits drawn (the grid), or the edit's path from the start to the result, "
                                   "enlarged with crisp pixels (also Export ▸ Save grid as PNG…)")

        draw = QWidget()
        dl = QVBoxLayout(draw)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(self.grid, 1)
        edit = QWidget()
        el = QVBoxLayout(edit)
        el.setContentsMargins(0, 0, 0, 0)
        pair = QHBoxLayout()
        for title, canvas, note in ((self.start_title, self.start, self.start_note),
                                    (self.edited_title, self.edited, self.edited_note)):
            col = QVBoxLayout()
            col.addWidget(title)
            col.addWidget(canvas)
            col.addWidget(note)
            pair.addLayout(col, 1)
            if canvas is self.start:
                pair.addWidget(arrow)
        el.addLayout(pair)
        el.addStretch(1)
        self.pages = QStackedWidget()
        self.pages.addWidget(draw)
        self.pages.addWidget(edit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.open_btn)
        buttons.addWidget(self.export_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.progress)
        lay.addWidget(self.pages, 1)
        lay.addWidget(self.path_title)
        lay.addWidget(self.path)
        lay.addLayout(buttons)
        self.grid.sig_clicked.connect(self.sig_picked)

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.pages.setCurrentIndex(1 if mode == "edit" else 0)

    def set_waiting(self, text: str) -> None:
        """No text model to draw with yet: one large note where the digits will be, no path."""
        self.clear(text)
        self.pages.setCurrentIndex(0)
        self.path_title.setVisible(False)
        self.path.setVisible(False)

    def clear(self, placeholder: str) -> None:
        """Nothing drawn (another model, no text model yet): every picture empty, ``placeholder`` in the grid."""
        self.set_mode(self.mode)
        self.path_title.setVisible(True)
        self.path.setVisible(True)
        self.grid.placeholder = placeholder
        for c in (self.grid, self.path):
            c.cell_labels, c.marks = [], {}
            c.set_image(None)
        for c in (self.start, self.edited):
            c.placeholder = placeholder
            c.show_pixels(None)
        self.start_note.setText("")
        self.edited_note.setText("")
        self.progress.setVisible(False)

    def show_grid(self, images: np.ndarray, final: list[float], selected: int) -> None:
        cols = grid_cols(len(images))
        self.grid.set_layout(cols, images.shape[1])
        self.grid.cell_labels = [f"{s:.2f}" for s in final]
        self.grid.marks = {selected: theme.ACCENT} if len(images) > 1 else {}
        self.grid.set_image(to_qimage(grid_picture(images, cols)))

    def show_edit(self, start: np.ndarray, edited: np.ndarray, before: float, after: float, where: str) -> None:
        self.start.show_pixels(start)
        self.edited.show_pixels(edited)
        self.start_note.setText(f"{where}<br>similarity {before:.2f}")
        self.edited_note.setText(f"similarity {after:.2f}")

    def show_path(self, cells: list[np.ndarray], labels: list[str], what: str) -> None:
        self.path_title.setText(what)
        if not cells:
            self.path.cell_labels = []
            self.path.set_image(None)
            return
        self.path.set_layout(len(cells), cells[0].shape[0])
        self.path.cell_labels = labels
        self.path.set_image(to_qimage(side_by_side(cells)))

    def show_progress(self, step: int, steps: int, sim: float) -> None:
        self.progress.setVisible(True)
        self.progress.setRange(0, max(1, steps))
        self.progress.setValue(step)
        self.progress.setFormat(f"optimising: step %v / %m · similarity {sim:.2f}")
