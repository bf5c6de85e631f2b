"""The Latent tool: seed, truncation ψ, and sliders on the first values of z or on GANSpace principal
directions; named directions ("slant", "stroke width", ...: ``directions.py``) below them; its view sweeps each
slider's direction (or each named direction) from −3 to +3 around the current sample.

A named direction moves z by its z step, except one that moves only some W+ layers of a StyleGAN (stroke width in
the fine layers): no z gives that, so its moves are kept as the state's slider values only and drawn as an offset to
W+ (outputs of kind "wplus", ``workers/wplus.py``), in the large sample and in this tool's sweeps."""

from __future__ import annotations

import random

import numpy as np
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QPushButton, QRadioButton, QSpinBox

from ...panels.samples import to_qimage
from ...workers.render import Output
from ...workers.wplus import KIND as WPLUS
from ..canvases import GridCanvas
from ..common import DragSlider, PsiControl, Tool, caption_label, muted_label, titled
from ..latent import ExplorerState
from ..model import Context, ExplorerModel
from .directions import NamedDirections, row_name

N_SLIDERS = 8
SWEEP = (-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)


class LatentTool(Tool):
    """Seed, truncation ψ, and sliders on the first dimensions of z or on GANSpace principal directions.
    The view sweeps each slider's direction from −3 to +3 around the current sample."""

    name = "latent"
    title = "Latent"

    def __init__(self, model: ExplorerModel):
        super().__init__(model)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("The seed draws z exactly as `ganstudio sample --seed` does")
        self.dice = QPushButton("Randomize")
        self.dice.setToolTip("A new seed (R)")
        self.trunc = DragSlider(0.0, 1.5, 1.0)
        self.trunc.setToolTip("Truncation ψ: z ← ψ·z. Below 1 trades variety for typical, cleaner samples")
        self.psi = PsiControl()  # BigGAN's truncation to ±ψ, shown instead of the ψ·z slider for such models
        self.mode_z = QRadioButton("z dimensions")
        self.mode_pc = QRadioButton("Principal directions")
        self.mode_pc.setToolTip("GANSpace: PCA of the first layer's activations, carried back to z")
        self.mode_named = QRadioButton("Named")
        self.mode_named.setToolTip("The view sweeps each named direction from −3σ to +3σ")
        self.mode_z.setChecked(True)
        self.named = NamedDirections()
        self.sliders: list[DragSlider] = []
        self.slider_names: list[QLabel] = []
        self.reset = QPushButton("Reset")
        self.reset.setToolTip("Back to the seed's z, no truncation (ψ = 1, or off for BigGAN), no direction "
                              "offsets")

        form = self._form = QFormLayout(self)
        row = QHBoxLayout()
        row.addWidget(self.seed, 1)
        row.addWidget(self.dice)
        form.addRow("Seed", row)
        form.addRow("Truncation ψ", self.trunc)
        form.addRow("Truncation ψ", self.psi)
        form.setRowVisible(self.psi, False)
        modes = QHBoxLayout()
        modes.addWidget(self.mode_z)
        modes.addWidget(self.mode_pc)
        modes.addWidget(self.mode_named)
        form.addRow(modes)
        for i in range(N_SLIDERS):
            s = DragSlider(-3.0, 3.0)
            name = QLabel(f"z[{i}]")
            self.sliders.append(s)
            self.slider_names.append(name)
            form.addRow(name, s)
            s.valueChanged.connect(lambda v, i=i: self._on_slider(i, v))
            s.sliderReleased.connect(self.model.break_merge)
        self.note = muted_label("")
        form.addRow(self.note)
        form.addRow(self.reset)
        form.addRow(titled("Named directions", None, self.named))

        self.grid = GridCanvas()
        self.grid.placeholder = "Rendering…"
        self.caption = caption_label("")
        self.view = titled("Directions", self.caption, self.grid)

        self.seed.valueChanged.connect(self._on_seed)
        self.dice.clicked.connect(self.randomize)
        self.trunc.valueChanged.connect(lambda v: self.edit("trunc", truncation=round(float(v), 4)))
        self.trunc.sliderReleased.connect(self.model.break_merge)
        self.psi.sig_changed.connect(lambda v: self.edit("psi", psi=v))
        self.psi.sig_released.connect(self.model.break_merge)
        self.mode_pc.toggled.connect(self._on_mode)
        self.mode_named.toggled.connect(self._on_mode)
        self.reset.clicked.connect(self._on_reset)
        self.named.sig_moved.connect(self._on_named)
        self.named.sig_released.connect(self.model.break_merge)
        self.named.sig_method.connect(self._on_named_method)

    @property
    def pc_mode(self) -> bool:
        return self.mode_pc.isChecked()

    def set_context(self, ctx: Context) -> None:
        super().set_context(ctx)
        normal = ctx.space.truncation == "normal"
        self._form.setRowVisible(self.trunc, not normal)
        self._form.setRowVisible(self.psi, normal)
        has_pc = ctx.directions is not None
        self.mode_pc.setEnabled(has_pc)
        self.mode_pc.setToolTip("GANSpace: PCA of the first layer's activations, carried back to z" if has_pc else
                                "Off: this model has no principal directions (they are found for image models)")
        if not has_pc:
            self.mode_z.setChecked(True)
        self.named.set_checkpoint(ctx.checkpoint if ctx.is_image else "", str(ctx.info.get("hash", "")))
        self._on_named_method(refresh=False)  # the panel renders once every tool has the new model

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
                             "in units of its σ" if i < k else f"Off: this model has {k} principal directions")
                s.setEnabled(i < k)
            else:
                lab.setText(f"z[{i}]")
                s.setToolTip(f"Dimension {i} of z (N(0, 1) when sampled)" if i < zd
                             else f"Off: this model's z has {zd} values")
                s.setEnabled(i < zd)
        which = f"All {zd} values of z" if zd <= N_SLIDERS else f"The first {N_SLIDERS} of z's {zd} values"
        if self.pc_mode:
            k = min(N_SLIDERS, len(self.ctx.directions["dirs"]))
            which = f"Offsets along the top {k} principal directions (in σ)"
        self.note.setText(f"{which}; the grid sweeps each from −3 to 3" + (" σ" if self.pc_mode else ""))

    def show_state(self, st: ExplorerState) -> None:
        self.seed.blockSignals(True)
        self.seed.setValue(st.seed)
        self.seed.blockSignals(False)
        self._show_values(st)

    def _show_values(self, st: ExplorerState) -> None:
        """ψ and the sliders; also after this tool's own seed and Reset edits, which replace all of z (a drag
        is left alone: the slider being dragged already shows its value)."""
        self.trunc.set_quietly(st.truncation)
        self.psi.set_quietly(st.psi)
        self.named.show_values(dict(st.named))
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
        self.edit("", seed=int(seed), base_z=tuple(float(v) for v in z), named=())
        self._show_values(self.state())

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

    def _on_named(self, name: str, value: float) -> None:
        """A named slider moved: z moves by (value − where it was)·(its z step); one undo step per drag. A direction
        on some W+ layers only leaves z alone: the slider's value is its move (``ws_offset``)."""
        d = next((d for d in self.named.directions() if d.name == name), None)
        st = self.state()
        if d is None or (not d.layers and len(d.z_step) != len(st.base_z)):
            return
        named = dict(st.named)
        z = np.asarray(st.base_z, np.float64)
        if not d.layers:
            z = z + (value - named.get(name, 0.0)) * np.asarray(d.z_step, np.float64)
        named[name] = value
        self.edit(f"named:{name}", base_z=tuple(float(v) for v in z),
                  named=tuple((k, v) for k, v in named.items() if v != 0.0))

    def _ws_shape(self) -> tuple[int, int] | None:
        ds = self.named.ds
        layered = [d for d in ds.directions if d.layers] if ds is not None else []
        return (int(ds.info.get("num_ws", 0)), len(layered[0].vector)) if layered and ds.info.get("num_ws") else None

    def ws_offset(self, st: ExplorerState, extra=None) -> np.ndarray | None:
        """The W+ offset (num_ws, w_dim) of the state's moves along directions on some W+ layers only, plus
        ``extra`` (direction, σ) when given; None when there is nothing to add (no such direction is moved)."""
        shape = self._ws_shape()
        if shape is None:
            return None
        moves = dict(st.named)
        if extra is not None:
            moves[extra[0].name] = extra[1]
        off = np.zeros(shape, np.float32)
        moved = False
        for d in self.named.ds.directions:
            a = moves.get(d.name, 0.0)
            if d.layers and a:
                off[list(d.layers)] += np.float32(a * d.sigma) * np.asarray(d.vector, np.float32)
                moved = True
        return off if moved or extra is not None else None

    def main_output(self, st: ExplorerState) -> Output | None:
        """The large sample when named moves live in W+ (kind "wplus"); None: the plain input vector draws it."""
        off = self.ws_offset(st) if self.ctx is not None and self.ctx.is_image else None
        if off is None:
            return None
        return Output.of("main", np.concatenate([self.vector(st), off.ravel()]), cols=1, pad=0, kind=WPLUS)

    def _on_named_method(self, refresh: bool = True) -> None:
        has = bool(self.named.directions())
        self.mode_named.setEnabled(has)
        if not has and self.mode_named.isChecked():
            for b in (self.mode_z, self.mode_named):
                b.blockSignals(True)
            self.mode_z.setChecked(True)
            for b in (self.mode_z, self.mode_named):
                b.blockSignals(False)
        self._label_sliders()
        if self.ctx is not None and refresh:
            self.show_state(self.state())
            self.sig_refresh.emit()

    def shutdown(self) -> None:
        self.named.shutdown()

    def _on_mode(self, _on: bool) -> None:
        self._label_sliders()
        self.show_state(self.state())
        self.sig_refresh.emit()

    def _on_reset(self) -> None:
        if self.ctx is not None:
            z = self.ctx.seed_z(self.state().seed)[0]
            self.edit("", base_z=tuple(float(v) for v in z), truncation=1.0, psi=None, offsets=(), named=())
            self._show_values(self.state())

    def outputs(self, st: ExplorerState) -> list[Output]:
        ctx = self.ctx
        rows = []
        base = self.vector(st)
        zd = ctx.space.z_dim
        named = self.named.directions() if self.mode_named.isChecked() else []
        offsets = []  # per row, its W+ offset where some named move lives in W+ (else None)
        if named:
            labels = [row_name(d) for d in named]
            at = dict(st.named)
            for d in named:
                step = np.asarray(d.z_step, np.float32)
                for a in SWEEP:
                    v = base.copy()
                    offsets.append(self.ws_offset(st, (d, a)) if d.layers else None)
                    if not d.layers and len(step) == zd:
                        v[ctx.space._z()] += np.float32(st.truncation) * (a - at.get(d.name, 0.0)) * step
                    rows.append(v)
        elif self.pc_mode and ctx.directions is not None:
            dirs, sigma = ctx.directions["dirs"], ctx.directions["sigma"]
            n = min(N_SLIDERS, len(dirs))  # one row per slider
            labels = [f"PC{i + 1}" for i in range(n)]
            for i in range(n):
                for a in SWEEP:
                    v = base.copy()
                    v[:zd] += (a - (st.offsets[i] if i < len(st.offsets) else 0.0)) * sigma[i] * dirs[i]
                    rows.append(v)
        else:
            n = min(N_SLIDERS, zd)
            labels = [f"z[{i}]" for i in range(n)]
            for i in range(n):
                for a in SWEEP:
                    v = base.copy()
                    v[i] = st.truncate(np.float32(a))  # the value a z draw of a would get
                    rows.append(v)
        self.grid.set_layout(len(SWEEP), ctx.side or 1)
        self.grid.row_labels = labels if ctx.is_image else []
        what = "named direction" if named else "principal direction" if self.pc_mode else "z value"
        self.caption.setText(f"each row sweeps one {what} from −3 to +3" + (" σ" if named else "")
                             + ", the rest of the sample held fixed")
        now = self.ws_offset(st)
        offsets = offsets or [now] * len(rows)
        if any(o is not None for o in offsets):  # W+ moves: every row carries its offset (the current one by default)
            fill = np.zeros(self._ws_shape(), np.float32) if now is None else now
            offsets = [fill if o is None else o for o in offsets]
            return [Output.of("directions", np.concatenate([np.stack(rows), np.stack(offsets).reshape(len(rows), -1)],
                                                           1), cols=len(SWEEP), kind=WPLUS)]
        return [Output.of("directions", np.stack(rows), cols=len(SWEEP))]

    def take(self, name: str, image) -> None:
        self.grid.set_image(to_qimage(image))
