"""Issue 39: a folder of the user's own images read as what it is (grey, its size, classes from sub-folders), the
same from the command line and New Run (both resolve through ``config.resolve``)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from trainers.config import TrainConfig, resolve
from trainers.data import folder as folder_mod
from trainers.data import load_dataset, native_shape
from trainers.errors import ConfigError


def _digits_folder(root, n=40, size=28, classes=None, mode="L"):
    """``n`` grey images (a bright square whose place depends on i), flat or in class sub-folders."""
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        a = np.zeros((size, size), np.uint8)
        a[4 + i % 10: 12 + i % 10, 6:14] = 200 + i % 50
        img = Image.fromarray(a)
        if mode == "RGB":
            img = img.convert("RGB")  # grey saved as colour
        where = root / classes[i % len(classes)] if classes else root
        where.mkdir(exist_ok=True)
        img.save(where / f"{i:03d}.png")
    return root


def test_a_grey_28px_folder_trains_one_channel_at_28px(tmp_path):
    root = _digits_folder(tmp_path / "mine", mode="RGB")
    found = folder_mod.survey(root)
    assert (found.images, found.width, found.height, found.grey, found.channels) == (40, 28, 28, True, 1)
    assert "equal channels" in found.grey_how
    cfg = resolve(TrainConfig(model="dcgan", data=str(root)))
    assert (cfg.channels, cfg.image_size, cfg.crop) == (1, 28, "centre")
    data = load_dataset(str(root), image_size=cfg.image_size, channels=cfg.channels)
    assert data.x.shape == (40, 1, 28, 28) and data.labels is None
    assert data.about == "40 images · grey · 28 × 28 → 1 channel, 28 px"
    # the pixels are the files' own (no resize at the native side)
    assert int(data.x[0, 0, 4, 6]) == 200 and int(data.x[0, 0, 0, 0]) == 0


def test_a_colour_folder_of_another_size_gets_the_nearest_side_the_model_makes(tmp_path):
    root = tmp_path / "wide"
    root.mkdir()
    for i in range(6):
        a = np.zeros((60, 100, 3), np.uint8)
        a[..., 0] = 250  # red ground
        a[20:40, 40:60] = (0, 0, 255)
        Image.fromarray(a).save(root / f"{i}.png")
    info = native_shape(str(root))
    assert (info.channels, info.size, info.classes) == (3, 60, 0)
    assert resolve(TrainConfig(model="dcgan", data=str(root))).image_size == 64  # nearest of 28, 32, 64 to 60
    centre = load_dataset(str(root), image_size=32, channels=3, crop="centre")
    pad = load_dataset(str(root), image_size=32, channels=3, crop="pad")
    stretch = load_dataset(str(root), image_size=32, channels=3, crop="stretch")
    # centre: the middle 60 × 60 (blue square at 20..40 of 60 → 32 px: about 11..21); pad: the red ground above and
    # below (the edge colour); stretch: the square squeezed sideways to a third of the width
    assert tuple(centre.x[0, :, 16, 16].tolist()) == (0, 0, 255)
    assert tuple(pad.x[0, :, 1, 16].tolist()) == (250, 0, 0) and tuple(pad.x[0, :, 16, 16].tolist()) == (0, 0, 255)
    blue_cols = (stretch.x[0, 2, 16] > 128).sum().item()
    assert 5 <= blue_cols <= 8 and blue_cols < (centre.x[0, 2, 16] > 128).sum().item()
    assert "padded to a square" in pad.about and "100 × 60" in pad.about
    with pytest.raises(ConfigError, match="--crop must be centre, pad or stretch"):
        resolve(TrainConfig(model="dcgan", data=str(root), crop="zoom"))


def test_class_subfolders_are_labels_conditional_families_train_on(tmp_path):
    root = _digits_folder(tmp_path / "labelled", n=30, classes=["cat", "dog", "emu"])
    found = folder_mod.survey(root)
    assert found.classes == ("cat", "dog", "emu") and found.class_counts == (10, 10, 10)
    data = load_dataset(str(root))
    assert data.class_names == ("cat", "dog", "emu")
    assert data.labels.tolist() == [0] * 10 + [1] * 10 + [2] * 10  # sorted paths: cat/…, dog/…, emu/…
    cfg = resolve(TrainConfig(model="cgan", data=str(root)))
    assert cfg.eval_every == 1000  # labelled: domain scores during training
    flat = _digits_folder(tmp_path / "flat", n=10)
    with pytest.raises(ConfigError, match=r"sub-folder named after it \(root/<class>/\*.png\)"):
        resolve(TrainConfig(model="cgan", data=str(flat)))


def test_images_at_the_top_and_in_subfolders_are_one_unlabelled_set(tmp_path):
    root = _digits_folder(tmp_path / "mixed", n=6, classes=["a", "b"])
    _digits_folder(root, n=3)  # three more at the top
    found = folder_mod.survey(root)
    assert found.classes == () and found.mixed_layout and found.images == 9
    assert load_dataset(str(root)).labels is None


def test_duplicates_and_unreadable_files_are_counted(tmp_path):
    root = _digits_folder(tmp_path / "dups", n=5)
    (root / "copy.png").write_bytes((root / "001.png").read_bytes())
    (root / "notes.txt").write_text("not an image")
    found = folder_mod.survey(root)
    assert (found.files, found.images, found.unreadable, found.duplicates) == (7, 6, 1, 1)
    assert found.line() == "6 images · grey · 28 × 28 · 1 unreadable file skipped · 1 duplicate"


def test_the_survey_is_cached_and_sees_a_new_file(tmp_path, monkeypatch):
    root = _digits_folder(tmp_path / "cached", n=4)
    assert folder_mod.survey(root).images == 4
    folder_mod._MEMO.clear()
    monkeypatch.setattr(folder_mod, "_header", lambda f: pytest.fail("read the headers again"))
    assert folder_mod.survey(root).images == 4  # from the cache file
    monkeypatch.undo()
    Image.fromarray(np.full((28, 28), 9, np.uint8)).save(root / "new.png")
    assert folder_mod.survey(root).images == 5


def test_a_colour_folder_stays_colour(tmp_path):
    root = tmp_path / "colour"
    root.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):
        Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(root / f"{i}.png")
    found = folder_mod.survey(root)
    assert not found.grey and found.grey_how == "some files are in colour"
    cfg = resolve(TrainConfig(model="dcgan", data=str(root)))
    assert (cfg.channels, cfg.image_size) == (3, 32)
    x = load_dataset(str(root), image_size=32, channels=3).x
    assert x.shape == (4, 3, 32, 32) and not torch.equal(x[:, 0], x[:, 1])
