"""New Run's "Images" row: what a folder of the user's own images was read as, a preview of the images as the run will
see them, the grey/colour and crop choices, and the augmentation of what D sees (DiffAugment, ADA), suggested for a
small folder. The engine settles the run (``config.resolve``: a grey folder trains 1 channel at its own side when the
model makes it); this row shows what it settled and lets the user choose otherwise."""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QWidget

from .new_run_parts import Note

SMALL_SET = 5000  # under this many images, New Run suggests augmentation (the papers' small-data regime)
COLOURS = (("as the images", None), ("grey · 1 channel", 1), ("colour · 3 channels", 3))
CROPS = (("centre square", "centre"), ("pad to a square", "pad"), ("stretch", "stretch"))
AUGMENTS = (("none", "none"), ("DiffAugment", "diffaugment"), ("ADA (adaptive)", "ada"))
PREVIEW = 8  # images in the preview, one row
TILE = 56  # pixels per preview image on screen (28-px images twice their size)


def is_folder(data: str | None) -> bool:
    from trainers.data import DATASETS

    return bool(data) and data not in DATASETS and os.path.isdir(os.path.expanduser(data))


def grid_pixmap(images: np.ndarray, per_row: int = 8, tile: int = TILE) -> QPixmap:
    """(k, C, S, S) uint8 → one pixmap of ``per_row`` tiles a row, each ``tile`` px with a 2-px gap."""
    from .samples import to_qimage

    k, c, s, _ = images.shape
    rows = max(1, -(-k // per_row))
    canvas = np.full((rows * (s + 1) + 1, per_row * (s + 1) + 1, 3), 40, np.uint8)
    for i in range(k):
        r, col = divmod(i, per_row)
        img = images[i].transpose(1, 2, 0)
        canvas[1 + r * (s + 1): 1 + r * (s + 1) + s, 1 + col * (s + 1): 1 + col * (s + 1) + s] = \
            img if c == 3 else np.repeat(img, 3, axis=2)
    scale = max(1, tile // s)
    return QPixmap.fromImage(to_qimage(canvas)).scaled(canvas.shape[1] * scale, canvas.shape[0] * scale,
                                                       Qt.AspectRatioMode.KeepAspectRatio,
                                                       Qt.TransformationMode.FastTransformation)


class ImageFields(QWidget):
    """The row's widgets; ``values()`` are TrainConfig fields (``channels``, ``crop``, ``augment``)."""

    sig_changed = Signal()
    """A choice changed, or a folder's survey came in (the dialog validates again)."""

    def __init__(self):
        super().__init__()
        self.about = Note()
        self.about.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview = QLabel()
        self.preview.setToolTip("The folder's images as the run will see them: at its size and channels, made "
                                "square as Crop says")
        self.colour = self._combo(COLOURS, "Grey trains one channel; colour three. 'As the images': grey when every "
                                  "image is grey")
        self.crop = self._combo(CROPS, "How images that are not square become square: cut the centre square, add "
                                "borders of the edge colour, or stretch")
        self.augment = self._combo(AUGMENTS, "Augment what D sees, reals and fakes alike, so a small set still "
                                   "trains: DiffAugment (colour, translation, cutout on every image; Zhao et al. "
                                   "2020) or ADA (flips, rotations, scaling, colour with a probability that rises "
                                   "while D overfits; Karras et al. 2020)")
        self.suggest = Note()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.about, 0, 0, 1, 4)
        grid.addWidget(self.preview, 1, 0, 1, 4)
        self._captions = {"channels": QLabel("Colour"), "crop": QLabel("Crop"), "augment": QLabel("Augment")}
        grid.addWidget(self._captions["channels"], 2, 0)
        grid.addWidget(self.colour, 2, 1)
        grid.addWidget(self._captions["crop"], 2, 2)
        grid.addWidget(self.crop, 2, 3)
        grid.addWidget(self._captions["augment"], 3, 0)
        grid.addWidget(self.augment, 3, 1)
        grid.addWidget(self.suggest, 3, 2, 1, 2)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self._folder: str | None = None
        self._shown: tuple | None = None  # (folder, size, channels, crop) of the preview on screen
        self._thread = None
        self._pending: tuple | None = None  # the key the running thread reads for
        self._failed: set[str] = set()  # folders whose survey failed: resolve says why, no second try
        self._survey = None
        self._can_augment = False
        self.row_label = "Images"

    def _combo(self, items, tip: str) -> QComboBox:
        box = QComboBox()
        for label, value in items:
            box.addItem(label, value)
        box.setToolTip(tip)
        box.currentIndexChanged.connect(self.sig_changed)
        return box

    # -- what the dialog asks ------------------------------------------------------------------------------
    def shown_for(self, spec, data: str | None) -> bool:
        """Lay the row out for the family and data; True when it shows anything (a folder, or a family that
        augments images)."""
        folder = is_folder(data)
        self._can_augment = spec.can("augment")
        for w in (self.about, self.preview, self.colour, self.crop, self._captions["channels"],
                  self._captions["crop"]):
            w.setVisible(folder)
        self.augment.setVisible(self._can_augment)
        self._captions["augment"].setVisible(self._can_augment and folder)
        self.row_label = "Images" if folder else "Augment"  # the form's label: the row is only Augment then
        if folder != (self._folder is not None) or (folder and data != self._folder):
            self._folder = data if folder else None
            self._survey, self._shown = None, None
        self.suggest.setVisible(bool(self.suggest.text()) and self._can_augment)
        return folder or self._can_augment

    def ready(self, data: str | None) -> bool:
        """Whether the dialog may resolve a config now: not while a folder's first survey runs (it starts it; the
        second domain's folder too, whose survey shows nothing in this row)."""
        if not is_folder(data):
            return True
        from trainers.data import folder

        if folder.surveyed(data) or data in self._failed:
            return True
        self._start(data, None, None, self.crop.currentData())
        return False

    def follow(self, data: str | None, resolved) -> None:
        """Show what the run settled for a folder: the survey and fit line, and a preview at its size."""
        if not is_folder(data) or resolved is None:
            return
        key = (data, resolved.image_size, resolved.channels, resolved.crop)
        if self._survey is not None:
            self.about.setText(self._survey.fit_line(resolved.channels, resolved.image_size, resolved.crop))
            self._suggest(resolved)
        if key != self._shown and self._thread is None and data not in self._failed:
            self._start(*key)

    def info(self, data: str | None):
        """The ``DatasetInfo`` of a named dataset, or of a folder already surveyed (else None: not read yet)."""
        from trainers.data import DATASETS, folder, native_shape

        if data in DATASETS:
            return DATASETS[data]
        if is_folder(data) and folder.surveyed(data) and data not in self._failed:
            return native_shape(data)
        return None

    def values(self) -> dict:
        out = {"augment": self.augment.currentData() if self._can_augment else None}
        if self._folder is not None:
            out.update(channels=self.colour.currentData(), crop=self.crop.currentData())
        if out["augment"] == "none":
            out["augment"] = None  # the recipe's (none)
        return out

    def widgets(self) -> dict[str, QWidget]:
        return {"channels": self.colour, "crop": self.crop, "augment": self.augment}

    def texts(self) -> dict:
        return {"channels": self.colour.currentIndex(), "crop": self.crop.currentIndex(),
                "augment": self.augment.currentIndex()}

    def restore(self, saved) -> None:
        if not isinstance(saved, dict):
            return
        for key, box in self.widgets().items():
            i = saved.get(key)
            if isinstance(i, int) and 0 <= i < box.count():
                box.setCurrentIndex(i)

    def busy(self) -> bool:
        return self._thread is not None

    def shutdown(self) -> None:
        if self._thread is not None:
            self._thread.cancel()
            self._thread.wait()

    # -- internals -------------------------------------------------------------------------------------------
    def _suggest(self, resolved) -> None:
        small = self._survey is not None and self._survey.images < SMALL_SET
        text = ""
        if small and resolved.augment == "none" and self._can_augment:
            text = f"← {self._survey.images:,} images: a small set, try DiffAugment or ADA"
        self.suggest.setText(text)
        self.suggest.setToolTip("On a small set D soon knows the real images by heart and training stalls; "
                                "augmenting what D sees lets it train on them (the README's table)" if text else "")
        self.suggest.setVisible(bool(text))

    def _start(self, data: str, size, channels, crop: str) -> None:
        if self._thread is not None:
            return
        from ..workers.survey import SurveyThread

        if self._survey is None and data == self._folder:
            self.about.setText("Reading the folder…")
        self._pending = (data, size, channels, crop)
        self._thread = SurveyThread(data, size, channels, crop, PREVIEW, self)
        self._thread.sig_progress.connect(self._on_progress)
        self._thread.sig_result.connect(self._on_result)
        self._thread.sig_failed.connect(self._on_failed)
        self._thread.finished.connect(self._on_finished)
        self._thread.start()

    def _on_progress(self, _stage: str, done: int, total: int) -> None:
        if self._pending is not None and self._pending[0] == self._folder:  # not the second domain's folder
            self.about.setText(f"Reading the folder… {done:,} of {total:,} files")

    def _on_result(self, result) -> None:
        found, images = result
        if self._pending is None or self._pending[0] != self._folder:
            return  # another folder was chosen meanwhile
        self._survey = found
        self.about.setText(found.line())
        if len(images):
            self.preview.setPixmap(grid_pixmap(images))

    def _on_failed(self, line: str) -> None:
        self.about.setText(line)
        if self._pending is not None:
            self._failed.add(self._pending[0])

    def _on_finished(self) -> None:
        if self._pending is not None and self._pending[1] is not None:
            self._shown = self._pending  # at the run's size: not read again until a choice changes
        self._thread, self._pending = None, None
        self.sig_changed.emit()  # validate again: the survey is in memory now, the preview may need the run's size
