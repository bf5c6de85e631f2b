"""The Text tool's text model: found beside the checkpoint (or in the user cache), described in one line, and, when
there is none (or the one there cannot be used), trained from a button: what it takes, a progress bar that names
the part being trained (clip, inverter, mapper), Cancel. The training runs on ``workers/text.py``'s
``TrainTextThread``; the stored model comes back as ``sig_trained`` and the tool uses it at once."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QVBoxLayout, QWidget

from ...workers.text import TrainTextThread, training_minutes
from ..common import WrapLabel

PARTS = ("clip", "inverter", "mapper")  # the text model's parts, in the order they train
PART_WORDS = {"clip": "clip (text and image encoders)", "inverter": "inverter (image → w)",
              "mapper": "mapper (text → w)"}


def find_text_model(checkpoint: str, weights_hash: str) -> str | None:
    """``td.find_text_model`` for an open checkpoint: it reads only the path and the weights hash, the ones the render
    thread described, so nothing is loaded on the GUI thread."""
    from trainers.text import tedigan as td

    found = td.find_text_model(SimpleNamespace(path=Path(checkpoint), weights_hash=weights_hash))
    return str(found) if found is not None else None


def describe_text_model(path: str, checkpoint: str) -> str:
    """The text model in one line: where it is kept and how it was trained (from its JSON sidecar)."""
    p = Path(path)
    where = "beside the checkpoint" if p.parent == Path(checkpoint).parent else "in the user cache"
    try:
        meta = json.loads(p.with_suffix(".json").read_text())
        steps = " · ".join(f"{k} {int(v):,}" for k, v in meta.get("steps", {}).items())
        how = f", trained {steps} steps in {float(meta.get('seconds', 0)) / 60:.0f} min"
    except (OSError, ValueError, TypeError, AttributeError):
        how = ""
    return f"Text model {where}{how}. Similarity: cosine of image and prompt in its own text–image space."


class TextModelBox(QWidget):
    """Shown while the open checkpoint has no usable text model, or one is training (module docstring)."""

    sig_trained = Signal(str, str)
    """(checkpoint, the stored text model's path)."""
    sig_changed = Signal()
    """Training started or stopped, or the model found changed: the tool enables its controls again."""
    sig_message = Signal(str, str)
    """(level, text) for the explorer's message line."""

    def __init__(self):
        super().__init__()
        self.checkpoint = ""
        self.path: str | None = None  # the checkpoint's text model
        self.error = ""  # why that file cannot be used
        self._thread: TrainTextThread | None = None
        self.note = WrapLabel("", "")
        self.train_btn = QPushButton("Train text model")
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.setToolTip("Stop training; nothing is written")
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.part = WrapLabel("")
        row = QHBoxLayout()
        row.addWidget(self.train_btn, 1)
        row.addWidget(self.cancel_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 6)
        lay.addWidget(self.note)
        lay.addLayout(row)
        lay.addWidget(self.part)
        lay.addWidget(self.progress)
        self.train_btn.clicked.connect(self.train)
        self.cancel_btn.clicked.connect(self.cancel)
        self._sync()

    # -- public ----------------------------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return bool(self.checkpoint) and self.path is not None and not self.error

    @property
    def training(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    def set_checkpoint(self, checkpoint: str, weights_hash: str = "") -> None:
        """Another generator ("" for none the tool applies to): look for its text model."""
        self.checkpoint, self.error = checkpoint, ""
        self.path = find_text_model(checkpoint, weights_hash) if checkpoint else None
        self._sync()

    def set_error(self, message: str) -> None:
        """The text model file cannot be used (another generator's, damaged): say so and offer to train again."""
        self.error = message
        self._sync()

    def describe(self) -> str:
        return describe_text_model(self.path, self.checkpoint) if self.ready else ""

    def train(self) -> bool:
        """Train the checkpoint's text model (``td.STEPS``) on its thread; it is kept with ``td.store_text_model``."""
        if not self.checkpoint or self.training:
            return False
        t = self._thread = TrainTextThread(self.checkpoint, parent=self)
        t.sig_progress.connect(self._on_progress)
        t.sig_result.connect(self._on_done)
        t.sig_failed.connect(self._on_failed)
        t.sig_cancelled.connect(self._on_cancelled)
        t.finished.connect(self._sync)
        t.start()
        self.show_preparing()
        self._sync()
        return True

    def cancel(self) -> None:
        if self._thread is not None:
            self._thread.cancel()

    def shutdown(self) -> None:
        """Stop and join a training still running (nothing is written)."""
        t, self._thread = self._thread, None
        if t is not None:
            t.cancel()
            t.wait()

    def show_preparing(self) -> None:
        """Before the first step: the generator and its dataset load (the digits are drawn once, then cached)."""
        self.part.setText("Loading the generator and its digits…")
        self.progress.setFormat("")
        self.progress.setRange(0, 0)

    def show_progress(self, part: str, done: int, total: int) -> None:
        k = PARTS.index(part) + 1 if part in PARTS else 0
        self.part.setText(f"Training part {k} of {len(PARTS)}: {PART_WORDS.get(part, part)}")
        self.progress.setFormat(f"{part}: %v / %m steps")
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)

    # -- internals -------------------------------------------------------------------------------------------
    def _sync(self, *_) -> None:
        training = self.training
        self.setVisible(bool(self.checkpoint) and (not self.ready or training))
        self.train_btn.setEnabled(not training)
        for w in (self.cancel_btn, self.progress, self.part):
            w.setVisible(training)
        minutes = training_minutes()
        self.note.setText((self.error or "This StyleGAN has no text model yet: train one") +
                          f" (about {minutes} minute{'s' if minutes != 1 else ''} on a laptop CPU). It learns the "
                          "digits' words from captions written from their known factors; nothing is downloaded.")
        self.train_btn.setText("Train again" if self.error else "Train text model")
        self.sig_changed.emit()

    def _on_progress(self, part: str, done: int, total: int) -> None:
        if self.sender() is self._thread:
            self.show_progress(part, done, total)

    def _on_done(self, result: tuple[str, str, dict]) -> None:
        checkpoint, path, info = result
        self.sig_message.emit("info", f"Trained the text model in {info.get('seconds', 0):.0f} s; kept in {path}")
        if checkpoint == self.checkpoint:
            self.path, self.error = path, ""
            self._sync()
            self.sig_trained.emit(checkpoint, path)

    def _on_failed(self, message: str) -> None:
        self.sig_message.emit("error", f"Text model not trained: {message}")

    def _on_cancelled(self) -> None:
        self.sig_message.emit("info", "Training the text model was cancelled; nothing was written")
