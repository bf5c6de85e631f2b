"""The explorer's scores line: the domain scores of the checkpoint being explored, from its run's eval/ folder
or a bundled model's model.json, or computed on request (Evaluate, Ctrl+M) by ``workers/evaluate.py``."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
                               QVBoxLayout, QWidget)
from superqt import QElidingLabel

from .. import settings
from ..workers.evaluate import EVAL_SAMPLES, EvalThread
from ..workers.oneshot import failure_line
from .eval_progress import EvalProgress

class ScoresBar(QWidget):
    """One line under the explorer's header. ``show_checkpoint`` is called for every model shown."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.checkpoint: str | None = None
        self.step: int | None = None
        self.result: dict | None = None
        self._cache: dict[tuple[str, float], dict] = {}
        self._is_image = True  # scores need an image model; set per checkpoint in show_checkpoint
        self._translates = False  # a Pix2Pix model is scored against true outputs, not with FID
        self._pairs = False  # a CoGAN is scored on whether the two images of a pair show one digit
        self._superres = False  # an SRGAN is scored against bicubic and its SRResNet
        self._failure: str | None = None  # why the last evaluation failed, shown once
        self.label = QElidingLabel("")
        self.label.setObjectName("muted")
        self.progress = EvalProgress(lambda stage: stage.split(" (")[0])
        self.progress.setMaximumWidth(220)
        self.eval_btn = QPushButton("Evaluate")
        self.eval_btn.setToolTip(self._tip)
        self.details_btn = QPushButton("Details…")
        self.details_btn.setToolTip("The full table with its protocol, as `ganstudio eval` prints it")
        for b in (self.eval_btn, self.details_btn):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        title = QLabel("Scores")
        title.setObjectName("muted")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 0, 6, 0)
        lay.addWidget(title)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.progress)
        lay.addWidget(self.eval_btn)
        lay.addWidget(self.details_btn)
        self.eval_btn.clicked.connect(self._on_eval_btn)
        self.details_btn.clicked.connect(self.show_details)
        self.progress.sig_stage.connect(self.progress.setToolTip)
        self.progress.sig_finished.connect(self._on_finished)
        self._sync()

    # -- public --------------------------------------------------------------------------------------------
    def show_checkpoint(self, checkpoint: str | None, step: int | None, is_image: bool = True,
                        translates: bool = False, pairs: bool = False) -> None:
        from trainers.metrics.evaluate import stored_result

        if checkpoint == self.checkpoint and step == self.step and self.result is not None:
            return
        self.cancel()
        self.checkpoint, self.step, self.result = checkpoint, step, None
        self._is_image, self._translates, self._pairs = is_image, translates, pairs
        self._superres = translates and _can(checkpoint, "superres")
        self.eval_btn.setToolTip(self._tip)
        if checkpoint and step is not None:
            self.result = self._cache.get(self._key(checkpoint)) or stored_result(checkpoint, step)
        self._sync()

    def recheck(self, *_) -> None:
        """Look again for stored scores of the shown checkpoint (a training run has just evaluated a step)."""
        from trainers.metrics.evaluate import stored_result

        if self.checkpoint and self.step is not None and self.result is None and not self.busy:
            self.result = stored_result(self.checkpoint, self.step)
            if self.result is not None:
                self._sync()

    def evaluate(self) -> None:
        if not self.checkpoint or self.busy or not self._is_image:
            return
        self.label.setText("Evaluating: the first time per dataset trains a small classifier (then cached)…")
        root = settings.get("paths/data_root", "", str)  # where the user keeps real datasets (New Run's Data root)
        self.progress.start(EvalThread(self.checkpoint, parent=self, data_root=root), self._on_result,
                            self._on_failed)
        self._sync_buttons()

    def cancel(self) -> None:
        self.progress.cancel()

    @property
    def busy(self) -> bool:
        return self.progress.busy

    def show_details(self) -> None:
        if self.result is None:
            return
        from trainers.metrics.report import table

        dlg = QDialog(self)
        dlg.setWindowTitle("Domain scores")
        text = QPlainTextEdit(table(self.result))
        text.setReadOnly(True)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        text.setFont(font)
        text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton("Copy", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(text.toPlainText()))
        buttons.rejected.connect(dlg.reject)
        lay = QVBoxLayout(dlg)
        lay.addWidget(text)
        lay.addWidget(buttons)
        dlg.resize(900, 460)
        dlg.open()
        self._dialog = dlg

    # -- internals -----------------------------------------------------------------------------------------
    def _key(self, checkpoint: str) -> tuple[str, float]:
        try:
            return checkpoint, Path(checkpoint).stat().st_mtime
        except OSError:
            return checkpoint, 0.0

    def _sync(self) -> None:
        if self.busy:
            return
        if not self.checkpoint:
            self.label.setText("")
        elif not self._is_image:
            self.label.setText("Domain scores are measured on labelled image datasets; this model draws 2D points.")
        elif self.result is not None:
            from trainers.metrics.report import summary  # scipy: only once there are scores to show

            self.label.setText(summary(self.result))
            self.label.setToolTip(self.result.get("note", ""))
        else:
            self.label.setText(self._not_yet)
            self.label.setToolTip("")
        self._sync_buttons()

    @property
    def _not_yet(self) -> str:
        """The line before any score: what Evaluate would measure for this kind of model."""
        if self._superres:
            return ("Not evaluated yet: Evaluate upscales held-out images made small and scores SRGAN, its SRResNet "
                    "and bicubic against the true images (PSNR, SSIM) and checks the digit is still read.")
        if self._translates:
            return ("Not evaluated yet: Evaluate scores the output against the true output of held-out inputs (PSNR, "
                    "SSIM, L1) and checks the digit is kept.")
        if self._pairs:
            return ("Not evaluated yet: Evaluate reads the digit of both images of each pair and counts how often "
                    "they agree.")
        return "Not evaluated yet: Evaluate measures domain FID, precision/recall and accuracies."

    @property
    def _tip(self) -> str:
        """The Evaluate button's tooltip: what it measures for this kind of model."""
        if self._pairs:
            return (f"Read the digit of both images of {EVAL_SAMPLES:,} pairs with the digits classifier and count "
                    "how often they agree, and each domain's class shares (Ctrl+M)")
        if self._superres:
            return (f"Upscale {EVAL_SAMPLES:,} held-out images made small and score SRGAN, its SRResNet and bicubic "
                    "against the true images (PSNR, SSIM, label accuracy; Ctrl+M)")
        if self._translates:
            return ("Score this checkpoint's outputs against the true outputs of held-out inputs (PSNR, SSIM, L1, "
                    f"label preservation; {EVAL_SAMPLES:,} pairs; Ctrl+M)")
        return ("Measure domain FID, precision/recall, class coverage and label/code accuracy of this checkpoint "
                f"({EVAL_SAMPLES:,} samples; Ctrl+M)")

    def _sync_buttons(self) -> None:
        busy = self.busy
        self.eval_btn.setText("Cancel" if busy else ("Re-evaluate" if self.result else "Evaluate"))
        self.eval_btn.setEnabled(bool(self.checkpoint) and self._is_image)
        self.details_btn.setVisible(self.result is not None and not busy)

    def _on_eval_btn(self) -> None:
        if self.busy:
            self.cancel()
        else:
            self.evaluate()

    def _on_result(self, checkpoint: str, result: dict, _stored: str = "") -> None:
        self._cache[self._key(checkpoint)] = result
        if checkpoint == self.checkpoint:
            self.result = result

    def _on_failed(self, checkpoint: str, reason: str) -> None:
        if checkpoint == self.checkpoint:
            self._failure = reason

    def _on_finished(self) -> None:
        self._sync()
        failure = self._failure
        if failure:
            self._failure = None
            self.label.setText(failure_line("evaluate", failure))


def _can(checkpoint: str | None, capability: str) -> bool:
    """Whether the family of the model in ``checkpoint`` has ``capability`` (the families load with torch, which
    an evaluable checkpoint has brought in by now)."""
    from trainers.models import MODELS

    spec = MODELS.get(_family_of(checkpoint) or "")
    return spec is not None and spec.can(capability)


def _family_of(checkpoint: str | None) -> str | None:
    """The model family a checkpoint file says it holds (its header only), or None when unreadable."""
    if not checkpoint:
        return None
    from trainers.checkpoints import read_meta
    from trainers.errors import GanStudioError

    try:
        return read_meta(checkpoint)[1].get("model", {}).get("family")
    except (GanStudioError, OSError, ValueError, KeyError, AttributeError):
        return None
