"""Vector arithmetic (Radford et al. 2015, Fig. 7): bookmark samples from a pool into named groups, average
each group (the paper uses three exemplars), and render A − B + C with a small neighbourhood around it."""

from __future__ import annotations

import random

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from ... import theme
from ...panels.samples import to_qimage
from ...workers.render import Output
from ..canvases import GridCanvas, grid_cells
from ..common import GROUP_COLORS, Tool, WrapLabel, caption_label
from ..latent import arithmetic, group_mean, neighbourhood
from ..model import Context, ExplorerModel

POOL_COLS = 6
POOL = POOL_COLS * POOL_COLS


class EquationView(QWidget):
    """A − B + C = result: the three group means and the result, drawn as large as the room allows (crisp
    pixels) with the operators between them and each group's name under its image."""

    OPS = ("−", "+", "=")

    def __init__(self):
        super().__init__()
        self.cells: list[QImage] = []
        self.names: list[str] = ["", "", "", "result"]
        self.setMinimumSize(70, 40)  # the window's minimum width must stay under 800 px

    def set_names(self, names: list[str]) -> None:
        self.names = list(names)[:3] + ["result"]
        self.update()

    def show_grid(self, image: np.ndarray | None, side: int = 0) -> None:
        """The rendered one-row grid of four (None: nothing yet). A 2D-points model's single scatter is shown
        whole, without operators."""
        cells = None if image is None else grid_cells(image, 4, side)
        self.cells = [] if image is None else [to_qimage(c) for c in (cells if cells is not None else [image])]
        self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(theme.BASE))
        if not self.cells:
            return
        fm = p.fontMetrics()
        op_w, text_h = fm.horizontalAdvance("  =  "), fm.height() + 4
        n = len(self.cells)
        room = min((self.width() - (n - 1) * op_w) / n, self.height() - text_h - 8)
        if room <= 1:  # too small to draw the images without mirroring them over the operators
            return
        img = self.cells[0]
        scale = room / max(img.width(), img.height())
        scale = int(scale) if scale >= 1 else scale
        w, h = img.width() * scale, img.height() * scale
        x = (self.width() - n * w - (n - 1) * op_w) / 2
        y = (self.height() - h - text_h) / 2
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale < 1)
        for j, cell in enumerate(self.cells):
            p.drawImage(QRectF(x, y, w, h), cell)
            if n > 1:
                p.setPen(QColor(theme.MUTED))
                p.drawText(QRectF(x - op_w / 2, y + h + 2, w + op_w, text_h), Qt.AlignmentFlag.AlignCenter,
                           self.names[j])
                if j < n - 1:
                    p.setPen(QColor(theme.TEXT))
                    p.drawText(QRectF(x + w, y, op_w, h), Qt.AlignmentFlag.AlignCenter, self.OPS[j])
            x += w + op_w
        p.end()


