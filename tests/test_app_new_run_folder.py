"""Issue 39 in New Run: a folder of the user's own images is read in a thread, and the dialog shows what the run will
make of it (the same line the run logs), a preview at the run's size and channels, grey/colour and crop choices that
reach the config, the recipe tuned on its look, and augmentation suggested for a small set."""

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.usefixtures("no_thread_leaks")


def _folder(root, n, colour=False):
    root.mkdir(parents=True)
    for i in range(n):
        a = np.zeros((28, 28), np.uint8)
        a[6:20, 10 + i % 5: 14 + i % 5] = 255
        a[0, 0], a[0, 1] = i % 256, i // 256  # every file its own (no duplicates)
        img = Image.fromarray(a)
        if colour:
            rgb = np.stack([a, a // 2, np.full_like(a, 90)], -1)
            img = Image.fromarray(rgb)
        img.save(root / f"{i:04d}.png")
    return str(root)


def _choose_folder(dialog, qtbot, folder):
    dialog._folders["dataset"] = folder
    dialog._fill_datasets(keep=folder)
    dialog._on_choice()
    qtbot.waitUntil(lambda: not dialog.images.busy() and dialog.images._shown is not None, timeout=20000)
    dialog.validate()


def test_a_grey_folder_shows_what_the_run_makes_of_it(dialog, qtbot, tmp_path):
    from trainers.config import TrainConfig, resolve

    folder = _folder(tmp_path / "mine", 300)
    _choose_folder(dialog, qtbot, folder)
    images = dialog.images
    assert dialog.error_text() == ""
    assert images.about.text() == "300 images · grey · 28 × 28 → 1 channel, 28 px"
    pix = images.preview.pixmap()
    assert not pix.isNull() and pix.width() == 2 * (8 * 29 + 1)  # eight 28-px images, twice their size
    # the recipe tuned on small grey images shows in the placeholders, and the run resolves to it
    assert dialog.fields["lr_g"].placeholderText() == "0.002 (recipe)"
    cfg = resolve(TrainConfig(**dialog.config()))
    assert (cfg.channels, cfg.image_size, cfg.arch, cfg.width) == (1, 28, "mnist", 16)
    # a small set: augmentation suggested, and the choice reaches the config
    assert "300 images: a small set" in images.suggest.text() and images.suggest.isVisibleTo(dialog)
    images.augment.setCurrentIndex(images.augment.findData("ada"))
    dialog.validate()
    assert dialog.config()["augment"] == "ada" and images.suggest.text() == ""
    # colour by choice: three channels, and the preview follows
    images.colour.setCurrentIndex(images.colour.findData(3))
    qtbot.waitUntil(lambda: dialog.images._shown is not None and dialog.images._shown[2] == 3, timeout=20000)
    dialog.validate()
    assert dialog.config()["channels"] == 3
    assert images.about.text().endswith("→ 3 channels, 28 px (grey made RGB)")


def test_a_colour_folder_and_the_crop_choice(dialog, qtbot, tmp_path):
    folder = _folder(tmp_path / "colour", 6, colour=True)
    _choose_folder(dialog, qtbot, folder)
    assert dialog.images.about.text().startswith("6 images · colour · 28 × 28 → 3 channels")
    dialog.images.crop.setCurrentIndex(dialog.images.crop.findData("pad"))
    assert dialog.config()["crop"] == "pad"
    # a family that cannot augment has no Augment choice; the folder row stays
    dialog.model.setCurrentIndex(dialog.model.findData("cyclegan"))
    assert not dialog.images.augment.isVisibleTo(dialog)


def test_a_folder_with_no_images_says_so_and_start_stays_off(dialog, qtbot, tmp_path):
    empty = tmp_path / "junk"
    empty.mkdir()
    (empty / "notes.txt").write_text("no images here")
    dialog._folders["dataset"] = str(empty)
    dialog._fill_datasets(keep=str(empty))
    dialog._on_choice()
    qtbot.waitUntil(lambda: "none of its 1 files is a readable image" in dialog.error_text(), timeout=20000)
    assert not dialog.start_btn.isEnabled()
