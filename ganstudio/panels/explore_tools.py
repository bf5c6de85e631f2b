"""The explorer tools that edit the current sample: the latent (seed, truncation, z or principal directions),
InfoGAN codes with the traversal grid, and cGAN classes with blending and the all-classes grid."""

from __future__ import annotations

import random

import numpy as np
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QFormLayout, QGridLayout, QHBoxLayout, QLabel,
                               QPushButton, QRadioButton, QSpinBox, QVBoxLayout, QWidget)

from ..latent import ExplorerState
from ..workers.render import Output
from .explore_common import Context, DragSlider, GridCanvas, Tool, caption_label, titled

N_SLIDERS = 8
SWEEP = (-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)


def _muted(text: str) -> QLabel:
    lab = QLabel(text)
    lab.setObjectName("muted")
    lab.setWordWrap(True)
    return lab


class LatentTool(Tool):
    """Seed, truncation ψ, and sliders on the first dimensions of z or on GANSpace principal directions.
    The view sweeps each slider's direction from −3 to +3 around the current sample."""

    name = "latent"
    title = "Latent"

    def __init__(self, state):
        super().__init__(state)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("The seed draws z exactly as `ganstudio sample --seed` does")
        self.dice = QPushButton("Randomize")
        self.dice.setToolTip("A new seed (R)")
        self.trunc = DragSlider(0.0, 1.5, 1.0)
        self.trunc.setToolTip("Truncation ψ: z ← ψ·z. Below 1 trades variety for typical, cleaner samples")
        self.mode_z = QRadioButton("z dimensions")
        self.mode_pc = QRadioButton("Principal directions")
        self.mode_pc.setToolTip("GANSpace: PCA of the first layer's activations, carried back to z")
        self.mode_z.setChecked(True)
        self.sliders: list[DragSlider] = []
        self.slider_names: list[QLabel] = []
        self.reset = QPushButton("Reset")
        self.reset.setToolTip("Back to the seed's z, ψ = 1, no direction offsets")

        form = QFormLayout(self)
        row = QHBoxLayout()
        row.addWidget(self.seed, 1)
        row.addWidget(self.dice)
        form.addRow("Seed", row)
        form.addRow("Truncation ψ", self.trunc)
        modes = QHBoxLayout()
        modes.addWidget(self.mode_z)
        modes.addWidget(self.mode_pc)
        form.addRow(modes)
        for i in range(N_SLIDERS):
            s = DragSlider(-3.0, 3.0)
            name = QLabel(f"z[{i}]")
            self.sliders.append(s)
            self.slider_names.append(name)
            form.addRow(name, s)
            s.valueChanged.connect(lambda v, i=i: self._on_slider(i, v))
            s.sliderReleased.connect(self.sig_drag_end)
        self.note = _muted("")
        form.addRow(self.note)
        form.addRow(self.reset)

        self.grid = GridCanvas()
        self.grid.placeholder = "Rendering…"
        self.caption = caption_label("")
        self.view = titled("Directions", self.caption, self.grid)

        self.seed.valueChanged.connect(self._on_seed)
        self.dice.clicked.connect(self.randomize)
        self.trunc.valueChanged.connect(lambda v: self.edit("trunc", truncation=round(float(v), 4)))
        self.trunc.sliderReleased.connect(self.sig_drag_end)
        self.mode_pc.toggled.connect(self._on_mode)
        self.reset.clicked.connect(self._on_reset)

    @property
    def pc_mode(self) -> bool:
        return self.mode_pc.isChecked()

    def set_context(self, ctx: Context) -> None:
        super().set_context(ctx)
        has_pc = ctx.directions is not None
        self.mode_pc.setEnabled(has_pc)
        if not has_pc:
            self.mode_z.setChecked(True)
        self._label_sliders()

    def _label_sliders(self) -> None:
        if self.ctx is None:
            return
        zd = self.ctx.space.z_dim
        exp = self.ctx.directions["explained"] if self.ctx.directions is not None else None
        for i, (s, lab) in enumerate(zip(self.sliders, self.slider_names)):
            if self.pc_mode:
                k = len(self.ctx.directions["dirs"])
                lab.setText(f"PC{i + 1}")
                s.setToolTip(f"Principal direction {i + 1}: {exp[i] * 100:.1f}% of the first layer's variance, "
                             "in units of its σ" if i < k else "")
                s.setEnabled(i < k)
            else:
                lab.setText(f"z[{i}]")
                s.setToolTip(f"Dimension {i} of z (N(0, 1) when sampled)")
                s.setEnabled(i < zd)
        which = f"All {zd} values of z" if zd <= N_SLIDERS else f"The first {N_SLIDERS} of z's {zd} values"
        self.note.setText("Offsets along the top principal directions (in σ); the grid sweeps each from −3σ to 3σ"
                          if self.pc_mode else f"{which}; the grid sweeps each from −3 to 3")

    def show_state(self, st: ExplorerState) -> None:
        self.seed.blockSignals(True)
        self.seed.setValue(st.seed)
        self.seed.blockSignals(False)
        self.trunc.set_quietly(st.truncation)
        for i, s in enumerate(self.sliders):
            if self.pc_mode:
                s.set_quietly(st.offsets[i] if i < len(st.offsets) else 0.0)
            else:
                s.set_quietly(float(np.clip(st.base_z[i], -3, 3)) if i < len(st.base_z) else 0.0)

    def randomize(self) -> None:
        self.seed.setValue(random.randrange(0, 2**31 - 1))

    def _on_seed(self, seed: int) -> None:
        if self.ctx is None:
            return
        z = self.ctx.seed_z(seed)[0]
        self.edit("", seed=int(seed), base_z=tuple(float(v) for v in z))

    def _on_slider(self, i: int, value: float) -> None:
        st = self.state()
        if self.pc_mode:
            offs = list(st.offsets) + [0.0] * (N_SLIDERS - len(st.offsets))
            offs[i] = round(float(value), 4)
            self.edit(f"pc{i}", offsets=tuple(offs))
        elif i < len(st.base_z):
            z = list(st.base_z)
            z[i] = round(float(value), 4)
            self.edit(f"z{i}", base_z=tuple(z))

    def _on_mode(self, _on: bool) -> None:
        self._label_sliders()
        self.show_state(self.state())
        self.sig_refresh.emit()

    def _on_reset(self) -> None:
        if self.ctx is not None:
            z = self.ctx.seed_z(self.state().seed)[0]
            self.edit("", base_z=tuple(float(v) for v in z), truncation=1.0, offsets=())

    def outputs(self, st: ExplorerState) -> list[Output]:
        ctx = self.ctx
        rows = []
        base = self.vector(st)
        zd = ctx.space.z_dim
        if self.pc_mode and ctx.directions is not None:
            dirs, sigma = ctx.directions["dirs"], ctx.directions["sigma"]
            n = min(6, len(dirs))
            labels = [f"PC{i + 1}" for i in range(n)]
            for i in range(n):
                for a in SWEEP:
                    v = base.copy()
                    v[:zd] += (a - (st.offsets[i] if i < len(st.offsets) else 0.0)) * sigma[i] * dirs[i]
                    rows.append(v)
        else:
            n = min(6, zd)
            labels = [f"z[{i}]" for i in range(n)]
            for i in range(n):
                for a in SWEEP:
                    v = base.copy()
                    v[i] = a * st.truncation
                    rows.append(v)
        self.grid.set_layout(len(SWEEP), ctx.side or 1)
        self.grid.row_labels = labels if ctx.is_image else []
        self.caption.setText("each row sweeps one " + ("principal direction" if self.pc_mode else "z value")
                             + " from −3 to +3, the rest of the sample held fixed")
        return [Output.of("directions", np.stack(rows), cols=len(SWEEP))]

    def take(self, name: str, image) -> None:
        from .samples import to_qimage

        self.grid.set_image(to_qimage(image))


