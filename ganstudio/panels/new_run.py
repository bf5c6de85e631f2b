"""The New Run dialog: model, data and recipe, validated inline by the engine's own ``resolve()`` so the
dialog can never accept what the trainer would refuse. Blank recipe fields mean "the model's recipe"."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QGridLayout,
                               QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget)
from superqt import QElidingLabel

from trainers.runfolder import checkpoint_path, metrics_path

from .. import settings
from .new_run_data import DataChoices, devices
from .new_run_images import ImageFields
from .new_run_memory import RememberedSetup
from .new_run_parts import (REAL_SETS, SUPERRES_LABELS, FamilyFields, Note, SuperresFields, check_real_sets, chosen,
                            family_labels, family_rows, superres, two_domain, two_domain_note)
from .new_run_remedies import LABELS as REMEDY_LABELS, RemedyFields
from .run_form import DEFAULTS, NUMERIC, RECIPE_KEYS, SCHEDULE_KEYS, FieldError, field_tip, fmt, parse_number


class NewRunDialog(DataChoices, RememberedSetup, QDialog):
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
        self._switch_note = ""  # why the dataset changed with the model (shown under the model)
        # (dataset, second domain) before the dialog switched them for a model: back when a later model does not
        # need the switch; None once the user chooses data
        self._switched_from: tuple[str | None, str | None] | None = None
        self._size_note = ""  # why the image size changed with the model or data (shown under the model)
        self._auto_size = False  # the image size is the dialog's pick, not the user's: undone when not needed
        # per data combo ("dataset", "data_b"): the folder of images picked, the last choice (for a cancelled picker)
        self._folders: dict[str, str | None] = {"dataset": None, "data_b": None}
        self._kept: dict[str, str] = {}

        # -- run -----------------------------------------------------------------------------------------
        self.name = QLineEdit()
        self.name.setToolTip("The run's folder name")
        self.runs_root = QLineEdit(runs_root or settings.runs_root())
        root_btn = QPushButton("Browse…")
        root_btn.clicked.connect(self._browse_root)
        self.where = QElidingLabel("")
        self.where.setElideMode(Qt.TextElideMode.ElideMiddle)  # a long path keeps both its ends
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
        from trainers.config import default

        self.model.setCurrentIndex(max(self.model.findData(default("model")), 0))
        self.model_about = Note()
        self.dataset = QComboBox()
        self.data_b = QComboBox()
        self.data_b.setToolTip("The second domain (--data-b): the model learns to go between it and the Dataset")
        self.data_b_about = Note(two_domain_note(MODELS))
        self.superres = SuperresFields()  # SRGAN's own settings, shown while a super-resolution family is chosen
        # other families' own numbers (ProGAN, StyleGAN), each row shown while the family's recipe has its keys
        self.family = {row: FamilyFields(labels, name) for row, (name, labels) in family_rows(MODELS).items()}
        self.progan, self.stylegan = self.family["ProGAN"], self.family["StyleGAN"]
        self.remedies = RemedyFields()  # the switches against mode collapse the family takes (all start off)
        self.data_root = QLineEdit(data_root or settings.get("paths/data_root", "", str) or "")
        self.data_root.setPlaceholderText("folder holding MNIST/, FashionMNIST/, cifar-10-batches-bin/")
        data_root_btn = QPushButton("Browse…")
        data_root_btn.clicked.connect(self._browse_data_root)
        self.image_size = QComboBox()
        self.image_size.addItem("dataset's own", None)
        for s in (28, 32, 64):
            self.image_size.addItem(f"{s} px", s)
        self.device = QComboBox()
        for dev in devices():
            self.device.addItem(dev, dev)
        md_box = QGroupBox("Model and data")
        f = QFormLayout(md_box)
        self._md_form = f
        f.addRow("Model", self.model)
        f.addRow("", self.model_about)
        f.addRow("Dataset", self.dataset)
        f.addRow("Second domain", self.data_b)
        f.addRow("", self.data_b_about)
        f.addRow("SRGAN", self.superres)
        for row, fields in self.family.items():
            f.addRow(row, fields)
        # the label column keeps its width when the second-domain row hides, so the fields do not jump sideways
        f.labelForField(self.model).setMinimumWidth(f.labelForField(self.data_b).sizeHint().width())
        row = QHBoxLayout()
        row.addWidget(self.data_root, 1)
        row.addWidget(data_root_btn)
        f.addRow("Data root", row)
        f.addRow("Image size", self.image_size)
        self.images = ImageFields()  # a folder: what it was read as, a preview, grey/colour, crop; augmentation
        f.addRow("Images", self.images)
        f.addRow("Device", self.device)
        f.addRow("Remedies", self.remedies)
        f.labelForField(self.remedies).setToolTip("Switches against mode collapse (off by default): those this model "
                                                  "takes; see the README's \"Mode collapse, counted\"")

        # -- recipe and schedule -------------------------------------------------------------------------
        self.fields: dict[str, QLineEdit] = {}
        for key, (label, kind, tip) in NUMERIC.items():
            e = QLineEdit(DEFAULTS.get(key, ""))
            e.setToolTip(field_tip(key))
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
        self.error = Note(name="error")
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
        self.model.currentIndexChanged.connect(self._on_model)
        self.dataset.activated.connect(self._on_dataset_activated)
        self.dataset.currentIndexChanged.connect(self._on_choice)
        self.data_b.activated.connect(self._on_data_b_activated)
        self.data_b.currentIndexChanged.connect(self._on_choice)
        self.data_root.editingFinished.connect(self._on_data_root)
        for w in (self.name, self.runs_root, *self.fields.values()):
            w.textChanged.connect(self._schedule_validate)
        for w in (self.image_size, self.device):
            w.currentIndexChanged.connect(self._schedule_validate)
        self.superres.sig_changed.connect(self._schedule_validate)
        self.images.sig_changed.connect(self._on_choice)  # a folder's survey: the recipe of its look, its size
        for fields in self.family.values():
            fields.sig_changed.connect(self._schedule_validate)
        self.remedies.sig_changed.connect(self._schedule_validate)
        self.image_size.activated.connect(self._on_image_size_activated)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self.validate)
        self._on_choice()

    # -- public --------------------------------------------------------------------------------------------
    def config(self) -> dict:
        """TrainConfig fields from the form (None where blank = recipe default). Raises ValueError on junk."""
        model = self.model.currentData()
        data_b = chosen(self.data_b) if two_domain(self._models[model]) else None
        cfg: dict = {"model": model, "data": self._data_name(), "data_b": data_b, "device": self.device.currentData(),
                     "image_size": self.image_size.currentData(), "out": self.run_dir()}
        if superres(self._models[model]):
            cfg.update(self.superres.values())
        cfg.update(self.images.values())
        for fields in self.family.values():
            cfg.update(fields.values(self._models[model]))
        cfg.update(self.remedies.values(self._models[model]))
        root = self.data_root.text().strip()
        if (cfg["data"] in REAL_SETS or data_b in REAL_SETS) and root:
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
            if cfg["data_b"] is None and two_domain(self._models[cfg["model"]]):
                raise FieldError("data_b", "Choose the second domain")
            check_real_sets((cfg["data"], cfg["data_b"]), cfg.get("data_root"))
            if not self.images.ready(cfg["data"]):  # a folder's first look runs in a thread; then this again
                raise FieldError("dataset", "Reading the folder of images…")
            if cfg["data_b"] is not None and not self.images.ready(cfg["data_b"]):  # the second domain's too
                raise FieldError("data_b", "Reading the second domain's folder of images…")
            self.images.follow(cfg["data"], resolve(TrainConfig(**cfg)))
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
            # the engine names the field it refuses (None: the model, or the model and data together)
            bad_key = {"data": "dataset", None: "model"}.get(exc.field, exc.field)
            message = self._friendly(str(exc))
        self._show_error(bad_key, message)
        self.where.setText(f"→ {self.run_dir()}" if name else "")
        self.where.setToolTip(str(self.run_dir()) if name else "")
        return not message

    # -- internals -----------------------------------------------------------------------------------------
    def _friendly(self, message: str) -> str:
        """Name the form's fields rather than command-line flags."""
        for key, (label, _k, _t) in NUMERIC.items():
            message = message.replace(f"--{key.replace('_', '-')}", label)
        for key, label in {**SUPERRES_LABELS, **family_labels(self._models), **REMEDY_LABELS}.items():
            message = message.replace(f"--{key.replace('_', '-')}", label)
        message = message.replace("pass the second with --data-b", "choose the second domain")
        message = message.replace("--data-b", "Second domain").replace("use --data ", "choose the dataset ")
        return message.replace("--image-size", "Image size").replace("pass Image size", "choose an image size")

    def _show_error(self, key: str | None, message: str) -> None:
        widgets = {**self.fields, "name": self.name, "runs_root": self.runs_root, "data_root": self.data_root,
                   "model": self.model, "dataset": self.dataset, "data_b": self.data_b, "image_size": self.image_size,
                   "device": self.device, **self.superres.widgets(), **self.images.widgets(), **self.remedies.widgets(),
                   **{k: w for fields in self.family.values() for k, w in fields.widgets().items()}}
        for k, w in widgets.items():
            flag = "true" if k == key and message else "false"
            if w.property("invalid") != flag:
                w.setProperty("invalid", flag)
                w.style().unpolish(w)
                w.style().polish(w)
        text = f"⚠ {message}" if message else ""
        if text != self.error.text():
            self.error.setText(text)
            self._fit_height()
        self.start_btn.setEnabled(not message)

    def _schedule_validate(self, *_):
        self._timer.start()

    def _on_name_edited(self, _text: str) -> None:
        self._name_edited = True

    def _on_choice(self, *_):
        model = self.model.currentData()
        spec = self._models[model]
        two = two_domain(spec)
        self._md_form.setRowVisible(self.data_b, two)
        self._md_form.setRowVisible(self.data_b_about, two)
        self._md_form.setRowVisible(self.superres, superres(spec))
        self._md_form.setRowVisible(self.images, self.images.shown_for(spec, self._data_name() or spec.data))
        self._md_form.labelForField(self.images).setText(self.images.row_label)
        for fields in self.family.values():
            self._md_form.setRowVisible(fields, fields.shown_for(spec))
        self._md_form.setRowVisible(self.remedies, self.remedies.shown_for(spec))
        self._fit_image_size(model, spec)
        notes = [n for n in (self._switch_note, self._size_note) if n]
        self.model_about.setText("\n".join([spec.title, *notes]))
        self._fit_height()
        data = self._data_name() or spec.data
        data_b = chosen(self.data_b) if two else None
        for which, choice in (("dataset", self._data_name()), ("data_b", chosen(self.data_b))):
            if choice:
                self._kept[which] = choice
        if not self._name_edited:
            self.name.setText(self._suggest_name(model, data, data_b))
        # placeholders show the recipe the blank fields will get (the family's, as tuned on this dataset)
        recipe = spec.recipe_for(data, self.images.info(data))
        if superres(spec):
            self.superres.show_recipe(recipe)
        for key in RECIPE_KEYS:
            v = recipe.get(key)
            self.fields[key].setPlaceholderText(f"{fmt(v)} (recipe)" if v is not None else "recipe")
        d_steps = self.fields["n_critic"]  # a family that updates D once has no such setting
        d_steps.setEnabled(spec.repeats_d)
        d_steps.setToolTip(field_tip("n_critic") if spec.repeats_d else
                           f"{model} updates D once per G step: it has no such setting")
        if not spec.repeats_d:
            d_steps.clear()
            d_steps.setPlaceholderText("1 (fixed)")
        self._schedule_validate()

    def _fit_height(self) -> None:
        """Take the height the rows now need (a note, the second-domain row or an error came or went), so that
        nothing is squeezed and no gap is left."""
        if not self.isVisible():
            return  # the first show sizes the dialog
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)  # the rows' new size hints
        self.layout().activate()
        h = self.heightForWidth(self.width())
        self.resize(self.width(), h if h > 0 else self.sizeHint().height())

    def _suggest_name(self, model: str, data: str, data_b: str | None = None) -> str:
        from trainers.runfolder import new_run_dir

        return new_run_dir(self.runs_root.text().strip() or ".", model, data, data_b).name

    def _reset_recipe(self) -> None:
        for key in RECIPE_KEYS:
            self.fields[key].clear()

    def _browse_root(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Runs folder", self.runs_root.text())
        if folder:
            self.runs_root.setText(folder)
