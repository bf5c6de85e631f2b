"""The Latent tool's named directions (issue 41): one labelled slider per stored direction ("slant", "stroke width",
"size", ...), its measured effect in its tooltip, and Find directions (with progress and Cancel) when none are
stored. The directions come from ``ganstudio directions`` or this button (``trainers/directions_file.py``), bound to
the generator's weights hash: a file made for another generator is refused with a line that says so.

The widget only shows and reports; the Latent tool turns a slider move into an edit of the state (an undo step)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout,
                               QWidget)

from ...workers.oneshot import failure_line
from ..common import DragSlider, muted_label

N_NAMED = 8
RANGE = 3.0  # the sliders' reach, in σ
TITLES = {"interfacegan": "InterFaceGAN", "sefa": "SeFa", "ganspace": "GANSpace"}
TIPS = {"interfacegan": "InterFaceGAN: fitted on the data's factors as the classifier reads them, each made "
                        "independent of the others and of the class",
        "sefa": "SeFa: from the weights alone (the first layer's strongest directions), named after what each moves "
                "most", "ganspace": "GANSpace: the first layer's principal directions, named after what each moves most"}
SHORT = {"rotation": "rot.", "scale": "size", "aspect": "asp."}  # the sweep's row labels (a narrow column)
SHOWN = {"width": "stroke width", "scale": "size"}  # a factor's name as a slider says it


def shown_name(d) -> str:
    """A direction's name on its slider: the factor in words ("stroke width"), SeFa's and GANSpace's with their
    number ("slant · SeFa 3")."""
    base = d.name.split(" (")[0]
    words = SHOWN.get(base, base)
    return f"{words} · {d.name.split(' (')[1].rstrip(')')}" if " (" in d.name else words


def row_name(d) -> str:
    """A direction's row label in the sweep view: its factor, short."""
    f = d.factor or d.name
    return SHORT.get(f, f[:6])


def load_for(checkpoint: str, weights_hash: str):
    """(the stored DirectionSet or None, a line for the user when there is none or it cannot be used)."""
    from trainers.directions_file import find_directions_file, load_directions
    from trainers.errors import GanStudioError

    owner = SimpleNamespace(path=Path(checkpoint), weights_hash=weights_hash)
    path = find_directions_file(owner) if checkpoint else None
    if path is None:
        return None, "No directions stored for this generator yet: Find directions reads its samples with the " \
                     "dataset's classifier and refines them through the generator (a few minutes)"
    try:
        return load_directions(path, owner), ""
    except GanStudioError as exc:
        return None, str(exc)


