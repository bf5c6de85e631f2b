"""What the explorer can open: the selected run's checkpoints (best, last, then kept steps, newest first) and
the generators that ship with GAN Studio, listed in the header's combo box."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox

from trainers import runfolder

from .. import settings
from ..bundled import bundled_models

def list_checkpoints(run_dir: str | None) -> list[Path]:
    """best, last, then kept steps newest first."""
    if not run_dir:
        return []
    folder = runfolder.checkpoints_dir(run_dir)
    try:
        found = [p for p in folder.iterdir() if runfolder.CHECKPOINT_RE.match(p.name)]
    except OSError:
        return []
    order = {runfolder.BEST: 0, runfolder.LAST: 1}
    return sorted(found, key=lambda p: (order.get(p.stem, 2), -(runfolder.step_of(p.stem) or 0)))


class SourceBox(QComboBox):
    """The generator to explore; each item's data is the checkpoint path."""

    def __init__(self):
        super().__init__()
        self.setMinimumWidth(200)
        self.setToolTip("The generator to explore: this run's checkpoints (last is live while it trains) "
                        "or a model that ships with GAN Studio")

    def fill(self, run_dir: str | None, prefer_run: bool = False) -> str | None:
        """List the sources again without emitting signals; returns the path selected before.

        With ``prefer_run`` the run's last checkpoint is selected; otherwise the one selected before (kept
        in the list even when it is neither the run's nor bundled), else the one explored last time."""
        keep = self.currentData()
        self.blockSignals(True)
        self.clear()
        run_ckpts = list_checkpoints(run_dir)
        if run_ckpts:
            name = Path(run_dir).name
            for p in run_ckpts:
                self.addItem(f"{name} · {p.stem}", str(p))
        models = bundled_models()
        if models:
            if run_ckpts:
                self.insertSeparator(self.count())
            for m in models:
                self.addItem(f"{m.title} (bundled)", str(m.checkpoint))
        if keep and self.findData(keep) < 0 and Path(keep).exists() and not prefer_run:
            self.addItem(Path(keep).name, keep)
        want = keep
        if prefer_run and run_ckpts:
            want = str(next((p for p in run_ckpts if p.stem == "last"), run_ckpts[0]))
        elif not want:
            want = settings.get("explorer/source", "", str)
        i = self.findData(want) if want else -1
        self.setCurrentIndex(i if i >= 0 else 0)
        self.blockSignals(False)
        return keep

    def select_path(self, path: str) -> None:
        """Select ``path``, adding it to the list when it is not there."""
        i = self.findData(str(path))
        if i < 0:
            self.addItem(Path(path).name, str(path))
            i = self.count() - 1
        self.setCurrentIndex(i)
