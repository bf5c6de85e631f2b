"""The New Run dialog's memory: the last setup the user started (fields as typed) comes back in the next dialog, so
a second run is one tweak away. A mixin of ``NewRunDialog``, kept apart so the dialog file reads as layout and
validation."""

from __future__ import annotations

import os

from .. import settings
from .new_run_parts import chosen


class RememberedSetup:
    """Needs the dialog's widgets (model, fields, data combos, image size, device, superres, family, images)."""

    def _restore(self) -> None:
        """The last setup the user started (fields as typed), so a second run is one tweak away."""
        last = settings.get_json("new_run/last", {})
        if not isinstance(last, dict):
            return
        i = self.model.findData(last.get("model"))
        if i >= 0:
            self.model.setCurrentIndex(i)
        for key, e in self.fields.items():
            if isinstance(last.get(key), str):
                e.setText(last[key])
        self._restore_data = {}
        for key, which in (("data", "dataset"), ("data_b", "data_b")):
            if isinstance(last.get(key), str):
                if os.path.isdir(last[key]):
                    self._folders[which] = last[key]
                self._restore_data[which] = last[key]
        for combo, key in ((self.image_size, "image_size"), (self.device, "device")):
            i = combo.findData(last.get(key))
            if i >= 0:
                combo.setCurrentIndex(i)
        self.superres.restore(last.get("superres"))
        self.images.restore(last.get("images"))
        for fields in self.family.values():
            fields.restore(last.get("family"))
        self.remedies.restore(last.get("remedies"))

    def showEvent(self, event) -> None:
        data = getattr(self, "_restore_data", None)
        if data:
            self._fill_datasets(keep=data.get("dataset"), keep_b=data.get("data_b"))
            self._restore_data = None
            self._on_choice()
        super().showEvent(event)

    def _accept(self) -> None:
        if not self.validate():
            return
        settings.put_json("new_run/last", {
            "model": self.model.currentData(), "data": self._data_name(), "data_b": chosen(self.data_b),
            "image_size": self.image_size.currentData(), "device": self.device.currentData(),
            "superres": self.superres.texts(), "images": self.images.texts(), "remedies": self.remedies.texts(),
            "family": {k: t for fields in self.family.values() for k, t in fields.texts().items()},
            **{k: e.text() for k, e in self.fields.items()}})
        settings.put("paths/runs_root", self.runs_root.text().strip())
        if self.data_root.text().strip():
            settings.put("paths/data_root", self.data_root.text().strip())
        self.accept()

    def done(self, result: int) -> None:
        self.images.shutdown()  # a folder still being read: its thread ends with the dialog
        super().done(result)
