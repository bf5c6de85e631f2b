"""The pieces the New Run dialog is built from: its data choices and its notes.

Data: filling a dataset combo (names, real sets found or not, a folder of images), and the line saying why the data
changed with the model. Which data a family needs, and the size it makes, the family says itself (``fit_data``,
``size_for`` in ``trainers/models/registry.py``): the command line asks it the same questions.

Fields of one family: SRGAN's upscaling factor, SRResNet phase, adversarial weight and content loss
(``SuperresFields``), shown only while a super-resolution family is chosen; and the plain number fields of other
families (``FamilyFields``, one row per family that declares fields of its own, ``Family.fields``: ProGAN's phase
length, StyleGAN's mapping depth, mixing, R1 γ and path-length weight), each shown while that family is chosen."""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QWidget,
)

from .. import settings
from .run_form import FieldError, fmt, parse_number

FOLDER_ITEM = "__folder__"
REAL_SETS = ("mnist", "fashion-mnist", "cifar10")


def superres(spec) -> bool:
    """Whether a family upscales images (SRGAN): it learns from any image set and has its own fields."""
    return spec.can("superres")


def superres_sets(datasets: dict) -> list[str]:
    """The datasets a super-resolution family is offered: sets of single images (not 2D sets, not paired sets)."""
    return [n for n, info in datasets.items() if info.kind == "image" and not getattr(info, "paired", False)]


def two_domain(spec) -> bool:
    """Whether a family learns between two unpaired domains (``--data`` and ``--data-b``)."""
    return spec.can("two-domains")


def two_domain_note(models) -> str:
    """The muted line under the second-domain combo, naming the families from their titles."""
    names = [spec.title.split(":")[0] for spec in models.values() if two_domain(spec)]
    who = " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)
    return f"{who} learn between two domains without pairs"


def switch_note(switch, data: str | None) -> str:
    """The line under the model saying what the family's ``fit_data`` switched to, and why."""
    if switch.data != data and switch.data_b:
        return f"→ Switched to {switch.data} ↔ {switch.data_b}: {switch.reason}"
    if switch.data != data:
        return f"→ Dataset switched to {switch.data}: {switch.reason}"
    return f"→ Second domain switched to {switch.data_b}: {switch.reason}"


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


VGG_ITEM = "__vgg19__"
SUPERRES_LABELS = {"scale": "Upscaling", "pretrain_steps": "SRResNet steps", "adv_weight": "Adversarial weight",
                   "content": "Content loss"}


