"""The InfoGAN tool: a button per categorical code value, sliders for the continuous codes, and the paper's
traversal figure live (one code swept down the rows, fixed noise across the columns)."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QFormLayout, QGridLayout, QPushButton, QSizePolicy, QSpinBox,
                               QVBoxLayout, QWidget)

from ...panels.samples import to_qimage
from ...workers.render import Output
from ..canvases import GridCanvas
from ..common import DragSlider, Tool, caption_label, muted_label, titled
from ..latent import ExplorerState
from ..model import Context, ExplorerModel


def matched_classes(ctx: Context) -> dict[str, list[str]]:
    """For each categorical code, the class each value was matched to by the checkpoint's stored evaluation
    (``ganstudio eval`` or a run's live evaluation; the bundled models carry theirs), or nothing."""
    from trainers.metrics.evaluate import stored_result

    try:
        result = stored_result(ctx.checkpoint, int(ctx.info.get("step", -1)))
    except (TypeError, ValueError):
        return {}
    codes = ((result or {}).get("metrics", {}).get("code_accuracy") or {}).get("codes") or {}
    return {name: [str(c) for c in d.get("value_to_class", [])] for name, d in codes.items()
            if isinstance(d, dict)}


class InfoGanTool(Tool):
    """InfoGAN's codes: a button per categorical value, sliders for the continuous codes beyond their
    training range, and the paper's figure live: one code swept down the rows, fixed noise across columns."""

    name = "infogan"
    title = "InfoGAN codes"

    def __init__(self, model: ExplorerModel):
        super().__init__(model)
        self._lay = QVBoxLayout(self)
        self._body = QWidget()
        self._lay.addWidget(self._body)
        self.groups: list[QButtonGroup] = []
        self.cont: list[DragSlider] = []
        self.sweep = QComboBox()
        self.sweep.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.sweep.setMinimumContentsLength(8)
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
        matched = matched_classes(ctx)
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
            digits = matched.get(name) or []
            for v in range(n):
                shows = digits[v] if v < len(digits) else None
                b = QPushButton(f"{v}→{shows}" if shows is not None else str(v))
                b.setCheckable(True)
                b.setMinimumWidth(24)  # five to a row share the column's width instead of asking for more
                b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
                b.setToolTip(f"{name} = {v}" + (f": draws mostly class {shows} (matched by ganstudio eval)"
                                                 if shows is not None else ""))
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
            s.sliderReleased.connect(self.model.break_merge)
            self.cont.append(s)
            form.addRow(f"Code {name}", s)
            self.sweep.addItem(f"{name} from −2 to 2", name)
        if cont_names:
            form.addRow(muted_label("Continuous codes were trained on [−1, 1]; the sliders go to ±2 to show what "
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
            zs += list(st.truncate(ctx.seed_z(st.seed + 1, cols - 1)))
        rows = []
        for v in values:
            cat, cont = list(st.cat), list(st.cont)
            if idx < len(sp.cat_dims):
                cat[idx] = int(v)
            else:
                cont[idx - len(sp.cat_dims)] = float(v)
            for z in zs:
                rows.append(sp.vector(z, st.label, None, 0.0, cat, cont))  # no cGAN blend (plain_vector)
        self.grid.set_layout(cols, ctx.side or 1)
        self.grid.row_labels = [str(v) for v in values]
        self.caption.setText(f"rows: {name} = {values[0]} … {values[-1]} · columns: fixed noise (first = the "
                             "current sample) · other codes as set")
        return [Output.of("traversal", np.stack(rows), cols=cols)]

    def take(self, name: str, image) -> None:
        self.grid.set_image(to_qimage(image))
