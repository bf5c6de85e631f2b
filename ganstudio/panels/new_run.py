"""The New Run dialog: model, data and recipe, validated inline by the engine's own ``resolve()`` so the
dialog can never accept what the trainer would refuse. Blank recipe fields mean "the model's recipe"."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QGridLayout,
                               QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget)

from trainers.runfolder import checkpoint_path, metrics_path

from .. import settings
from .run_form import DEFAULTS, NUMERIC, RECIPE_KEYS, SCHEDULE_KEYS, FieldError, fmt, parse_number

FOLDER_ITEM = "__folder__"
REAL_SETS = ("mnist", "fashion-mnist", "cifar10")
class NewRunDialog(QDialog):
    """Returns ``config()`` (TrainConfig fields) and ``run_dir()`` when accepted."""

    def __init__(self, parent: QWidget | None = None, runs_root: str | None = None, data_root: str | None = None):
        super().__init__(parent)
        from trainers.data import DATASETS
        from trainers.models import MODELS

        self._models, self._datasets = MODELS, DATASETS
        self.setWindowTitle("New run")
        self.setMinimumWidth(620)
        self._name_edited = False
        self._errors: dict[str, str] = {}

        # -- run -----------------------------------------------------------------------------------------
        self.name = QLineEdit()
        self.name.setToolTip("The run's folder name")
        self.runs_root = QLineEdit(runs_root or settings.runs_root())
        root_btn = QPushButton("Browse…")
        root_btn.clicked.connect(self._browse_root)
        self.where = QLabel("")
        self.where.setObjectName("muted")
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        run_box = QGroupBox("Run")
        f = QFormLayout(run_box)
        f.addRow("Name", self.name)
        row = QHBoxLayout()
        row.addWidget(self.runs_root, 1)
        row.addWidget(root_btn)
        f.addRow("Runs folder", row)
        f.addRow("", self.where)

        # -- model and data ------------------------------------------------------------------------------
        self.model = QComboBox()
        for name, spec in MODELS.items():
            self.model.addItem(name, name)
            self.model.setItemData(self.model.count() - 1, spec.title, Qt.ItemDataRole.ToolTipRole)
        self.model.setCurrentIndex(max(self.model.findData("dcgan"), 0))
        self.model_about = QLabel("")
        self.model_about.setObjectName("muted")
        self.model_about.setWordWrap(True)
        self.dataset = QComboBox()
        self.data_root = QLineEdit(data_root or settings.get("paths/data_root", "", str) or "")
        self.data_root.setPlaceholderText("folder holding MNIST/, FashionMNIST/, cifar-10-batches-bin/")
        data_root_btn = QPushButton("Browse…")
        data_root_btn.clicked.connect(self._browse_data_root)
        self.image_size = QComboBox()
        self.image_size.addItem("dataset's own", None)
        for s in (28, 32, 64):
            self.image_size.addItem(f"{s} px", s)
        self.device = QComboBox()
        for dev in self._devices():
            self.device.addItem(dev, dev)
        md_box = QGroupBox("Model and data")
        f = QFormLayout(md_box)
        f.addRow("Model", self.model)
        f.addRow("", self.model_about)
        f.addRow("Dataset", self.dataset)
        row = QHBoxLayout()
        row.addWidget(self.data_root, 1)
        row.addWidget(data_root_btn)
        f.addRow("Data root", row)
        f.addRow("Image size", self.image_size)
        f.addRow("Device", self.device)

        # -- recipe and schedule -------------------------------------------------------------------------
        self.fields: dict[str, QLineEdit] = {}
        for key, (label, kind, tip) in NUMERIC.items():
            e = QLineEdit(DEFAULTS.get(key, ""))
            e.setToolTip(f"{label}: {tip}" + (" (blank: the model's recipe)" if key in RECIPE_KEYS else ""))
            e.setAccessibleName(label)
            if key == "eval_every":
                e.setPlaceholderText("auto (1000)")
            self.fields[key] = e
        recipe_box = QGroupBox("Recipe (blank = the model's default)")
        g = QGridLayout(recipe_box)
        for i, key in enumerate(RECIPE_KEYS):
            g.addWidget(QLabel(NUMERIC[key][0]), i // 2, (i % 2) * 2)
            g.addWidget(self.fields[key], i // 2, (i % 2) * 2 + 1)
        reset = QPushButton("Reset to recipe")
        reset.setToolTip("Clear the recipe fields so the model's published defaults apply")
        reset.clicked.connect(self._reset_recipe)
        g.addWidget(reset, 3, 3)
        sched_box = QGroupBox("Schedule")
        g2 = QGridLayout(sched_box)
        for i, key in enumerate(SCHEDULE_KEYS):
            g2.addWidget(QLabel(NUMERIC[key][0]), i // 2, (i % 2) * 2)
            g2.addWidget(self.fields[key], i // 2, (i % 2) * 2 + 1)

        # -- errors and buttons --------------------------------------------------------------------------
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start_btn = QPushButton("Start training")
        self.start_btn.setObjectName("primary")
        self.buttons.addButton(self.start_btn, QDialogButtonBox.ButtonRole.AcceptRole)
        # Return starts the run: no other button may become the dialog's default (issue 18, item 14; Return
        # used to open the runs-folder picker, the first auto-default button)
        for b in (root_btn, data_root_btn, reset, self.buttons.button(QDialogButtonBox.StandardButton.Cancel)):
            b.setAutoDefault(False)
            b.setDefault(False)
        self.start_btn.setDefault(True)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addWidget(run_box)
        lay.addWidget(md_box)
        lay.addWidget(recipe_box)
        lay.addWidget(sched_box)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)

        self._restore()
        self._fill_datasets()
        self.name.textEdited.connect(self._on_name_edited)
        self.model.currentIndexChanged.connect(self._on_choice)
        self.dataset.activated.connect(self._on_dataset_activated)
        self.dataset.currentIndexChanged.connect(self._on_choice)
        self.data_root.editingFinished.connect(self._on_data_root)
        for w in (self.name, self.runs_root, *self.fields.values()):
            w.textChanged.connect(self._schedule_validate)
        for w in (self.image_size, self.device):
            w.currentIndexChanged.connect(self._schedule_validate)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self.validate)
        self._on_choice()

    # -- public --------------------------------------------------------------------------------------------
    def config(self) -> dict:
        """TrainConfig fields from the form (None where blank = recipe default). Raises ValueError on junk."""
        cfg: dict = {"model": self.model.currentData(), "data": self._data_name(), "device": self.device.currentData(),
                     "image_size": self.image_size.currentData(), "out": self.run_dir()}
        root = self.data_root.text().strip()
        if cfg["data"] in REAL_SETS and root:
            cfg["data_root"] = root
        for key, (label, kind, _tip) in NUMERIC.items():
            text = self.fields[key].text().strip()
            if not text:
                if key not in RECIPE_KEYS + ("eval_every",):
                    raise FieldError(key, f"{label} is empty")
                cfg[key] = None
                continue
            value = parse_number(text, kind)
            if value is None:
                what = "a whole number" if kind is int else "a number (e.g. 2e-4)"
                raise FieldError(key, f"{label}: {text!r} is not {what}")
            if kind is float and not math.isfinite(value):
                raise FieldError(key, f"{label} must be a finite number")
            cfg[key] = value
        return cfg

    def run_dir(self) -> str:
        return str(Path(self.runs_root.text().strip() or ".").expanduser() / self.name.text().strip())

    def error_text(self) -> str:
        return self.error.text()

    def validate(self) -> bool:
        """Check the whole form; flag the offending field and explain. Returns True when it can start."""
        from trainers import ConfigError, TrainConfig
        from trainers.config import resolve

        self._timer.stop()
        bad_key, message = None, ""
        name = self.name.text().strip()
        try:
            if not name:
                raise FieldError("name", "Give the run a name (it becomes its folder)")
            if name in (".", "..") or re.search(r"[\\/:*?\"<>|]", name):
                raise FieldError("name", f"{name!r} cannot be a folder name: use letters, digits, - and _")
            cfg = self.config()
            if cfg["data"] is None:
                raise FieldError("dataset", "Choose a dataset")
            if cfg["data"] in REAL_SETS:
                from trainers.data.real import find_local

                root = cfg.get("data_root")
                if not root:
                    raise FieldError("data_root", f"{cfg['data']}: set the data root (the folder holding it)")
                if not find_local(cfg["data"], root):
                    raise FieldError("data_root", f"{cfg['data']} is not under {root}")
            resolve(TrainConfig(**cfg))
            run = Path(cfg["out"])
            if checkpoint_path(run).exists() or metrics_path(run).exists():
                raise FieldError("name", f"{run} already holds a run: choose another name (or open that run and "
                                  "continue it)")
            parent = run.parent
            while not parent.exists() and parent != parent.parent:
                parent = parent.parent
            if not os.access(parent, os.W_OK):
                raise FieldError("runs_root", f"cannot write to {parent}: choose another runs folder")
        except FieldError as exc:
            bad_key, message = exc.key, str(exc)
        except ConfigError as exc:
            message = str(exc)
            m = re.search(r"--([a-z0-9-]+)", message)
            bad_key = m.group(1).replace("-", "_") if m else ("model" if "model" in message else "dataset")
            message = self._friendly(message)
        self._show_error(bad_key, message)
        self.where.setText(f"→ {self.run_dir()}" if name else "")
        return not message

    # -- internals -----------------------------------------------------------------------------------------
    def _friendly(self, message: str) -> str:
        """Name the form's fields rather than command-line flags."""
        for key, (label, _k, _t) in NUMERIC.items():
            message = message.replace(f"--{key.replace('_', '-')}", label)
        return message.replace("--image-size", "Image size").replace("pass Image size", "choose an image size")

    def _show_error(self, key: str | None, message: str) -> None:
        widgets = {**self.fields, "name": self.name, "runs_root": self.runs_root, "data_root": self.data_root,
                   "model": self.model, "dataset": self.dataset, "image_size": self.image_size, "device": self.device}
        for k, w in widgets.items():
            flag = "true" if k == key and message else "false"
            if w.property("invalid") != flag:
                w.setProperty("invalid", flag)
                w.style().unpolish(w)
                w.style().polish(w)
        self.error.setText(f"⚠ {message}" if message else "")
        self.start_btn.setEnabled(not message)

    def _schedule_validate(self, *_):
        self._timer.start()

    def _devices(self) -> list[str]:
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

    def _fill_datasets(self, keep: str | None = None) -> None:
        keep = keep or self._data_name()
        root = self.data_root.text().strip()
        from trainers.data.real import find_local

        self.dataset.blockSignals(True)
        self.dataset.clear()
        for name, info in self._datasets.items():
            label = name
            found = True
            if name in REAL_SETS:
                found = find_local(name, root)
                label = f"{name}" if found else f"{name} — not found in the data root"
            elif info.embedded:
                label = f"{name} — {'embedded' if info.kind == 'image' else '2D toy'}"
            self.dataset.addItem(label, name)
            idx = self.dataset.count() - 1
            self.dataset.setItemData(idx, info.about, Qt.ItemDataRole.ToolTipRole)
            if not found:
                item = self.dataset.model().item(idx)
                item.setEnabled(False)
        folder = self._folder if getattr(self, "_folder", None) else None
        if folder:
            self.dataset.addItem(f"folder: {folder}", folder)
        self.dataset.addItem("Folder of images…", FOLDER_ITEM)
        idx = self.dataset.findData(keep) if keep else -1
        if idx < 0 or not self.dataset.model().item(idx).isEnabled():
            idx = self.dataset.findData("digits")
        self.dataset.setCurrentIndex(idx)
        self.dataset.blockSignals(False)

    def _data_name(self) -> str | None:
        data = self.dataset.currentData() if hasattr(self, "dataset") else None
        return None if data == FOLDER_ITEM else data

    def _on_dataset_activated(self, index: int) -> None:
        if self.dataset.itemData(index) != FOLDER_ITEM:
            return
        start = settings.get("paths/last_image_folder", str(Path.home()), str)
        folder = QFileDialog.getExistingDirectory(self, "Folder of images", start)
        if folder:
            settings.put("paths/last_image_folder", folder)
            self._folder = folder
            self._fill_datasets(keep=folder)
        else:
            self._fill_datasets()
        self._on_choice()

    def _on_data_root(self) -> None:
        self._fill_datasets()
        self._schedule_validate()

    def _on_name_edited(self, _text: str) -> None:
        self._name_edited = True

    def _on_choice(self, *_):
        model = self.model.currentData()
        spec = self._models[model]
        self.model_about.setText(spec.title)
        data = self._data_name() or "digits"
        if not self._name_edited:
            self.name.setText(self._suggest_name(model, data))
        # placeholders show the recipe the blank fields will get
        for key in RECIPE_KEYS:
            v = spec.defaults.get(key)
            self.fields[key].setPlaceholderText(f"{fmt(v)} (recipe)" if v is not None else "recipe")
        self._schedule_validate()

    def _suggest_name(self, model: str, data: str) -> str:
        base = f"{model}-{Path(data).name}"
        root = Path(self.runs_root.text().strip() or ".").expanduser()
        for i in range(1, 1000):
            cand = f"{base}-{i}"
            if not (root / cand).exists():
                return cand
        return base

    def _reset_recipe(self) -> None:
        for key in RECIPE_KEYS:
            self.fields[key].clear()

    def _browse_root(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Runs folder", self.runs_root.text())
        if folder:
            self.runs_root.setText(folder)

    def _browse_data_root(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Data root", self.data_root.text() or str(Path.home()))
        if folder:
            self.data_root.setText(folder)
            self._on_data_root()

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
        if isinstance(last.get("data"), str):
            if os.path.isdir(last["data"]):
                self._folder = last["data"]
            self._restore_data = last["data"]
        for combo, key in ((self.image_size, "image_size"), (self.device, "device")):
            i = combo.findData(last.get(key))
            if i >= 0:
                combo.setCurrentIndex(i)

    def showEvent(self, event) -> None:
        data = getattr(self, "_restore_data", None)
        if data:
            self._fill_datasets(keep=data)
            self._restore_data = None
            self._on_choice()
        super().showEvent(event)

    def _accept(self) -> None:
        if not self.validate():
            return
        settings.put_json("new_run/last", {
            "model": self.model.currentData(), "data": self._data_name(), "image_size": self.image_size.currentData(),
            "device": self.device.currentData(), **{k: e.text() for k, e in self.fields.items()}})
        settings.put("paths/runs_root", self.runs_root.text().strip())
        if self.data_root.text().strip():
            settings.put("paths/data_root", self.data_root.text().strip())
        self.accept()
