"""The Modes tool: a stacked set's 1,000 modes (the numbers 000–999 its three channels spell) for the checkpoint
being explored, in the training window's Modes view (``panels/modes.py``). It shows the count stored for the
checkpoint's step (the explorer's own, ``eval/modes_step_XXXXXXX.json``, else the step's evaluation) or counts it
in ``workers/modes.py`` (``trainers.metrics.checkpoint.count_modes``) and keeps it beside the run. A click on a
filled cell makes the first sample of the count that spells that number the current sample."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QBoxLayout, QComboBox, QFormLayout, QPushButton, QVBoxLayout

from ... import settings
from ...panels.eval_progress import EvalProgress
from ...panels.modes import ModesView
from ...workers.modes import PAPER_SAMPLES, QUICK_SAMPLES, STORE_KIND, ModesThread
from ...workers.oneshot import failure_line
from ..common import Tool, WrapLabel, caption_label, muted_label, titled
from ..model import Context, ExplorerModel

SAMPLE_CHOICES = ((QUICK_SAMPLES, f"{QUICK_SAMPLES:,} (quick)"), (PAPER_SAMPLES, f"{PAPER_SAMPLES:,} (the papers')"))
NOT_STACKED = ("this model was not trained on a stacked set; modes are counted on digits-stacked or mnist-stacked "
               "(three digits as R, G and B: 1,000 modes)")


def stored_count(checkpoint: str, step: int) -> tuple[dict | None, Path | None]:
    """The mode count kept for ``checkpoint``'s step in its run folder, and its file: the explorer's own count
    (``eval/modes_step_XXXXXXX.json``) first, else the step's evaluation (``eval/step_XXXXXXX.json``) when it counted
    modes; (None, None) when there is neither."""
    from trainers.runfolder import eval_path

    folder = Path(checkpoint).expanduser().absolute().parent.parent
    for kind in (STORE_KIND, ""):
        path = eval_path(folder, step, kind)
        try:
            result = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if (isinstance(result, dict) and "modes" in (result.get("metrics") or {})
                and (result.get("checkpoint") or {}).get("step") == step):
            return result, path
    return None, None


def first_sample(result: dict | None, number: int) -> tuple[int, int, int] | None:
    """(index, samples, seed) of the first sample of a count that spells ``number``: the count's draw is
    ``samples`` latents from ``seed``. None when no sample does, or the count does not say (an evaluation's)."""
    modes = ((result or {}).get("metrics") or {}).get("modes") or {}
    first, n, seed = modes.get("first"), modes.get("samples"), modes.get("seed")
    if not isinstance(first, list) or not 0 <= number < len(first) or not isinstance(n, int) or seed is None:
        return None
    i = int(first[number])
    return (i, n, int(seed)) if 0 <= i < n else None


class ModesTool(Tool):
    """The checkpoint's mode count on a stacked set: the stored one, or a button that counts it (progress, Cancel)."""

    name = "modes"
    title = "Modes"
    view_share = 0.7  # the ten 10 × 10 grids want about 490 px: the current sample keeps a third of the room

    def __init__(self, model: ExplorerModel):
        super().__init__(model)
        self.checkpoint: str | None = None
        self.step: int | None = None
        self.result: dict | None = None
        self._origin = ""  # where the shown count came from, for the status line
        self._failure = ""
        self._note = ""  # what the status line says after a cancelled count
        self.samples = QComboBox()
        for n, label in SAMPLE_CHOICES:
            self.samples.addItem(label, n)
        self.samples.setToolTip("Fakes drawn (and real stacked images read for the floor). 26,000 is the papers' "
                                "protocol; 2,000 is quick but leaves rarer modes unseen, for real images too")
        self.count_btn = QPushButton("Count modes")
        self.count_btn.setToolTip("Draw the fakes from latent seed 0, read each channel with the digit classifier, "
                                  "and keep the count beside the run")
        self.progress = EvalProgress(lambda stage: stage.removeprefix("modes: ").split(" (")[0])
        self.status = WrapLabel("")
        form = QFormLayout()
        form.addRow("Samples", self.samples)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(muted_label("Mode collapse, counted: each fake's R, G and B channels are read as three digits, "
                                  "a number 000–999. A generator that covers the data shows all 1,000, evenly."))
        lay.addLayout(form)
        lay.addWidget(self.count_btn)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        self.modes_view = ModesView()
        self.modes_view.layout().setDirection(QBoxLayout.Direction.TopToBottom)  # figures under the map
        self.modes_view.layout().setContentsMargins(0, 0, 0, 0)
        m = self.modes_view.map  # a little more compact than the training window's, to sit beside the sample
        m.CELL, m.GRID_GAP = 8, 8
        m.setMinimumSize(m.sizeHint())
        self.modes_view.map.installEventFilter(self)
        self.modes_view.map.setCursor(Qt.CursorShape.PointingHandCursor)
        self.caption = caption_label("Grid: the hundreds digit; row: tens; column: ones. Hover a cell for its count; "
                                     "click a filled one to draw a sample that spells it.")
        self.view = titled("The 1,000 modes", self.caption, self.modes_view)
        self.count_btn.clicked.connect(self._on_button)
        self.progress.sig_stage.connect(self._on_stage)
        self.progress.sig_finished.connect(self._draw)
        self._draw()

    # -- the explorer's side -------------------------------------------------------------------------------
    def unavailable(self, ctx: Context) -> str:
        from trainers.metrics.modes import counts_modes

        return "" if counts_modes(ctx.info.get("dataset")) else NOT_STACKED

    def set_context(self, ctx: Context) -> None:
        super().set_context(ctx)
        step = ctx.info.get("step")
        checkpoint = ctx.checkpoint if self.unavailable(ctx) == "" and isinstance(step, int) else None
        if (checkpoint, step) == (self.checkpoint, self.step) and checkpoint is not None:
            return
        self.cancel()
        self.checkpoint, self.step, self._failure, self._note = checkpoint, step, "", ""
        self.result, path = stored_count(checkpoint, step) if checkpoint else (None, None)
        self._origin = f"stored with the run ({path.parent.name}/{path.name})" if path else ""
        self._draw()

    def shutdown(self) -> None:
        self.cancel()

    # -- public --------------------------------------------------------------------------------------------
    def count(self, samples: int | None = None) -> None:
        """Count the modes of the open checkpoint with ``samples`` fakes (default: the chosen number)."""
        if not self.checkpoint or self.busy:
            return
        self._failure = self._note = ""
        n = int(samples or self.samples.currentData())
        root = settings.get("paths/data_root", "", str)  # where the user keeps real datasets (New Run's Data root)
        self.progress.start(ModesThread(self.checkpoint, n, parent=self, data_root=root), self._on_result,
                            self._on_failed)
        self._sync()

    def cancel(self) -> None:
        """Stop a count in progress and wait for its thread; nothing is kept."""
        self.progress.cancel()

    @property
    def busy(self) -> bool:
        return self.progress.busy

    def pick(self, number: int) -> bool:
        """Make the first sample of the shown count that spells ``number`` the current sample; False (and a
        message) when none does or the count does not say which."""
        found = first_sample(self.result, number)
        if found is None or self.ctx is None:
            drawn = 0 <= number < len(self.modes_view.map.counts) and self.modes_view.map.counts[number] > 0
            why = ("this count does not say which samples drew it (an evaluation's): Count again here to click "
                   "through to them" if drawn else "no fake of this count spells it")
            self.sig_message.emit("info", f"{number:03d}: {why}")
            return False
        from trainers.generator import seed_latent

        i, n, seed = found
        latent = seed_latent(self.ctx.space.inputs, n, seed)  # the count's draw, as count_modes made it
        changes: dict = dict(truncation=1.0, psi=None, offsets=(), named=(), label_b=None, blend=0.0)
        cat: list[int] = []
        cont: list[float] = []
        for part in self.ctx.space.inputs.parts:
            if part.name not in latent:
                continue
            v = latent[part.name][i]
            if part.kind == "normal":
                changes["base_z"] = tuple(float(x) for x in v)
            elif part.kind == "class":
                changes["label"] = int(v)
            elif part.kind == "categorical":
                cat.extend(int(x) for x in v)
            elif part.kind == "continuous":
                cont.extend(float(x) for x in v)
        if cat:
            changes["cat"] = tuple(cat)
        if cont:
            changes["cont"] = tuple(cont)
        self.edit("", **changes)
        self.sig_message.emit("info", f"{number:03d}: sample {i + 1:,} of the count's {n:,} (latent seed {seed}) "
                                      "is now the current sample")
        return True

    # -- drawing -------------------------------------------------------------------------------------------
    def _draw(self) -> None:
        if not self.modes_view.show_result(self.result) and self.checkpoint:
            self.modes_view.about.setText(f"No mode count for step {self.step:,} yet: Count modes (left).")
        self._sync()

    def _sync(self) -> None:
        busy = self.busy
        self.count_btn.setText("Cancel" if busy else ("Count again" if self.result else "Count modes"))
        self.count_btn.setEnabled(bool(self.checkpoint))
        self.samples.setEnabled(not busy)
        if busy:
            return
        if self._failure:
            self.status.setText(failure_line("count the modes", self._failure))
        elif self._note:
            self.status.setText(self._note)
        elif self.result is not None:
            self.status.setText(f"Step {self.step:,} · {self._origin}" if self._origin else f"Step {self.step:,}")
        elif self.checkpoint:
            self.status.setText(f"No mode count for step {self.step:,} yet. Counting reads the fakes and as many "
                                "real stacked images (the floor); the first count trains a small digit classifier "
                                "(then cached).")
        else:
            self.status.setText("")

    # -- the thread ----------------------------------------------------------------------------------------
    def _on_button(self) -> None:
        if self.busy:
            self._note = "Cancelled: nothing was kept."
            self.cancel()
        else:
            self.count()

    def _on_stage(self, stage: str) -> None:
        self.status.setText(f"Counting modes: {stage.removeprefix('modes: ')}")

    def _on_result(self, checkpoint: str, result: dict, stored: str) -> None:
        if checkpoint != self.checkpoint:
            return
        self._origin = (f"counted here, kept in {Path(stored).parent.name}/{Path(stored).name}" if stored else
                        "counted here, not kept: the checkpoint is not in a writable run folder")
        self.result = result

    def _on_failed(self, checkpoint: str, reason: str) -> None:
        if checkpoint == self.checkpoint:
            self._failure = reason
            self.sig_message.emit("error", f"Modes: {reason}")

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        """A click on a cell of the map: ``pick`` its number."""
        if (obj is self.modes_view.map and event.type() == QEvent.Type.MouseButtonRelease
                and event.button() == Qt.MouseButton.LeftButton):
            k = self.modes_view.map.cell_at(event.position().toPoint())
            if k is not None and self.result is not None:
                self.pick(k)
            return k is not None
        return super().eventFilter(obj, event)