class InfoGanTool(Tool):
    """InfoGAN's codes: a button per categorical value, sliders for the continuous codes beyond their
    training range, and the paper's figure live: one code swept down the rows, fixed noise across columns."""

    name = "infogan"
    title = "InfoGAN codes"

    def __init__(self, state):
        super().__init__(state)
        self._lay = QVBoxLayout(self)
        self._body = QWidget()
        self._lay.addWidget(self._body)
        self.groups: list[QButtonGroup] = []
        self.cont: list[DragSlider] = []
        self.sweep = QComboBox()
        self.sweep.setToolTip("The code the grid sweeps down its rows")
        self.columns = QSpinBox()
        self.columns.setRange(1, 12)
        self.columns.setValue(8)
        self.columns.setToolTip("Fixed noise samples, one per column (the first is the current sample)")
        self.grid = GridCanvas()
        self.grid.placeholder = "Rendering…"
        self.caption = caption_label("")
        self.view = titled("Code traversal", self.caption, self.grid)
        self.sweep.currentIndexChanged.connect(self.sig_refresh)
        self.columns.valueChanged.connect(self.sig_refresh)
        self._lay.addStretch(1)

    def unavailable(self, ctx: Context) -> str:
        return "" if ctx.space.code_names else ("this model has no InfoGAN codes; train the infogan family or "
                                                "pick the bundled InfoGAN")

    def set_context(self, ctx: Context) -> None:
        super().set_context(ctx)
        old = self._body
        self._body = QWidget()
        self._lay.replaceWidget(old, self._body)
        old.deleteLater()
        self.groups, self.cont = [], []
        form = QFormLayout(self._body)
        sp = ctx.space
        self.sweep.blockSignals(True)
        keep = self.sweep.currentText()
        self.sweep.clear()
        for k, n in enumerate(sp.cat_dims):
            name = sp.code_names[k]
            box = QWidget()
            grid = QGridLayout(box)
            grid.setContentsMargins(0, 0, 0, 0)
            grid.setSpacing(3)
            group = QButtonGroup(box)
            group.setExclusive(True)
            for v in range(n):
                b = QPushButton(str(v))
                b.setCheckable(True)
                b.setFixedWidth(36)
                b.setToolTip(f"{name} = {v}")
                group.addButton(b, v)
                grid.addWidget(b, v // 5, v % 5)
            group.idClicked.connect(lambda v, k=k: self._on_cat(k, v))
            self.groups.append(group)
            form.addRow(f"Code {name}", box)
            self.sweep.addItem(f"{name} (all {n} values)", name)
        cont_names = sp.code_names[len(sp.cat_dims):]
        for j, name in enumerate(cont_names):
            s = DragSlider(-2.0, 2.0)
            s.setToolTip(f"Continuous code {name}: trained on U[−1, 1]; ±2 shows how it extrapolates")
            s.valueChanged.connect(lambda v, j=j: self._on_cont(j, v))
            s.sliderReleased.connect(self.sig_drag_end)
            self.cont.append(s)
            form.addRow(f"Code {name}", s)
            self.sweep.addItem(f"{name} from −2 to 2", name)
        if cont_names:
            form.addRow(_muted("Continuous codes were trained on [−1, 1]; the sliders go to ±2 to show what "
                               "happens beyond."))
        form.addRow("Sweep", self.sweep)
        form.addRow("Columns", self.columns)
        i = self.sweep.findText(keep)
        self.sweep.setCurrentIndex(max(0, i))
        self.sweep.blockSignals(False)
        self.show_state(self.state())

    def show_state(self, st: ExplorerState) -> None:
        for k, group in enumerate(self.groups):
            b = group.button(st.cat[k] if k < len(st.cat) else 0)
            if b is not None:
                b.setChecked(True)
        for j, s in enumerate(self.cont):
            s.set_quietly(st.cont[j] if j < len(st.cont) else 0.0)

    def _on_cat(self, k: int, v: int) -> None:
        cat = list(self.state().cat)
        cat[k] = int(v)
        self.edit("", cat=tuple(cat))

    def _on_cont(self, j: int, v: float) -> None:
        cont = list(self.state().cont)
        cont[j] = round(float(v), 4)
        self.edit(f"cont{j}", cont=tuple(cont))

    def sweep_values(self) -> tuple[str, list]:
        sp = self.ctx.space
        name = self.sweep.currentData() or (sp.code_names[0] if sp.code_names else "")
        idx = sp.code_names.index(name) if name in sp.code_names else 0
        if idx < len(sp.cat_dims):
            return name, list(range(sp.cat_dims[idx]))
        return name, [round(float(v), 2) for v in np.linspace(-2, 2, 9)]

    def outputs(self, st: ExplorerState) -> list[Output]:
        ctx = self.ctx
        sp = ctx.space
        name, values = self.sweep_values()
        idx = sp.code_names.index(name)
        cols = self.columns.value()
        zs = [st.z(ctx.directions)]
        if cols > 1:
            zs += list(ctx.seed_z(st.seed + 1, cols - 1) * st.truncation)
        rows = []
        for v in values:
            cat, cont = list(st.cat), list(st.cont)
            if idx < len(sp.cat_dims):
                cat[idx] = int(v)
            else:
                cont[idx - len(sp.cat_dims)] = float(v)
            for z in zs:
                rows.append(sp.vector(z, st.label, st.label_b, st.blend, cat, cont))
        self.grid.set_layout(cols, ctx.side or 1)
        self.grid.row_labels = [str(v) for v in values]
        self.caption.setText(f"rows: {name} = {values[0]} … {values[-1]} · columns: fixed noise (first = the "
                             "current sample) · other codes as set")
        return [Output.of("traversal", np.stack(rows), cols=cols)]

    def take(self, name: str, image) -> None:
        from .samples import to_qimage

        self.grid.set_image(to_qimage(image))


class CganTool(Tool):
    """cGAN classes: pick the class by name, blend toward a second class, and see every class for the same z."""

    name = "cgan"
    title = "cGAN classes"

    def __init__(self, state):
        super().__init__(state)
        self._lay = QVBoxLayout(self)
        self.buttons = QButtonGroup(self)
        self.buttons.setExclusive(True)
        self._box = QWidget()
        self._lay.addWidget(self._box)
        self.blend_on = QCheckBox("Blend toward")
        self.blend_on.setToolTip("The class input becomes (1 − t)·onehot(A) + t·onehot(B)")
        self.blend_to = QComboBox()
        self.blend = DragSlider(0.0, 1.0, 0.5)
        self.rows = QSpinBox()
        self.rows.setRange(1, 8)
        self.rows.setValue(4)
        self.rows.setToolTip("Rows of noise in the all-classes grid (the first row is the current sample's z)")
        form = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.blend_on)
        row.addWidget(self.blend_to, 1)
        form.addRow(row)
        form.addRow("t", self.blend)
        form.addRow("Grid rows", self.rows)
        self._lay.addLayout(form)
        self._lay.addWidget(_muted("A conditional generator takes the class as a one-hot input; blending feeds a "
                                   "mix of two, which the network never saw in training."))
        self._lay.addStretch(1)
        self.grid = GridCanvas()
        self.grid.placeholder = "Rendering…"
        self.caption = caption_label("")
        self.view = titled("All classes, same z", self.caption, self.grid)
        self.buttons.idClicked.connect(lambda k: self.edit("", label=int(k)))
        self.blend_on.toggled.connect(self._on_blend)
        self.blend_to.currentIndexChanged.connect(self._on_blend)
        self.blend.valueChanged.connect(self._on_blend)
        self.blend.sliderReleased.connect(self.sig_drag_end)
        self.rows.valueChanged.connect(self.sig_refresh)

    def unavailable(self, ctx: Context) -> str:
        return "" if ctx.space.classes else ("this model is not conditional; cgan, cdcgan and cgan-proj take a "
                                             "class (or pick the bundled cGAN)")

    def set_context(self, ctx: Context) -> None:
        super().set_context(ctx)
        for b in self.buttons.buttons():
            self.buttons.removeButton(b)
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(3)
        names = ctx.space.classes
        per_row = 5 if all(len(n) <= 3 for n in names) else 2
        for k, n in enumerate(names):
            b = QPushButton(n)
            b.setCheckable(True)
            b.setToolTip(f"class {k}: {n}")
            self.buttons.addButton(b, k)
            grid.addWidget(b, k // per_row, k % per_row)
        self._lay.replaceWidget(self._box, box)
        self._box.deleteLater()
        self._box = box
        self.blend_to.blockSignals(True)
        self.blend_to.clear()
        for k, n in enumerate(names):
            self.blend_to.addItem(n, k)
        self.blend_to.setCurrentIndex(min(1, len(names) - 1))
        self.blend_to.blockSignals(False)
        self.show_state(self.state())

    def show_state(self, st: ExplorerState) -> None:
        b = self.buttons.button(st.label)
        if b is not None:
            b.setChecked(True)
        for w in (self.blend_on, self.blend_to):
            w.blockSignals(True)
        self.blend_on.setChecked(st.label_b is not None)
        if st.label_b is not None:
            self.blend_to.setCurrentIndex(max(0, self.blend_to.findData(st.label_b)))
            self.blend.set_quietly(st.blend)
        for w in (self.blend_on, self.blend_to):
            w.blockSignals(False)
        self.blend_to.setEnabled(self.blend_on.isChecked())
        self.blend.setEnabled(self.blend_on.isChecked())

    def _on_blend(self, *_):
        on = self.blend_on.isChecked()
        self.blend_to.setEnabled(on)
        self.blend.setEnabled(on)
        if on:
            self.edit("blend", label_b=int(self.blend_to.currentData() or 0), blend=round(float(self.blend.value()), 4))
        else:
            self.edit("", label_b=None, blend=0.0)

    def outputs(self, st: ExplorerState) -> list[Output]:
        ctx = self.ctx
        sp = ctx.space
        n_rows = self.rows.value()
        zs = [st.z(ctx.directions)]
        if n_rows > 1:
            zs += list(ctx.seed_z(st.seed + 1, n_rows - 1) * st.truncation)
        vecs = [sp.vector(z, k, None, 0.0, st.cat, st.cont) for z in zs for k in range(len(sp.classes))]
        self.grid.set_layout(len(sp.classes), ctx.side or 1)
        self.grid.row_labels = []
        self.caption.setText("columns: " + " · ".join(sp.classes[:12]) + (" …" if len(sp.classes) > 12 else "")
                             + " · rows: one z each (first = the current sample)")
        return [Output.of("classes", np.stack(vecs), cols=len(sp.classes))]

    def take(self, name: str, image) -> None:
        from .samples import to_qimage

        self.grid.set_image(to_qimage(image))
