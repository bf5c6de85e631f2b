"""The cGAN tool: pick the class by name, blend toward a second class, and see every class for the same z."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QSpinBox, QVBoxLayout,
                               QWidget)

from ...panels.samples import to_qimage
from ...workers.render import Output
from ..canvases import GridCanvas
from ..common import DragSlider, Tool, caption_label, class_buttons, muted_label, titled
from ..latent import ExplorerState
from ..model import Context, ExplorerModel


class CganTool(Tool):
    """cGAN classes: pick the class by name, blend toward a second class, and see every class for the same z."""

    name = "cgan"
    title = "cGAN classes"

    def __init__(self, model: ExplorerModel):
        super().__init__(model)
        self._lay = QVBoxLayout(self)
        self.buttons = QButtonGroup(self)
        self.buttons.setExclusive(True)
        self._box = QWidget()
        self._lay.addWidget(self._box)
        self.blend_on = QCheckBox("Blend toward")
        self.blend_on.setToolTip("The class input becomes (1 − t)·onehot(A) + t·onehot(B)")
        self.blend_to = QComboBox()  # long class names must not widen the tool past its column
        self.blend_to.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.blend_to.setMinimumContentsLength(4)
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
        self._lay.addWidget(muted_label("A conditional generator takes the class as a one-hot input; blending feeds a "
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
        self.blend.sliderReleased.connect(self.model.break_merge)
        self.rows.valueChanged.connect(self.sig_refresh)

    def unavailable(self, ctx: Context) -> str:
        return "" if ctx.space.classes else ("this model is not conditional; cgan, cdcgan and cgan-proj take a "
                                             "class (or pick the bundled cGAN)")

    def set_context(self, ctx: Context) -> None:
        super().set_context(ctx)
        names = ctx.space.classes
        box = class_buttons(self.buttons, names)
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
            zs += list(st.truncate(ctx.seed_z(st.seed + 1, n_rows - 1)))
        vecs = [sp.vector(z, k, None, 0.0, st.cat, st.cont) for z in zs for k in range(len(sp.classes))]
        self.grid.set_layout(len(sp.classes), ctx.side or 1)
        self.grid.row_labels = []
        self.caption.setText("columns: " + " · ".join(sp.classes[:12]) + (" …" if len(sp.classes) > 12 else "")
                             + " · rows: one z each (first = the current sample)")
        return [Output.of("classes", np.stack(vecs), cols=len(sp.classes))]

    def take(self, name: str, image) -> None:
        self.grid.set_image(to_qimage(image))
