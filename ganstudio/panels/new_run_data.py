"""The New Run dialog's data choices: filling the Dataset and second-domain combos (a folder of images asked
for when chosen), data that follows a new model when the old cannot feed it, the image size the family needs, and
the devices offered. A mixin of ``NewRunDialog`` (its widgets stay the dialog's), kept apart from new_run.py so the
dialog file reads as layout and validation."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox, QFileDialog

from .. import settings
from .new_run_parts import FOLDER_ITEM, chosen, fill_combo, superres, superres_sets, switch_note


def devices() -> list[str]:
    """The devices this machine can train on, "auto" first."""
    out = ["auto", "cpu"]
    try:
        import torch

        if torch.cuda.is_available():
            out += ["cuda"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())] * \
                (torch.cuda.device_count() > 1)
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            out.append("mps")
    except Exception:
        pass
    return out


class DataChoices:
    """``NewRunDialog``'s data and size choices: needs its ``model``, ``dataset``, ``data_b``, ``data_root`` and
    ``image_size`` widgets and its ``_on_choice()``; keeps ``_folders``, ``_kept``, ``_switch_note``,
    ``_size_note`` and ``_auto_size``."""

    def _fill_datasets(self, keep: str | None = None, keep_b: str | None = None) -> None:
        """(Re)fill the Dataset and second-domain combos, keeping their choices where still offered."""
        root = self.data_root.text().strip()
        names = list(self._datasets)
        self._images_only = superres(self._models[self.model.currentData()])
        if self._images_only:
            names = superres_sets(self._datasets)  # single images: no 2D set, no pairs
        spec = self._models[self.model.currentData()]
        fill_combo(self.dataset, self._datasets, names, self._folders["dataset"], keep or self._data_name(),
                   spec.data, root)
        images = [n for n in names if self._datasets[n].kind == "image"]  # a 2D set is no domain of images
        fill_combo(self.data_b, self._datasets, images, self._folders["data_b"], keep_b or chosen(self.data_b),
                   spec.data_b or "digits-bold", root)

    def _data_name(self) -> str | None:
        return chosen(self.dataset) if hasattr(self, "dataset") else None

    def _on_dataset_activated(self, index: int) -> None:
        self._on_activated(self.dataset, index, "dataset")

    def _on_data_b_activated(self, index: int) -> None:
        self._on_activated(self.data_b, index, "data_b")

    def _on_activated(self, combo: QComboBox, index: int, which: str) -> None:
        """The user chose in a data combo; "Folder of images…" asks for the folder. Either way a note about data
        switched with the model no longer applies."""
        self._switch_note = ""
        self._switched_from = None  # the user's choice now: no switch to undo
        if combo.itemData(index) == FOLDER_ITEM:
            start = settings.get("paths/last_image_folder", str(Path.home()), str)
            folder = QFileDialog.getExistingDirectory(self, "Folder of images", start)
            if folder:
                settings.put("paths/last_image_folder", folder)
                self._folders[which] = folder
            keep = folder or self._kept.get(which)
            self._fill_datasets(**{"keep" if which == "dataset" else "keep_b": keep})
        self._on_choice()

    def _on_data_root(self) -> None:
        self._fill_datasets()
        self._schedule_validate()

    def _on_model(self, *_) -> None:
        """A new model: if it cannot learn from the current data, select data it can and say so."""
        model = self.model.currentData()
        before, self._switched_from = self._switched_from, None
        if before is not None:  # data the dialog switched for the previous model: back to the user's first
            self._select_data(*before)
        data, data_b = self._data_name(), chosen(self.data_b)
        switch = self._models[model].fit_data(data, data_b)
        if superres(self._models[model]) != self._images_only:
            self._fill_datasets(keep=switch.data if switch else None)  # a super-resolution family: image sets only
        self._switch_note = switch_note(switch, data) if switch else ""
        if switch:
            self._switched_from = (data, data_b)
            self._select_data(switch.data, switch.data_b)
        self._on_choice()

    def _select_data(self, data: str | None, data_b: str | None) -> None:
        """Show ``data`` and ``data_b`` in their combos (when listed) without it counting as the user's choice."""
        for combo, name in ((self.dataset, data), (self.data_b, data_b)):
            i = combo.findData(name) if name else -1
            if i >= 0:
                combo.blockSignals(True)
                combo.setCurrentIndex(i)
                combo.blockSignals(False)

    def _fit_image_size(self, model: str, spec) -> None:
        """A family that cannot make images at the data's own size (ProGAN, StyleGAN: 16/32/64 px; digits: 28)
        gets the nearest size it makes while Image size is on "dataset's own", with a line saying so; the pick is
        undone when a later model or dataset no longer needs it, and kept once the user chooses a size."""
        if self._auto_size:
            self._auto_size, self._size_note = False, ""
            self.image_size.setCurrentIndex(self.image_size.findData(None))
        data = self._data_name()
        size = spec.size_for(data)
        size = size if size is not None and size != getattr(self._datasets.get(data), "size", size) else None
        i = self.image_size.findData(size) if size is not None else -1
        if i < 0 or self.image_size.currentData() is not None:
            return
        self.image_size.setCurrentIndex(i)
        self._auto_size = True
        own = self._datasets[data].size
        sizes = ", ".join(map(str, spec.image_sizes))
        self._size_note = (f"→ Image size set to {size} px: {model} makes {sizes} px images, not {data} at its own "
                           f"{own} px")

    def _on_image_size_activated(self, _index: int) -> None:
        """The user chose a size: it is theirs now, and the note about the dialog's pick goes."""
        if self._auto_size or self._size_note:
            self._auto_size, self._size_note = False, ""
            self._on_choice()

    def _browse_data_root(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Data root", self.data_root.text() or str(Path.home()))
        if folder:
            self.data_root.setText(folder)
            self._on_data_root()