class NamedDirections(QWidget):
    """Sliders for the stored directions of one method, a method picker, and Find directions."""

    sig_moved = Signal(str, float)
    """(direction name, new value in σ) while a slider moves."""
    sig_released = Signal()
    """A slider drag ended (for undo merging)."""
    sig_method = Signal()
    """Another method's directions are shown (the sweep view follows)."""

    def __init__(self):
        super().__init__()
        self.ds = None
        self.checkpoint, self.weights_hash = "", ""
        self.thread = None
        self.method = QComboBox()
        self.method.setToolTip("Which directions the sliders move along: InterFaceGAN's are fitted on the data's "
                               "factors; SeFa's come from the weights alone and are named after what they move most")
        self.sliders: list[DragSlider] = []
        self.labels: list[QLabel] = []
        self.names: list[str] = []
        self.note = muted_label("")
        self.find = QPushButton("Find directions")
        self.find.setToolTip("Fit InterFaceGAN's directions on this generator's samples, read by the dataset's "
                             "classifier; add SeFa's and GANSpace's; measure each; store them beside the checkpoint")
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.cancel = QPushButton("Cancel")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.form = QFormLayout()
        self.form.addRow("Directions", self.method)
        for i in range(N_NAMED):
            s = DragSlider(-RANGE, RANGE)
            lab = QLabel("")
            self.sliders.append(s)
            self.labels.append(lab)
            self.form.addRow(lab, s)
            s.valueChanged.connect(lambda v, i=i: self._on_slider(i, v))
            s.sliderReleased.connect(self.sig_released)
        lay.addLayout(self.form)
        lay.addWidget(self.note)
        row = QHBoxLayout()
        row.addWidget(self.find)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel)
        lay.addLayout(row)
        self.find.clicked.connect(self.start)
        self.cancel.clicked.connect(self.stop)
        self.method.currentIndexChanged.connect(self._on_method)
        self._busy(False)
        self._show()

    # -- what is shown -----------------------------------------------------------------------------------------
    def set_checkpoint(self, checkpoint: str, weights_hash: str) -> None:
        """The open generator: load its stored directions (or say why there are none)."""
        if (checkpoint, weights_hash) == (self.checkpoint, self.weights_hash) and self.ds is not None:
            return
        self.checkpoint, self.weights_hash = checkpoint, weights_hash
        self.ds, line = load_for(checkpoint, weights_hash)
        self.method.blockSignals(True)
        self.method.clear()
        for m in ("interfacegan", "sefa", "ganspace"):
            if self.ds is not None and self.ds.of(m):
                self.method.addItem(TITLES[m], m)
                self.method.setItemData(self.method.count() - 1, TIPS[m], Qt.ItemDataRole.ToolTipRole)
        self.method.blockSignals(False)
        self._line = line
        self._show()

    def directions(self) -> list:
        """The directions the sliders show (the picked method's, at most ``N_NAMED``)."""
        if self.ds is None or self.method.currentData() is None:
            return []
        return self.ds.of(self.method.currentData())[:N_NAMED]

    def show_values(self, named: dict[str, float]) -> None:
        for s, name in zip(self.sliders, self.names):
            s.set_quietly(float(named.get(name, 0.0)))

    def _show(self) -> None:
        dirs = self.directions()
        self.names = [d.name for d in dirs]
        for i, (s, lab) in enumerate(zip(self.sliders, self.labels)):
            on = i < len(dirs)
            self.form.setRowVisible(s, on)
            if on:
                lab.setText(shown_name(dirs[i]))
                s.setToolTip(dirs[i].describe() + ". In steps of σ (the spread of samples along it)")
                lab.setToolTip(s.toolTip())
        self.form.setRowVisible(self.method, bool(dirs))
        self.find.setVisible(self.ds is None and bool(self.checkpoint))
        if self.ds is None:
            self.note.setText(getattr(self, "_line", ""))
        elif not self.ds.has_factors:
            self.note.setText(f"{self.ds.info.get('dataset', 'This data')} has no factors the classifier reads, so no "
                              "direction is fitted on them: these are SeFa's, from the weights, named after what "
                              "each moves most")
        else:
            self.note.setText("Named directions, in σ; hover one for how far it moves its factor and how often it "
                              "keeps the digit")

    def _on_method(self, _i: int) -> None:
        self._show()
        self.sig_method.emit()

    def _on_slider(self, i: int, value: float) -> None:
        if i < len(self.names):
            self.sig_moved.emit(self.names[i], round(float(value), 4))

    # -- Find directions ---------------------------------------------------------------------------------------
    def start(self, reader=None) -> None:
        from ...workers.directions import DirectionsThread

        if self.thread is not None or not self.checkpoint:
            return
        self.thread = DirectionsThread(self.checkpoint, reader=reader or None)
        self.thread.sig_progress.connect(self._on_progress)
        self.thread.sig_result.connect(self._on_result)
        self.thread.sig_failed.connect(self._on_failed)
        self.thread.sig_cancelled.connect(self._on_cancelled)
        self.thread.finished.connect(self._on_finished)
        self._busy(True)
        self.note.setText("Finding directions…")
        self.thread.start()

    def stop(self) -> None:
        if self.thread is not None:
            self.thread.cancel()
            self.note.setText("Cancelling…")

    def shutdown(self) -> None:
        if self.thread is not None:
            self.thread.cancel()
            self.thread.wait()

    def _busy(self, on: bool) -> None:
        self.progress.setVisible(on)
        self.cancel.setVisible(on)
        self.find.setEnabled(not on)

    def _on_progress(self, stage: str, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        self.progress.setFormat(f"{stage} %v/%m")

    def _on_result(self, path: str) -> None:
        self.ds = None
        self.checkpoint, ck = "", self.checkpoint
        self.set_checkpoint(ck, self.weights_hash)
        self.sig_method.emit()

    def _on_failed(self, line: str) -> None:
        self.note.setText(failure_line("find directions", line))

    def _on_cancelled(self) -> None:
        self.note.setText("Cancelled: nothing was written")

    def _on_finished(self) -> None:
        self.thread = None
        self._busy(False)
        self.find.setVisible(self.ds is None and bool(self.checkpoint))
