"""The pieces the New Run dialog is built from: its data choices and its notes.

Data: filling a dataset combo (names, real sets found or not, a folder of images), and the data a newly chosen
model needs. A family that learns from image pairs (Pix2Pix) or between two unpaired domains (CycleGAN, CoGAN,
UNIT) gets a dataset it can learn from and a line saying so, rather than an error the user must decode; a dataset
that already works is left alone."""

from __future__ import annotations

import os
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QSizePolicy

from .run_form import FieldError

FOLDER_ITEM = "__folder__"
REAL_SETS = ("mnist", "fashion-mnist", "cifar10")
PAIRED_DEFAULT = "digits-edges"
DOMAIN_A, DOMAIN_B = "digits-plain", "digits-bold"


@dataclass(frozen=True)
class Switch:
    """What to select instead (``data_b`` None: leave the second domain as it is) and the line that says why."""

    data: str
    data_b: str | None
    note: str


def two_domain(spec) -> bool:
    """Whether a family learns between two unpaired domains (``--data`` and ``--data-b``)."""
    return spec.batches == "unpaired"


def two_domain_note(models) -> str:
    """The muted line under the second-domain combo, naming the families from their titles."""
    names = [spec.title.split(":")[0] for spec in models.values() if two_domain(spec)]
    who = " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)
    return f"{who} learn between two domains without pairs"


def fit_data(model: str, spec, data: str | None, data_b: str | None) -> Switch | None:
    """The data to switch to when ``model`` cannot learn from ``data`` (and ``data_b``); None when they work."""
    from trainers.data import DATASETS
    from trainers.data.domains import DOMAINS

    info = DATASETS.get(data or "")
    if spec.batches == "pairs" and not (info and info.paired):
        return Switch(PAIRED_DEFAULT, None, f"→ Dataset switched to {PAIRED_DEFAULT}: {model} learns from image pairs")
    if not two_domain(spec):
        return None
    folder = bool(data) and info is None and os.path.isdir(os.path.expanduser(data))
    if data not in DOMAINS and not folder:
        return Switch(DOMAIN_A, DOMAIN_B, f"→ Switched to {DOMAIN_A} ↔ {DOMAIN_B}: {model} learns between two "
                                          "domains")
    if data_b is None or data_b == data:
        other = next(d for d in DOMAINS if d != data)
        return Switch(data, other, f"→ Second domain switched to {other}: {model} needs one other than the Dataset")
    return None


def check_real_sets(names, root: str | None) -> None:
    """Raise FieldError (on the data root) when one of ``names`` is a real set that is not under ``root``."""
    from trainers.data.real import find_local

    for name in names:
        if name in REAL_SETS:
            if not root:
                raise FieldError("data_root", f"{name}: set the data root (the folder holding it)")
            if not find_local(name, root):
                raise FieldError("data_root", f"{name} is not under {root}")


def fill_combo(combo: QComboBox, datasets: dict, names: list[str], folder: str | None, keep: str | None,
               fallback: str, root: str) -> None:
    """Offer ``names`` (real sets not found under ``root`` greyed out), ``folder`` if one was picked, and "Folder
    of images…"; select ``keep`` if it is there and enabled, else ``fallback``. Emits no signals."""
    from trainers.data.real import find_local

    combo.blockSignals(True)
    combo.clear()
    for name in names:
        info = datasets[name]
        label, found = name, True
        if name in REAL_SETS:
            found = find_local(name, root)
            label = name if found else f"{name} — not found in the data root"
        elif info.embedded:
            label = f"{name} — {'embedded' if info.kind == 'image' else '2D toy'}"
        combo.addItem(label, name)
        combo.setItemData(combo.count() - 1, info.about, Qt.ItemDataRole.ToolTipRole)
        if not found:
            combo.model().item(combo.count() - 1).setEnabled(False)
    if folder:
        combo.addItem(f"folder: {folder}", folder)
    combo.addItem("Folder of images…", FOLDER_ITEM)
    idx = combo.findData(keep) if keep else -1
    if idx < 0 or not combo.model().item(idx).isEnabled():
        idx = combo.findData(fallback)
    combo.setCurrentIndex(idx)
    combo.blockSignals(False)


def chosen(combo: QComboBox) -> str | None:
    """The dataset name or folder a combo holds (None while "Folder of images…" is current)."""
    data = combo.currentData()
    return None if data == FOLDER_ITEM else data


class Note(QLabel):
    """A note (muted, or an error) that wraps, exactly as tall as its lines at the width it was given. A plain
    wrapped QLabel in a form is sized for a guessed, narrower width (a three-line note got five lines of space),
    and its height-for-width let a long error squeeze the dialog's rows instead of growing it."""

    def __init__(self, text: str = "", name: str = "muted"):
        super().__init__(text)
        self.setObjectName(name)
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._laid_out = False

    def hasHeightForWidth(self) -> bool:
        return False  # the height follows the width through sizeHint, so the dialog keeps a plain minimum size

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self._laid_out:
            hint.setHeight(super().heightForWidth(self.width()))
        return hint

    def minimumSizeHint(self) -> QSize:
        return QSize(40, self.sizeHint().height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._laid_out = True
            self.updateGeometry()
