"""The pretrained generators shipped in ``assets/models`` (how they were made: assets/models/README.md)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from trainers.runfolder import checkpoint_path


@dataclass(frozen=True)
class BundledModel:
    name: str
    title: str
    checkpoint: Path  # checkpoints/last.safetensors; the folder also keeps a few earlier steps

    @property
    def folder(self) -> Path:
        return self.checkpoint.parent.parent


def models_dir() -> Path:
    """``GANSTUDIO_MODELS`` if set, else assets/models of the source checkout (the README installs it
    editable); a copy placed at ganstudio/assets/models is found too."""
    env = os.environ.get("GANSTUDIO_MODELS")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for cand in (here.parent / "assets" / "models", here / "assets" / "models"):
        if cand.is_dir():
            return cand
    return here.parent / "assets" / "models"


def bundled_models() -> list[BundledModel]:
    root = models_dir()
    out = []
    try:
        folders = sorted(p for p in root.iterdir() if p.is_dir())
    except OSError:
        return out
    for folder in folders:
        last = checkpoint_path(folder)
        if not last.exists():
            continue
        title = folder.name
        try:
            title = json.loads((folder / "model.json").read_text()).get("title", title)
        except (OSError, ValueError):
            pass
        out.append(BundledModel(folder.name, title, last))
    order = {"dcgan-digits": 0, "cgan-digits": 1, "infogan-digits": 2}
    return sorted(out, key=lambda m: (order.get(m.name, 9), m.name))
