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


def test_a_second_domain_folder_is_read_in_a_thread(dialog, qtbot, tmp_path, monkeypatch):
    """cyclegan with a folder as its second domain: the dialog waits for that folder's survey, which runs off the GUI
    thread, then resolves; the first domain's row keeps its own line."""
    import threading

    from trainers.data import folder as folder_mod

    gui = threading.get_ident()
    read_on = []
    real_survey = folder_mod.survey

    def spy(path, *a, **k):  # where the folder is read (a survey answered from memory reads nothing)
        if not folder_mod.surveyed(path):
            read_on.append(threading.get_ident())
        return real_survey(path, *a, **k)

    monkeypatch.setattr(folder_mod, "survey", spy)
    b = _folder(tmp_path / "bold", 40)
    dialog.model.setCurrentIndex(dialog.model.findData("cyclegan"))
    dialog._folders["data_b"] = b
    dialog._fill_datasets(keep_b=b)
    dialog._on_choice()
    assert dialog.config()["data_b"] == b
    assert not dialog.validate() and "Reading the second domain's folder" in dialog.error_text()
    assert dialog.data_b.property("invalid") == "true"
    qtbot.waitUntil(lambda: dialog.validate(), timeout=20000)
    assert dialog.error_text() == "" and read_on and gui not in read_on  # surveyed, never on the GUI thread
    assert "Reading the folder" not in dialog.images.about.text()
