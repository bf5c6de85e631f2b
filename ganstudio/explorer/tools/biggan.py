"""The BigGAN tool: what a class-conditional generator with a hierarchical z learned.

Pick the class with z fixed; see every class at this z, the class blended from A to B at fixed z (the class
enters through a linear shared embedding, so a soft one-hot interpolates it), or z moved toward another seed's
within the class; resample one chunk of z at a time (chunk 0 feeds the first linear layer, chunk k block k only)
to see which block sets layout, stroke or colour; set BigGAN's truncation ψ (z truncated to ±ψ) and read the
truncation curve (quality against variety as ψ goes to 0, ``biggan_curve.py``).

Every grid cell is the current state with a few fields changed; clicking a cell applies those changes, so what
is clicked becomes the current sample exactly as it was drawn."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QFormLayout, QGridLayout, QHBoxLayout, QLabel, QPushButton,
                               QSizePolicy, QSpinBox, QStackedWidget, QVBoxLayout, QWidget)

from ... import theme
from ...panels.samples import to_qimage
from ...workers.render import Output
from ..canvases import GridCanvas
from ..common import PsiControl, Tool, caption_label, class_buttons, muted_label
from ..latent import ExplorerState, slerp
from ..model import Context, ExplorerModel
from .biggan_curve import TruncationCurve

MODES = (("classes", "Classes", "Every class at this z"),
         ("classmix", "Class A→B", "One class blended into another, z fixed"),
         ("zmix", "z → z′", "z moved toward another seed's, class fixed"),
         ("chunks", "z chunks", "One chunk of z resampled at a time"),
         ("curve", "ψ curve", "The truncation curve: quality against variety"))
VARIANT_SEED = 1809  # the chunk rows' draws: the same for every seed, so one chunk's effect compares across z's
SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def chunk_roles(chunks: tuple[int, ...], side: int) -> list[str]:
    """What each z chunk feeds, with the resolution it works at: chunk 0 the first linear layer (the start
    grid), chunk k block k (which doubles the side)."""
    s0 = side >> (len(chunks) - 1)
    roles = [f"start grid {s0}×{s0}"]
    for k in range(1, len(chunks)):
        a = s0 << (k - 1)
        roles.append(f"block {k}: {a}→{2 * a} px")
    return roles


def chunk_slices(chunks: tuple[int, ...]) -> list[slice]:
    ends = np.cumsum((0,) + tuple(chunks))
    return [slice(int(a), int(b)) for a, b in zip(ends[:-1], ends[1:])]


class BigGanTool(Tool):
    """Classes at fixed z, class and z interpolation, per-chunk resampling, truncation ψ and its curve."""

    name = "biggan"
    title = "BigGAN"
    resync = True  # a clicked cell can change the class the buttons show

    def __init__(self, model: ExplorerModel):
        super().__init__(model)
        self.mode = "classes"
        self._cells: list[dict] = []  # per grid cell: the state changes that make it
        self._resampled: int | None = None  # the chunk last resampled (its row is outlined)
        self._rng = np.random.default_rng()
        self._chunk_rows: list[tuple[QLabel, QPushButton]] = []

        self.buttons = QButtonGroup(self)
        self._class_box = QWidget()
        self.psi = PsiControl()
        self.to_class = QComboBox()
        self.to_class.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.to_class.setMinimumContentsLength(4)
        self.to_class.setToolTip("Class B of the Class A→B view (A is the current class)")
        self.to_seed = QSpinBox()
        self.to_seed.setRange(0, 2**31 - 1)
        self.to_seed.setToolTip("The seed whose z the z → z′ view moves toward (its later rows: the next seeds)")
        self.dice = QPushButton("Random")
        self.dice.setToolTip("Another seed for z′")
        self.rows = QSpinBox()
        self.rows.setRange(1, 6)
        self.rows.setValue(3)
        self.rows.setToolTip("z's in the Classes, Class A→B and z → z′ views: the current z first, then the next "
                             "seeds")
        self.steps = QSpinBox()
        self.steps.setRange(3, 16)
        self.steps.setValue(6)
        self.steps.setToolTip("Samples per row in the interpolation and z chunks views")
        self._chunk_box = QWidget()

        lay = self._lay = QVBoxLayout(self)
        lay.addWidget(_section("Class"))
        lay.addWidget(self._class_box)
        form = QFormLayout()
        form.addRow("Truncation ψ", self.psi)
        lay.addLayout(form)
        lay.addWidget(muted_label("z is drawn from a normal truncated to ±ψ: lower ψ, more typical samples and less "
                                  "variety; at 0 every z is the same."))
        lay.addWidget(_section("Interpolate"))
        form = QFormLayout()
        form.addRow("to class", self.to_class)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.to_seed, 1)
        seed_row.addWidget(self.dice)
        form.addRow("to z of seed", seed_row)
        sizes = QHBoxLayout()
        sizes.addWidget(QLabel("Rows"))
        sizes.addWidget(self.rows)
        sizes.addSpacing(8)
        sizes.addWidget(QLabel("Steps"))
        sizes.addWidget(self.steps)
        sizes.addStretch(1)
        form.addRow(sizes)
        lay.addLayout(form)
        lay.addWidget(_section("z chunks"))
        lay.addWidget(self._chunk_box)
        self.chunk_note = muted_label("")
        lay.addWidget(self.chunk_note)
        lay.addStretch(1)

        self.mode_buttons = QButtonGroup(self)
        bar = QHBoxLayout()
        bar.setSpacing(2)
        for i, (key, label, tip) in enumerate(MODES):
            b = QPushButton(label)
            b.setCheckable(True)
            b.setToolTip(tip)
            b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            b.setMinimumWidth(40)
            self.mode_buttons.addButton(b, i)
            bar.addWidget(b)
        self.mode_buttons.button(0).setChecked(True)
        self.heading = QLabel(MODES[0][2])
        self.heading.setObjectName("heading")
        self.caption = caption_label("")
        self.grid = GridCanvas()
        self.grid.placeholder = "Rendering…"
        self.grid.clickable = True
        self.grid.setToolTip("Click a sample to make it the current one")
        self.curve = TruncationCurve()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.grid)
        self.stack.addWidget(self.curve)
        self.view = QWidget()
        vl = QVBoxLayout(self.view)
        vl.setContentsMargins(4, 4, 4, 4)
        vl.addLayout(bar)
        vl.addWidget(self.heading)
        vl.addWidget(self.caption)
        vl.addWidget(self.stack, 1)

        self.buttons.idClicked.connect(lambda k: self.edit("", label=int(k), label_b=None, blend=0.0))
        self.psi.sig_changed.connect(self._on_psi)
        self.psi.sig_released.connect(self.model.break_merge)
        self.to_class.currentIndexChanged.connect(lambda _i: self.set_mode("classmix"))
        self.to_seed.valueChanged.connect(lambda _v: self.set_mode("zmix"))
        self.dice.clicked.connect(lambda: self.to_seed.setValue(random.randrange(0, 2**31 - 1)))
        self.rows.valueChanged.connect(self.sig_refresh)
        self.steps.valueChanged.connect(self.sig_refresh)
        self.mode_buttons.idClicked.connect(lambda i: self.set_mode(MODES[i][0]))
        self.grid.sig_clicked.connect(self._on_cell)
        self.curve.sig_message.connect(self.sig_message)

    # -- the model -----------------------------------------------------------------------------------------
    def unavailable(self, ctx: Context) -> str:
        family = ctx.info.get("family", "")
        if not ctx.can("z-chunks"):
            what = (ctx.info.get("title") or family).split(" (")[0].split(":")[0]
            return (f"it shows what a BigGAN learned (classes, z chunks per block, truncation), and this model is "
                    f"{what}; train one with --model biggan")
        z = ctx.space.inputs.part("z")
        if not ctx.is_image or not ctx.space.classes or z is None or len(z.chunks) < 2:
            return "this checkpoint has no class input or no per-block z chunks; it is not a BigGAN image model"
        return ""

    def set_context(self, ctx: Context) -> None:
        super().set_context(ctx)
        self._resampled = None
        if self.unavailable(ctx):
            self.curve.set_checkpoint(None, None)
            return
        self._build_classes(ctx)
        self._build_chunks(ctx)
        self.to_class.blockSignals(True)
        self.to_class.clear()
        for k, n in enumerate(ctx.space.classes):
            self.to_class.addItem(n, k)
        self.to_class.setCurrentIndex((self.state().label + 1) % len(ctx.space.classes))
        self.to_class.blockSignals(False)
        self.to_seed.blockSignals(True)
        self.to_seed.setValue(self.state().seed + 1)
        self.to_seed.blockSignals(False)
        self.curve.set_checkpoint(ctx.checkpoint, ctx.info.get("step"))
        self.show_state(self.state())

    def show_state(self, st: ExplorerState) -> None:
        b = self.buttons.button(st.label)
        if b is not None:
            b.setChecked(st.label_b is None or st.blend == 0)
        self.psi.set_quietly(st.psi)
        self.curve.set_psi(st.psi)

    def shutdown(self) -> None:
        self.curve.cancel()

    # -- controls ------------------------------------------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        """Show another view (Classes, Class A→B, z → z′, z chunks, ψ curve)."""
        i = [m[0] for m in MODES].index(mode)
        self.mode_buttons.button(i).setChecked(True)
        self.heading.setText(MODES[i][2])
        self.stack.setCurrentWidget(self.curve if mode == "curve" else self.grid)
        if mode != self.mode:
            self.mode = mode
            self.grid.set_image(None)
            self.sig_refresh.emit()

    def resample_chunk(self, k: int) -> None:
        """New N(0, 1) values for chunk ``k`` of z, every other value kept; the view shows the chunk rows."""
        if self.ctx is None:
            return
        sl = chunk_slices(self._chunks())[k]
        z = np.asarray(self.state().base_z, np.float32).copy()
        z[sl] = self._rng.standard_normal(sl.stop - sl.start)
        self._resampled = k
        self.set_mode("chunks")
        self.edit("", base_z=tuple(float(v) for v in z))

    def _on_psi(self, psi: float | None) -> None:
        self.curve.set_psi(psi)
        self.edit("psi", psi=psi)

    def _on_cell(self, i: int) -> None:
        if 0 <= i < len(self._cells):
            self.edit("", **self._cells[i])

    def _chunks(self) -> tuple[int, ...]:
        return tuple(self.ctx.space.inputs.part("z").chunks)

    def _build_classes(self, ctx: Context) -> None:
        box = class_buttons(self.buttons, ctx.space.classes, ", same z")
        self._class_box = _swap(self._lay, self._class_box, box)

    def _build_chunks(self, ctx: Context) -> None:
        chunks = self._chunks()
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(3)
        self._chunk_rows = []
        for k, (size, role) in enumerate(zip(chunks, chunk_roles(chunks, ctx.side))):
            lab = QLabel(f"z{k}".translate(SUBSCRIPT) + f" · {role}")
            lab.setToolTip(f"chunk {k}: {size} values of z, fed to " + ("the first linear layer" if k == 0 else
                                                                         f"block {k}'s conditional BatchNorms"))
            b = QPushButton("Resample")
            b.setToolTip(f"New values for chunk {k} only ({size} of z's {sum(chunks)}); Undo goes back")
            b.clicked.connect(lambda _=False, k=k: self.resample_chunk(k))
            grid.addWidget(lab, k, 0)
            grid.addWidget(b, k, 1)
            self._chunk_rows.append((lab, b))
        grid.setColumnStretch(0, 1)
        self._chunk_box = _swap(self._lay, self._chunk_box, box)
        self.chunk_note.setText(f"z's {sum(chunks)} values come in {len(chunks)} chunks: the first sets the start "
                                "grid, each later one conditions one block. The z chunks view varies one at a time.")

    # -- the grid ------------------------------------------------------------------------------------------
    def outputs(self, st: ExplorerState) -> list[Output]:
        ctx = self.ctx
        if self.mode == "curve":
            self._cells = []
            self.caption.setText("Scores from the dataset's own classifier at each ψ. Truncation trades variety "
                                 "(recall, FID) for quality (label accuracy, precision).")
            return []
        build = {"classes": self._classes_view, "classmix": self._classmix_view, "zmix": self._zmix_view,
                 "chunks": self._chunks_view}[self.mode]
        cols, cells, labels, marks, text = build(st)
        self._cells = cells
        self.grid.set_layout(cols, ctx.side or 1)
        self.grid.row_labels = labels
        self.grid.marks = marks
        self.caption.setText(text + " Click a sample to make it the current one.")
        vecs = [replace(st, **c).vector(ctx.space, ctx.directions) for c in cells]
        return [Output.of("biggan", np.stack(vecs), cols=cols)]

    def take(self, name: str, image) -> None:
        self.grid.set_image(to_qimage(image))

    def _row_z(self, st: ExplorerState, r: int) -> dict:
        """Row ``r``'s z: the current one, then seeds s+1, s+2, ... (drawn as the Latent tool's seed box draws)."""
        if r == 0:
            return {}
        return {"seed": st.seed + r, "base_z": tuple(float(v) for v in self.ctx.seed_z(st.seed + r)[0])}

    def _classes_view(self, st: ExplorerState):
        names = self.ctx.space.classes
        n = len(names)
        cols = 5 if n == 10 else n  # ten classes as two rows of five, like the class buttons: larger cells
        per_z = n // cols
        cells = [dict(self._row_z(st, r), label=k, label_b=None, blend=0.0)
                 for r in range(self.rows.value()) for k in range(n)]
        marks = {st.label: theme.ACCENT} if st.label_b is None or st.blend == 0 else {}
        labels = []
        for seed in _short([f"#{st.seed + r}" for r in range(self.rows.value())]):
            labels += [seed] + [""] * (per_z - 1)
        where = "each pair of rows" if per_z == 2 else "each row"
        text = (f"Classes {names[0]} … {names[-1]} in the order of the buttons; {where} is one z: this one (#seed, "
                f"outlined: the current class), then the next seeds', all at {_psi(st)}.")
        return cols, cells, labels, marks, text

    def _classmix_view(self, st: ExplorerState):
        a, b = st.label, int(self.to_class.currentData() or 0)
        n = self.steps.value()
        ts = np.linspace(0.0, 1.0, n)
        cells = [dict(self._row_z(st, r), label=a, label_b=b if t > 0 else None, blend=round(float(t), 4))
                 for r in range(self.rows.value()) for t in ts]
        name = self.ctx.class_name
        text = (f"Class {name(a)} → {name(b)}: the class input (1 − t)·onehot(A) + t·onehot(B), t from 0 to 1, "
                f"z fixed per row.")
        if a == b:
            text = f"Class B is the current class ({name(a)}): pick another class to blend toward."
        return n, cells, _short([f"#{st.seed + r}" for r in range(self.rows.value())]), {}, text

    def _zmix_view(self, st: ExplorerState):
        n = self.steps.value()
        start = np.asarray(st.base_z, np.float32)
        cells = []
        for r in range(self.rows.value()):
            seed = self.to_seed.value() + r
            end = self.ctx.seed_z(seed)[0]
            for j, t in enumerate(np.linspace(0.0, 1.0, n)):
                z = start if j == 0 else end if j == n - 1 else slerp(start, end, float(t))
                cell = dict(base_z=tuple(float(v) for v in z), label_b=None, blend=0.0)
                if j == n - 1:
                    cell["seed"] = seed
                cells.append(cell)
        targets = [self.to_seed.value() + r for r in range(self.rows.value())]
        text = (f"Class {self.ctx.class_name(st.label)} throughout; each row slerps from this z to the z of seed "
                + ", ".join(str(t) for t in targets) + f" (one per row), at {_psi(st)}.")
        return n, cells, _short([f"→#{t}" for t in targets]), {}, text

    def _chunks_view(self, st: ExplorerState):
        chunks = self._chunks()
        n = self.steps.value()
        base = np.asarray(st.base_z, np.float32)
        cells = []
        for k, sl in enumerate(chunk_slices(chunks)):
            draws = np.random.default_rng((VARIANT_SEED, k)).standard_normal((n - 1, sl.stop - sl.start))
            cells.append({})
            for d in draws:
                z = base.copy()
                z[sl] = d
                cells.append({"base_z": tuple(float(v) for v in z)})
        labels = [f"z{k}".translate(SUBSCRIPT) for k in range(len(chunks))]
        marks = {self._resampled * n: theme.ACCENT} if self._resampled is not None and self._resampled < len(chunks) \
            else {}
        roles = "; ".join(f"z{k}".translate(SUBSCRIPT) + f" {r}" for k, r in enumerate(chunk_roles(chunks, self.ctx.side)))
        text = f"Row k changes chunk k of z only (first column: the current sample). {roles}."
        return n, cells, labels, marks, text


def _short(labels: list[str]) -> list[str]:
    """Row labels that fit the grid's 30 px margin: none when one is too long (a large seed)."""
    return labels if all(len(t) <= 5 for t in labels) else []


def _psi(st: ExplorerState) -> str:
    return "ψ off" if st.psi is None else f"ψ {st.psi:.2f}"


def _section(text: str) -> QLabel:
    lab = QLabel(text)
    lab.setStyleSheet(f"font-weight: 600; color: {theme.TEXT}; margin-top: 6px;")
    return lab


def _swap(lay: QVBoxLayout, old: QWidget, new: QWidget) -> QWidget:
    lay.replaceWidget(old, new)
    old.deleteLater()
    return new

