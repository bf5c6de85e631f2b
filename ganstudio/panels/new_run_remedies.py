"""The New Run dialog's Remedies row: the switches against mode collapse (``trainers/remedies.py``) that the chosen
family takes, as the engine says (``checks.remedies_offered``): the adversarial loss, packing, minibatch standard
deviation, minibatch discrimination, R1, R2 and feature matching. Each starts off; the row hides for a family
that takes none, and a switch the family does not take is hidden, so the dialog offers what the trainer accepts."""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QLabel, QLineEdit, QSpinBox, QWidget

from .run_form import FieldError, fmt, parse_number

LABELS = {
    "loss": "Loss",
    "pack": "Pack (PacGAN)",
    "mbstd": "Minibatch std",
    "mbdisc": "Minibatch discr.",
    "r1": "R1 γ",
    "r2": "R2 γ",
    "feature_matching": "Feature matching λ",
}
LOSS_NAMES = {"bce": "BCE (non-saturating)", "ls": "least squares", "hinge": "hinge",
              "rpgan": "RpGAN (relativistic pairing)"}
FLOATS = ("r1", "r2", "feature_matching")


class RemedyFields(QWidget):
    """The remedies of ``LABELS``, two to a row; ``values(spec)`` gives the TrainConfig fields (off: the defaults)."""

    sig_changed = Signal()
    """A switch changed (the dialog validates again)."""

    def __init__(self):
        super().__init__()
        from trainers.config import TrainConfig

        meta = {k: TrainConfig.__dataclass_fields__[k].metadata for k in LABELS}
        self.loss = QComboBox()
        self.pack = QSpinBox()
        self.pack.setRange(1, 16)
        self.pack.setSpecialValueText("off")  # 1: D judges one sample at a time
        self.mbstd = QCheckBox("on")
        self.mbdisc = QSpinBox()
        self.mbdisc.setRange(0, 1024)
        self.mbdisc.setSpecialValueText("off")
        self.mbdisc.setSuffix(" kernels")
        for key in FLOATS:
            e = QLineEdit()
            e.setPlaceholderText("off")
            setattr(self, key, e)
        self._captions: dict[str, QLabel] = {}
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        for key, w in self.widgets().items():
            w.setObjectName(f"remedy_{key}")
            w.setToolTip(f"{LABELS[key]}: {meta[key]['help']}")
            w.setAccessibleName(LABELS[key])
            self._captions[key] = QLabel(LABELS[key])
        self._place(list(LABELS))
        self._grid.setColumnStretch(1, 1)
        self._grid.setColumnStretch(3, 1)
        self._offer: frozenset[str] = frozenset()
        self.loss.currentIndexChanged.connect(self.sig_changed)
        self.pack.valueChanged.connect(self.sig_changed)
        self.mbstd.toggled.connect(self.sig_changed)
        self.mbdisc.valueChanged.connect(self.sig_changed)
        for key in FLOATS:
            getattr(self, key).textChanged.connect(self.sig_changed)

    def _place(self, order: list[str]) -> None:
        for i, key in enumerate(order):
            self._grid.addWidget(self._captions[key], i // 2, (i % 2) * 2)
            self._grid.addWidget(getattr(self, key), i // 2, (i % 2) * 2 + 1)

    def widgets(self) -> dict[str, QWidget]:
        """TrainConfig field → its widget (the dialog flags the one an error names)."""
        return {k: getattr(self, k) for k in LABELS}

    def shown_for(self, spec) -> bool:
        """Show the switches ``spec`` takes (the loss list: its own and those it trains with); True when any."""
        from trainers.checks import remedies_offered

        self._offer = remedies_offered(spec)
        kept = self.loss.currentData()
        self.loss.blockSignals(True)
        self.loss.clear()
        self.loss.addItem(f"its own ({spec.loss})" if getattr(spec, "loss", None) else "its own",
                          "family")
        for name, title in LOSS_NAMES.items():
            if f"loss:{name}" in self._offer:
                self.loss.addItem(title, name)
        self.loss.setCurrentIndex(max(self.loss.findData(kept), 0))
        self.loss.blockSignals(False)
        shown = []
        for key, w in self.widgets().items():
            has = self.loss.count() > 1 if key == "loss" else key in self._offer
            w.setVisible(has)
            self._captions[key].setVisible(has)
            shown += [key] if has else []
        self._place(shown + [k for k in LABELS if k not in shown])  # the shown ones two to a row, no gaps
        for key in ("r1", "r2"):  # a family with its own γ (r3gan) shows it as the placeholder
            v = spec.defaults.get(key)
            getattr(self, key).setPlaceholderText(f"{fmt(v)} (recipe)" if v else "off")
        return bool(self._offer)

    def values(self, spec) -> dict:
        """The remedies' TrainConfig fields for ``spec`` (those it does not take: their off values); FieldError on a
        number that is not one."""
        from trainers.checks import remedies_offered

        offer = remedies_offered(spec)
        out: dict = {"loss": "family", "pack": 1, "mbstd": False, "mbdisc": 0, "r1": None, "r2": None,
                     "feature_matching": 0.0}
        if self.loss.currentData() not in (None, "family") and f"loss:{self.loss.currentData()}" in offer:
            out["loss"] = self.loss.currentData()
        if "pack" in offer:
            out["pack"] = self.pack.value()
        if "mbstd" in offer:
            out["mbstd"] = self.mbstd.isChecked()
        if "mbdisc" in offer:
            out["mbdisc"] = self.mbdisc.value()
        for key in FLOATS:
            text = getattr(self, key).text().strip()
            if key not in offer or not text:
                continue
            value = parse_number(text, float)
            if value is None or not math.isfinite(value):
                raise FieldError(key, f"{LABELS[key]}: {text!r} is not a number (e.g. 0.05; blank: off)")
            out[key] = float(value)
        return out

    def texts(self) -> dict:
        """What the user set, as the dialog remembers it."""
        return {"loss": self.loss.currentData(), "pack": self.pack.value(), "mbstd": self.mbstd.isChecked(),
                "mbdisc": self.mbdisc.value(), **{k: getattr(self, k).text() for k in FLOATS}}

    def restore(self, texts: dict) -> None:
        if not isinstance(texts, dict):
            return
        if isinstance(texts.get("loss"), str):
            self.loss.addItem(LOSS_NAMES.get(texts["loss"], texts["loss"]), texts["loss"])  # the family's list comes
            self.loss.setCurrentIndex(self.loss.count() - 1)                              # with shown_for
        for key, w in (("pack", self.pack), ("mbdisc", self.mbdisc)):
            if isinstance(texts.get(key), int) and not isinstance(texts.get(key), bool):
                w.setValue(texts[key])
        if isinstance(texts.get("mbstd"), bool):
            self.mbstd.setChecked(texts["mbstd"])
        for key in FLOATS:
            if isinstance(texts.get(key), str):
                getattr(self, key).setText(texts[key])
