"""The explorer tab: what a checkpoint's generator makes. Pick a checkpoint of the selected run (best,
last or any kept step), a seed, a class for conditional models, InfoGAN code values; the grid renders on
the render thread and every control answers at once (requests coalesce, stale results are dropped)."""

from __future__ import annotations

import random
import re
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)
from superqt import QLabeledDoubleSlider

from ..workers.render import RenderRequest, RenderThread
from .samples import ImageCanvas, to_qimage

CKPT_RE = re.compile(r"^(last|best|step_\d+)\.safetensors$")


def list_checkpoints(run_dir: str | None) -> list[Path]:
    """best, last, then kept steps newest first."""
    if not run_dir:
        return []
    folder = Path(run_dir) / "checkpoints"
    try:
        found = [p for p in folder.iterdir() if CKPT_RE.match(p.name)]
    except OSError:
        return []
    order = {"best": 0, "last": 1}
    return sorted(found, key=lambda p: (order.get(p.stem, 2), -int(p.stem[5:]) if p.stem.startswith("step_") else 0))


class ExplorerPanel(QWidget):
    sig_save_png = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._run_dir: str | None = None
        self._thread: RenderThread | None = None
        self._latest_id = 0
        self._info: dict = {}
        self._code_widgets: dict[str, QWidget] = {}

        self.checkpoint = QComboBox()
        self.checkpoint.setToolTip("best: lowest quality proxy so far · last: newest · step_N: kept snapshots")
        self.refresh_btn = QPushButton("↻")
        self.refresh_btn.setToolTip("Look for new checkpoints")
        self.refresh_btn.setFixedWidth(32)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.dice = QPushButton("Randomize")
        self.dice.setToolTip("A new seed (R)")
        self.count = QComboBox()
        for n in (16, 36, 64, 100):
            self.count.addItem(f"{n} samples", n)
        self.count.setCurrentIndex(2)
        self.label = QComboBox()
        self.label_row = QLabel("Class")
        self.codes_box = QFormLayout()
        self.about = QLabel("")
        self.about.setObjectName("muted")
        self.about.setWordWrap(True)
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.save_btn = QPushButton("Save PNG…")
        self.save_btn.clicked.connect(self.sig_save_png)
        self.canvas = ImageCanvas()
        self.canvas.placeholder = "Select a run with a checkpoint"

        form = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.checkpoint, 1)
        row.addWidget(self.refresh_btn)
        form.addRow("Checkpoint", row)
        row = QHBoxLayout()
        row.addWidget(self.seed, 1)
        row.addWidget(self.dice)
        form.addRow("Seed", row)
        form.addRow("Grid", self.count)
        form.addRow(self.label_row, self.label)
        side = QVBoxLayout()
        title = QLabel("Explore the generator")
        title.setObjectName("heading")
        side.addWidget(title)
        side.addWidget(self.about)
        side.addLayout(form)
        side.addLayout(self.codes_box)
        side.addWidget(self.error)
        side.addStretch(1)
        side.addWidget(self.save_btn)
        side_w = QWidget()
        side_w.setLayout(side)
        side_w.setFixedWidth(300)
        lay = QHBoxLayout(self)
        lay.addWidget(side_w)
        lay.addWidget(self.canvas, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(15)
        self._debounce.timeout.connect(self.render)
        self.checkpoint.currentIndexChanged.connect(self._on_checkpoint)
        self.refresh_btn.clicked.connect(self.reload_checkpoints)
        self.seed.valueChanged.connect(self._debounce.start)
        self.count.currentIndexChanged.connect(self._debounce.start)
        self.label.currentIndexChanged.connect(self._debounce.start)
        self.dice.clicked.connect(self.randomize)
        self._sync_label_row(False)

    # -- public --------------------------------------------------------------------------------------------
    def set_run(self, run_dir: str | None) -> None:
        self._run_dir = run_dir
        self._info = {}
        self.reload_checkpoints()

    def reload_checkpoints(self) -> None:
        keep = self.checkpoint.currentData()
        self.checkpoint.blockSignals(True)
        self.checkpoint.clear()
        for p in list_checkpoints(self._run_dir):
            self.checkpoint.addItem(p.stem, str(p))
        i = self.checkpoint.findData(keep) if keep else -1
        self.checkpoint.setCurrentIndex(max(i, 0))
        self.checkpoint.blockSignals(False)
        has = self.checkpoint.count() > 0
        for w in (self.seed, self.dice, self.count, self.save_btn):
            w.setEnabled(has)
        if not has:
            self.canvas.set_image(None)
            self.canvas.placeholder = ("This run has no checkpoint yet (one is written every checkpoint interval "
                                       "and on stop)") if self._run_dir else "Select a run with a checkpoint"
            self.about.setText("")
        self._on_checkpoint()

    def randomize(self) -> None:
        self.seed.setValue(random.randrange(0, 2**31 - 1))

    def request(self) -> RenderRequest | None:
        path = self.checkpoint.currentData()
        if not path:
            return None
        label = self.label.currentData() if self.label.isEnabled() else None
        codes = []
        for name, w in self._code_widgets.items():
            if isinstance(w, QComboBox) and w.currentData() is not None:
                codes.append((name, float(w.currentData())))
            elif isinstance(w, _ContCode) and w.fixed.isChecked():
                codes.append((name, float(w.slider.value())))
        try:
            stamp = Path(path).stat().st_mtime
        except OSError:
            stamp = 0.0
        return RenderRequest(path, int(self.count.currentData()), int(self.seed.value()), label, tuple(codes), stamp)

    def render(self) -> None:
        req = self.request()
        if req is None:
            return
        if self._thread is None:
            self._thread = RenderThread(self)
            self._thread.sig_rendered.connect(self._on_rendered)
            self._thread.sig_failed.connect(self._on_failed)
        self._latest_id = self._thread.request(req)

    def shutdown(self) -> None:
        if self._thread is not None:
            self._thread.stop()
            self._thread = None

    def current_image(self):
        return self.canvas.image()

    # -- internals -----------------------------------------------------------------------------------------
    def _on_checkpoint(self, *_):
        self._info = {}
        self.render()

    def _on_rendered(self, rid: int, image, info: dict) -> None:
        if rid != self._latest_id:
            return  # stale: a newer request is on its way
        self.error.setText("")
        if info != self._info:
            self._info = info
            self._build_controls(info)
            if self.request() != self._thread._last:  # the new controls describe another request
                self._debounce.start()
        self.canvas.set_image(to_qimage(image))
        bits = [info.get("title") or info.get("family", ""), f"step {info.get('step', 0):,}",
                f"trained on {info.get('dataset', '?')}"]
        self.about.setText(" · ".join(b for b in bits if b))

    def _on_failed(self, rid: int, message: str) -> None:
        if rid == self._latest_id:
            self.error.setText(f"⚠ {message}")

    def _sync_label_row(self, on: bool) -> None:
        self.label.setEnabled(on)
        self.label.setVisible(on)
        self.label_row.setVisible(on)

    def _build_controls(self, info: dict) -> None:
        classes = info.get("classes") or []
        self.label.blockSignals(True)
        self.label.clear()
        if classes:
            self.label.addItem("random (mixed classes)", None)
        for i, name in enumerate(classes):
            self.label.addItem(f"{i}: {name}" if str(name) != str(i) else str(i), i)
        self.label.blockSignals(False)
        self._sync_label_row(bool(classes))
        while self.codes_box.rowCount():
            self.codes_box.removeRow(0)
        self._code_widgets.clear()
        for code in info.get("codes") or []:
            if code["kind"] == "categorical":
                w = QComboBox()
                w.addItem("random", None)
                for k in range(code["categories"]):
                    w.addItem(str(k), k)
                w.currentIndexChanged.connect(self._debounce.start)
            else:
                w = _ContCode()
                w.changed.connect(self._debounce.start)
            w.setToolTip("InfoGAN code: fix it to see what it controls")
            self._code_widgets[code["name"]] = w
            self.codes_box.addRow(f"Code {code['name']}", w)


class _ContCode(QWidget):
    """A continuous InfoGAN code: random per sample, or fixed by the slider (±2, beyond training's ±1)."""

    changed = Signal()

    def __init__(self):
        super().__init__()
        self.fixed = QCheckBox("fix")
        self.slider = QLabeledDoubleSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(-2.0, 2.0)
        self.slider.setValue(0.0)
        self.slider.setEnabled(False)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.fixed)
        lay.addWidget(self.slider, 1)
        self.fixed.toggled.connect(self.slider.setEnabled)
        self.fixed.toggled.connect(self.changed)
        self.slider.valueChanged.connect(self.changed)