class ArithmeticTool(Tool):
    resync = True
    name = "arithmetic"
    title = "Vector arithmetic"

    def __init__(self, model: ExplorerModel):
        super().__init__(model)
        self.pool_seed = QSpinBox()
        self.pool_seed.setRange(0, 2**31 - 1)
        self.pool_seed.setValue(1)
        self.pool_seed.setToolTip("The seed of the pool of samples to pick from")
        self.new_pool = QPushButton("New pool")
        self.pool_seed.setMinimumWidth(90)
        self.groups = QListWidget()
        self.groups.setToolTip("Click a sample in the pool to add it to the selected group (click again to "
                               "remove). Double-click a group to rename it.")
        self.groups.setMaximumHeight(120)
        self.add_group = QPushButton("Add group")
        self.clear_group = QPushButton("Clear group")
        self.bookmark = QPushButton("Bookmark current sample")
        self.bookmark.setToolTip("Add the current sample's z to the selected group (B)")
        self.slots = [QComboBox() for _ in range(3)]
        for c in self.slots:
            c.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            c.setMinimumContentsLength(3)
        self.use = QPushButton("Use result as current sample")
        form = QFormLayout(self)
        row = QHBoxLayout()
        row.addWidget(self.pool_seed, 1)
        row.addWidget(self.new_pool)
        form.addRow("Pool seed", row)
        hint = QLabel("Groups: click pool samples into the selected one")
        hint.setWordWrap(True)
        form.addRow(hint)
        form.addRow(self.groups)
        row = QHBoxLayout()
        row.addWidget(self.add_group)
        row.addWidget(self.clear_group)
        form.addRow(row)
        form.addRow(self.bookmark)
        eq = QHBoxLayout()
        for i, (combo, op) in enumerate(zip(self.slots, ("", "−", "+"))):
            if op:
                eq.addWidget(QLabel(op))
            eq.addWidget(combo, 1)
        form.addRow(QLabel("Result ="))
        form.addRow(eq)
        form.addRow(self.use)
        note = QLabel("Each group is averaged; the result is A − B + C in z, shown with neighbours at σ = 0.25 "
                      "(the DCGAN paper's Figure 7 uses three exemplars per group).")
        note.setObjectName("muted")
        note.setWordWrap(True)
        form.addRow(note)

        self.pool = GridCanvas()
        self.pool.clickable = True
        self.pool.placeholder = "Rendering…"
        self.pool.setCursor(Qt.CursorShape.PointingHandCursor)
        self.equation = EquationView()
        self.near = GridCanvas()
        self.near.setMinimumSize(40, 40)
        self.near.placeholder = ""
        self.eq_caption = caption_label("")
        view = QWidget()
        lay = QVBoxLayout(view)
        lay.setContentsMargins(4, 4, 4, 4)
        head = WrapLabel("Pool · click to bookmark", "heading")  # a narrow view wraps it
        lay.addWidget(head)
        lay.addWidget(self.pool, 3)
        lay.addWidget(self.eq_caption)
        bottom = QHBoxLayout()
        bottom.addWidget(self.equation, 2)
        bottom.addWidget(self.near, 1)
        lay.addLayout(bottom, 2)
        self.view = view

        self.pool_seed.valueChanged.connect(self.sig_refresh)
        self.new_pool.clicked.connect(lambda: self.pool_seed.setValue(random.randrange(0, 2**31 - 1)))
        self.pool.sig_clicked.connect(self.toggle_pool_sample)
        self.add_group.clicked.connect(self._add_group)
        self.clear_group.clicked.connect(self._clear_group)
        self.bookmark.clicked.connect(self.bookmark_current)
        self.groups.itemChanged.connect(self._renamed)
        self.groups.currentRowChanged.connect(lambda _: self._mark_pool())
        for c in self.slots:
            c.currentIndexChanged.connect(self.sig_refresh)
        self.use.clicked.connect(self._use_result)
        self._pool_z: np.ndarray | None = None

    # -- state ----------------------------------------------------------------------------------------------
    def set_context(self, ctx: Context) -> None:
        super().set_context(ctx)
        self._pool_z = None
        self.show_state(self.state())

    def show_state(self, st) -> None:
        current = self.active_group()
        picks = [c.currentText() for c in self.slots]
        self.groups.blockSignals(True)
        self.groups.clear()
        for i, (name, members) in enumerate(st.groups):
            item = QListWidgetItem(f"{name}")
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setToolTip(f"{len(members)} sample(s)")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            item.setForeground(QColor(GROUP_COLORS[i % len(GROUP_COLORS)]))
            item.setText(f"{name}  ({len(members)})")
            self.groups.addItem(item)
        names = [n for n, _ in st.groups]
        self.groups.setCurrentRow(names.index(current) if current in names else 0)
        self.groups.blockSignals(False)
        for i, c in enumerate(self.slots):
            c.blockSignals(True)
            c.clear()
            c.addItems(names)
            want = picks[i] if picks[i] in names else (names[i] if i < len(names) else names[0])
            c.setCurrentText(want)
            c.blockSignals(False)
        self._mark_pool()

    def active_group(self) -> str | None:
        item = self.groups.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def pool_z(self) -> np.ndarray:
        if self._pool_z is None or self._pool_seed != self.pool_seed.value():
            self._pool_seed = self.pool_seed.value()
            self._pool_z = self.ctx.seed_z(self._pool_seed, POOL)
        return self._pool_z

    def toggle_pool_sample(self, index: int) -> None:
        if self.ctx is None or not 0 <= index < POOL:
            return
        self.toggle_z(self.pool_z()[index])

    def toggle_z(self, z) -> None:
        name = self.active_group()
        if name is None:
            return
        key = tuple(float(v) for v in z)
        members = list(self.state().group(name))
        if key in members:
            members.remove(key)
        else:
            members.append(key)
        self.edit("", groups=self.state().with_group(name, tuple(members)).groups)

    def bookmark_current(self) -> None:
        if self.ctx is None:
            return
        name = self.active_group()
        if name is None:
            return
        key = tuple(float(v) for v in self.state().z(self.ctx.directions))
        members = self.state().group(name)
        if key not in members:
            self.edit("", groups=self.state().with_group(name, members + (key,)).groups)
            self.sig_message.emit("info", f"Bookmarked the current sample in group {name}")

    def _add_group(self) -> None:
        names = [n for n, _ in self.state().groups]
        k = len(names)
        name = chr(ord("A") + k) if k < 26 else f"G{k + 1}"
        while name in names:
            k += 1
            name = f"G{k + 1}"
        self.edit("", groups=self.state().groups + ((name, ()),))
        self.groups.setCurrentRow(self.groups.count() - 1)

    def _clear_group(self) -> None:
        name = self.active_group()
        if name is not None:
            self.edit("", groups=self.state().with_group(name, ()).groups)

    def _renamed(self, item: QListWidgetItem) -> None:
        old = item.data(Qt.ItemDataRole.UserRole)
        new = item.text().split("  (")[0].strip()
        names = [n for n, _ in self.state().groups]
        if not new or new == old or new in names:
            self.show_state(self.state())
            if new in names and new != old:
                self.sig_message.emit("warning", f"There is already a group called {new}")
            return
        groups = tuple((new if n == old else n, m) for n, m in self.state().groups)
        picks = [c.currentText() for c in self.slots]
        self.edit("", groups=groups)
        for c, p in zip(self.slots, picks):
            c.setCurrentText(new if p == old else p)

    def _mark_pool(self) -> None:
        if self.ctx is None or self._pool_z is None:
            return
        marks = {}
        index = {tuple(float(v) for v in z): i for i, z in enumerate(self._pool_z)}
        for g, (_, members) in enumerate(self.state().groups):
            for m in members:
                if m in index:
                    marks[index[m]] = GROUP_COLORS[g % len(GROUP_COLORS)]
        self.pool.marks = marks
        self.pool.update()

    # -- results --------------------------------------------------------------------------------------------
    def result_z(self) -> tuple[np.ndarray | None, list[np.ndarray | None]]:
        st = self.state()
        means = [group_mean(st.group(c.currentText())) for c in self.slots]
        if any(m is None for m in means):
            return None, means
        return arithmetic(*means), means

    def _use_result(self) -> None:
        z, _ = self.result_z()
        if z is None:
            self.sig_message.emit("warning", "Put at least one sample in each of the three groups first")
            return
        self.edit("", base_z=tuple(float(v) for v in z), truncation=1.0, psi=None, offsets=(), label_b=None, blend=0.0)

    def outputs(self, st) -> list[Output]:
        ctx = self.ctx
        sp = ctx.space
        cur = self.plain_vector(st)  # the current class and codes, never the cGAN tool's blend
        pool = np.stack([sp.with_z(cur, z) for z in self.pool_z()])
        self.pool.set_layout(POOL_COLS, ctx.side or 1)
        self._mark_pool()
        outs = [Output.of("pool", pool, cols=POOL_COLS)]
        z, means = self.result_z()
        names = [c.currentText() for c in self.slots]
        if z is None:
            missing = [n for n, m in zip(names, means) if m is None]
            self.eq_caption.setText(f"Add samples to {', '.join(missing)} to see {names[0]} − {names[1]} + {names[2]}")
            self.equation.show_grid(None)
            self.near.set_image(None)
            return outs
        counts = [len(st.group(n)) for n in names]
        self.eq_caption.setText(f"mean {names[0]} ({counts[0]}) − mean {names[1]} ({counts[1]}) + mean {names[2]} "
                                f"({counts[2]}) = result · right: neighbours of the result")
        eq = np.stack([sp.with_z(cur, m) for m in means] + [sp.with_z(cur, z)])
        self.equation.set_names([f"{n} ({k})" for n, k in zip(names, counts)])
        near = np.stack([sp.with_z(cur, v) for v in neighbourhood(z, 9, 0.25, seed=st.seed)])
        self.near.set_layout(3, ctx.side or 1)
        return outs + [Output.of("equation", eq, cols=4), Output.of("neighbours", near, cols=3)]

    def take(self, name: str, image) -> None:
        if name == "equation":
            self.equation.show_grid(image, self.ctx.side if self.ctx is not None else 0)
            return
        {"pool": self.pool, "neighbours": self.near}[name].set_image(to_qimage(image))