class SuperresFields(QWidget):
    """SRGAN's settings (TrainConfig's ``scale``, ``pretrain_steps``, ``adv_weight``, ``content``), two to a row;
    each left at "recipe" is None, the family's default."""

    sig_changed = Signal()
    """A value changed (the dialog validates again)."""

    def __init__(self):
        super().__init__()
        from trainers.config import TrainConfig

        meta = {k: TrainConfig.__dataclass_fields__[k].metadata for k in SUPERRES_LABELS}
        self.scale = QComboBox()
        self.scale.addItem("recipe (×4)", None)
        for f in meta["scale"]["choices"]:
            self.scale.addItem(f"×{f}", f)
        self.pretrain_steps = QLineEdit()
        self.pretrain_steps.setPlaceholderText("recipe")
        self.adv_weight = QLineEdit()
        self.adv_weight.setPlaceholderText("0.001 (recipe)")
        self.content = QComboBox()
        self.content.addItem("features (recipe)", None)
        self.content.addItem("mse (pixels)", "mse")
        self.content.addItem("VGG19 weights file…", VGG_ITEM)
        self._content_kept = 0
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, (key, w) in enumerate(self.widgets().items()):
            w.setToolTip(f"{SUPERRES_LABELS[key]}: {meta[key]['help']}")
            w.setAccessibleName(SUPERRES_LABELS[key])
            grid.addWidget(QLabel(SUPERRES_LABELS[key]), i // 2, (i % 2) * 2)
            grid.addWidget(w, i // 2, (i % 2) * 2 + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.scale.currentIndexChanged.connect(self.sig_changed)
        self.pretrain_steps.textChanged.connect(self.sig_changed)
        self.adv_weight.textChanged.connect(self.sig_changed)
        self.content.currentIndexChanged.connect(self.sig_changed)
        self.content.activated.connect(self._on_content)

    def show_recipe(self, recipe: dict) -> None:
        """Placeholders and the "recipe" items say the family's values (``Family.recipe_for``)."""
        for key in ("pretrain_steps", "adv_weight"):
            if recipe.get(key) is not None:
                getattr(self, key).setPlaceholderText(f"{fmt(recipe[key])} (recipe)")
        if recipe.get("scale") is not None:
            self.scale.setItemText(0, f"recipe (×{recipe['scale']})")

    def widgets(self) -> dict[str, QWidget]:
        """TrainConfig field → its widget (the dialog flags the one an error names)."""
        return {"scale": self.scale, "pretrain_steps": self.pretrain_steps, "adv_weight": self.adv_weight,
                "content": self.content}

    def values(self) -> dict:
        """The four TrainConfig fields (None: the recipe's); FieldError on a value that is not a number."""
        out = {"scale": self.scale.currentData(), "content": self.content.currentData()}
        for key, kind in (("pretrain_steps", int), ("adv_weight", float)):
            text = getattr(self, key).text().strip()
            value = parse_number(text, kind) if text else None
            if text and value is None:
                what = "a whole number" if kind is int else "a number (e.g. 1e-3)"
                raise FieldError(key, f"{SUPERRES_LABELS[key]}: {text!r} is not {what}")
            out[key] = value
        if out["content"] == VGG_ITEM:
            out["content"] = None
        return out

    def texts(self) -> dict:
        """What the user set, as the dialog remembers it."""
        return {"scale": self.scale.currentData(), "pretrain_steps": self.pretrain_steps.text(),
                "adv_weight": self.adv_weight.text(), "content": self.content.currentData()}

    def restore(self, texts: dict) -> None:
        if not isinstance(texts, dict):
            return
        i = self.scale.findData(texts.get("scale"))
        if i >= 0:
            self.scale.setCurrentIndex(i)
        for key in ("pretrain_steps", "adv_weight"):
            if isinstance(texts.get(key), str):
                getattr(self, key).setText(texts[key])
        content = texts.get("content")
        if isinstance(content, str) and content not in ("mse", VGG_ITEM) and self.content.findData(content) < 0:
            self._add_weights(content)
        i = self.content.findData(content)
        if i >= 0 and content != VGG_ITEM:
            self.content.setCurrentIndex(i)

    def _add_weights(self, path: str) -> int:
        self.content.insertItem(self.content.count() - 1, f"VGG19: {Path(path).name}", path)
        i = self.content.count() - 2
        self.content.setItemData(i, path, Qt.ItemDataRole.ToolTipRole)
        return i

    def _on_content(self, index: int) -> None:
        """The VGG19 item asks for the weights file (torchvision's vgg19-dcbb9e9d.pth); a cancelled picker keeps the
        previous choice."""
        if self.content.itemData(index) != VGG_ITEM:
            self._content_kept = index
            return
        start = settings.get("paths/last_vgg19", str(Path.home()), str)
        path, _ = QFileDialog.getOpenFileName(self, "torchvision VGG19 weights", start,
                                              "PyTorch weights (*.pth *.pt);;All files (*)")
        if path:
            settings.put("paths/last_vgg19", str(Path(path).parent))
            i = self.content.findData(path)
            self._content_kept = i if i >= 0 else self._add_weights(path)
        self.content.setCurrentIndex(self._content_kept)


def family_rows(models) -> dict[str, tuple[str, dict[str, str]]]:
    """Row label (the family's short title) → (family name, its own fields: TrainConfig field → label), for each
    family that declares fields (``Family.fields``: ProGAN's phases, StyleGAN's mapping, mixing, R1, path length). A
    new family with fields of its own gets its row with no change here."""
    return {spec.title.split(":")[0].split(" (")[0]: (name, dict(spec.fields)) for name, spec in models.items()
            if spec.fields}


def family_labels(models) -> dict[str, str]:
    """Every family field's label (the dialog names fields, not flags, in its messages)."""
    return {k: label for _, labels in family_rows(models).values() for k, label in labels.items()}


OFF_AT_ZERO = ("r1_gamma", "pl_weight")  # 0 turns these off: the placeholder says so


class FamilyFields(QWidget):
    """Number fields of one family (TrainConfig fields named by ``labels``), two to a row; blank is None, the
    family's recipe, which the placeholder shows."""

    sig_changed = Signal()
    """A value changed (the dialog validates again)."""

    def __init__(self, labels: dict[str, str], family: str = ""):
        super().__init__()
        from trainers.config import TrainConfig

        self.family = family  # the row shows while this family is chosen ("": while its recipe has the keys)
        self.labels = dict(labels)
        self._kinds: dict[str, type] = {}
        self._edits: dict[str, QLineEdit] = {}
        self._captions: dict[str, QLabel] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, (key, label) in enumerate(self.labels.items()):
            meta = TrainConfig.__dataclass_fields__[key].metadata
            self._kinds[key] = int if meta.get("kind") is int else float
            e = QLineEdit()
            e.setObjectName(key)
            e.setToolTip(f"{label}: {meta['help']} (blank: the model's recipe)")
            e.setAccessibleName(label)
            e.setPlaceholderText("recipe")
            e.textChanged.connect(self.sig_changed)
            self._edits[key] = e
            setattr(self, key, e)  # ``fields.mixing``: the edit of that field
            self._captions[key] = QLabel(label)
            grid.addWidget(self._captions[key], i // 2, (i % 2) * 2)
            grid.addWidget(e, i // 2, (i % 2) * 2 + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

    def shown_for(self, spec) -> bool:
        """Show the fields while their family is chosen (placeholders: its recipe's values); True when any is."""
        shown = False
        for key, e in self._edits.items():
            has = (spec.name == self.family or not self.family) and key in spec.defaults
            e.setVisible(has)
            self._captions[key].setVisible(has)
            if has:
                v = spec.defaults[key]
                off = " = off" if key in OFF_AT_ZERO and v == 0 else ""
                e.setPlaceholderText(f"{fmt(v)}{off} (recipe)")
            shown = shown or has
        return shown

    def widgets(self) -> dict[str, QWidget]:
        """TrainConfig field → its widget (the dialog flags the one an error names)."""
        return dict(self._edits)

    def values(self, spec) -> dict:
        """The fields ``spec`` uses (None: the recipe's); FieldError on a value that is not a number of its kind."""
        out = {}
        for key, e in self._edits.items():
            if key not in spec.defaults:
                continue
            kind, text = self._kinds[key], e.text().strip()
            value = parse_number(text, kind) if text else None
            if text and value is None:
                what = "a whole number" if kind is int else "a number (e.g. 0.5)"
                raise FieldError(key, f"{self.labels[key]}: {text!r} is not {what}")
            if value is not None and not math.isfinite(value):
                raise FieldError(key, f"{self.labels[key]} must be a finite number")
            out[key] = value
        return out

    def texts(self) -> dict:
        """What the user typed, as the dialog remembers it."""
        return {k: e.text() for k, e in self._edits.items()}

    def restore(self, texts: dict) -> None:
        if not isinstance(texts, dict):
            return
        for key, e in self._edits.items():
            if isinstance(texts.get(key), str):
                e.setText(texts[key])
