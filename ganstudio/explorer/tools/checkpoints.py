"""The Checkpoints tool: the current latent rendered by every kept checkpoint of the run, and a scrubber that
makes the chosen checkpoint the one explored."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QSlider

from trainers import runfolder

from ...panels.samples import to_qimage
from ...workers.render import Output, file_stamp
from ..canvases import GridCanvas
from ..common import Tool, caption_label, titled
from ..model import Context, ExplorerModel

def run_checkpoints(folder: str | Path) -> list[tuple[int | None, Path]]:
    """(step, path) of a checkpoints folder: kept steps in order, then last (its step read from the file)."""
    folder = Path(folder)
    out: list[tuple[int | None, Path]] = []
    try:
        names = sorted(folder.iterdir())
    except OSError:
        return out
    for p in names:
        m = runfolder.CHECKPOINT_RE.match(p.name)
        if m and m.group(2):
            out.append((int(m.group(2)), p))
    out.sort(key=lambda t: t[0])
    last = folder / f"{runfolder.LAST}{runfolder.CKPT_SUFFIX}"
    if last.exists():
        try:
            from trainers.checkpoints import read_meta

            step = int(read_meta(last)[1]["step"])
        except Exception:
            step = None
        if step is None or not out or out[-1][0] != step:
            out.append((step, last))
    return out


class CheckpointTool(Tool):
    """The current latent across the run's checkpoints: a strip of all of them, and a scrubber that makes
    the chosen checkpoint the one explored."""

    name = "checkpoints"
    title = "Checkpoints"
    sig_pick = Signal(str)
    """A checkpoint path the user scrubbed to."""

    MAX = 24

    def __init__(self, model: ExplorerModel):
        super().__init__(model)
        self.items: list[tuple[int | None, Path]] = []
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setToolTip("Scrub through the run's checkpoints: the current sample re-renders on each")
        self.step_label = QLabel("")
        form = QFormLayout(self)
        form.addRow("Checkpoint", self.slider)
        form.addRow("", self.step_label)
        note = QLabel("The same latent on every kept checkpoint shows what training changed. Runs keep one every "
                      "checkpoint interval (--checkpoint-every).")
        note.setObjectName("muted")
        note.setWordWrap(True)
        form.addRow(note)
        self.grid = GridCanvas()
        self.grid.placeholder = "Rendering…"
        self.caption = caption_label("")
        self.view = titled("Across checkpoints", self.caption, self.grid)
        self.slider.valueChanged.connect(self._on_slider)

    def _folder(self, ctx: Context) -> Path:
        return Path(ctx.checkpoint).parent

    def unavailable(self, ctx: Context) -> str:
        n = len(run_checkpoints(self._folder(ctx)))
        return "" if n >= 2 else "this model has a single checkpoint; runs keep one every checkpoint interval"

    def set_context(self, ctx: Context) -> None:
        super().set_context(ctx)
        self.items = run_checkpoints(self._folder(ctx))
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(self.items) - 1))
        here = [i for i, (_, p) in enumerate(self.items) if str(p) == ctx.checkpoint]
        if not here:  # best.safetensors: find the kept step it equals
            step = ctx.info.get("step")
            here = [i for i, (s, _) in enumerate(self.items) if s == step]
        self.slider.setValue(here[-1] if here else len(self.items) - 1)
        self.slider.blockSignals(False)
        self._label()

    def _label(self) -> None:
        if self.items:
            s, p = self.items[self.slider.value()]
            self.step_label.setText(f"step {s:,} · {p.stem}" if s is not None else p.stem)

    def _on_slider(self, i: int) -> None:
        self._label()
        if 0 <= i < len(self.items):
            self.sig_pick.emit(str(self.items[i][1]))

    def picked(self) -> list[tuple[int | None, Path]]:
        if len(self.items) <= self.MAX:
            return list(self.items)
        idx = np.unique(np.linspace(0, len(self.items) - 1, self.MAX).round().astype(int))
        return [self.items[i] for i in idx]

    def outputs(self, st) -> list[Output]:
        chosen = self.picked()
        if not chosen:
            return []
        cols = min(8, len(chosen))
        self.grid.set_layout(cols, self.ctx.side or 1)
        steps = [f"{s:,}" if s is not None else p.stem for s, p in chosen]
        self.grid.cell_labels = steps if self.ctx.is_image else []
        self.caption.setText(f"{len(chosen)} checkpoints, left to right then down: steps {steps[0]} … {steps[-1]}")
        cks = tuple((str(p), file_stamp(str(p))) for _, p in chosen)
        return [Output.of("strip", self.vector(st)[None], cols=cols, checkpoints=cks)]

    def take(self, name: str, image) -> None:
        self.grid.set_image(to_qimage(image))
