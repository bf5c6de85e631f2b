"""Datasets: determinism, factor ranges, readable-but-safe loaders, junk files skipped and counted."""

import gzip

import numpy as np
import pytest
import torch
from PIL import Image

from trainers.data import BatchSampler, load_dataset
from trainers.data import digits as digits_mod
from trainers.data.base import fit_images
from trainers.data.real import load_cifar10, load_mnist_like
from trainers.errors import DataError


def test_digits_are_deterministic_and_seed_dependent():
    a = digits_mod.generate(300, seed=5)
    b = digits_mod.generate(300, seed=5)
    c = digits_mod.generate(300, seed=6)
    assert np.array_equal(a.images, b.images) and np.array_equal(a.factors, b.factors)
    assert not np.array_equal(a.images, c.images)


def test_digits_labels_factors_and_ink():
    d = digits_mod.generate(2000, seed=0)
    assert d.images.shape == (2000, 28, 28) and d.images.dtype == np.uint8
    counts = np.bincount(d.labels, minlength=10)
    assert counts.min() > 150  # all ten classes, roughly balanced
    for j, name in enumerate(digits_mod.FACTOR_NAMES):
        lo, hi = digits_mod.FACTOR_RANGES[name]
        col = d.factors[:, j]
        assert lo <= col.min() and col.max() <= hi
        assert col.max() - col.min() > 0.8 * (hi - lo)  # the factor really varies
    ink = d.images.reshape(2000, -1).astype(float)
    assert (ink.max(1) > 200).all()  # every digit has strokes
    assert 0.05 < ink.mean() / 255 < 0.25  # mostly background, like MNIST (~0.13)
    # a border frame stays empty: digits are centred in a 20-px box as in MNIST
    assert d.images[:, :2, :].max() == 0 and d.images[:, :, -2:].max() == 0


def test_stroke_width_factor_shows_in_the_pixels():
    d = digits_mod.generate(3000, seed=1)
    width = d.factors[:, digits_mod.FACTOR_NAMES.index("width")]
    ink = (d.images > 127).reshape(len(d.images), -1).sum(1)
    assert np.corrcoef(width, ink)[0, 1] > 0.5


def test_digits_cache_roundtrip(tmp_path, monkeypatch):
    monkeypatch.setenv("GANSTUDIO_CACHE", str(tmp_path))
    a = digits_mod.load(500, seed=3)
    files = list(tmp_path.glob("digits-*.npz"))
    assert len(files) == 1
    b = digits_mod.load(500, seed=3)
    assert np.array_equal(a.images, b.images)
    files[0].write_bytes(b"garbage")  # a damaged cache is redrawn, not a crash
    c = digits_mod.load(500, seed=3)
    assert np.array_equal(a.images, c.images)


def test_embedded_sets():
    rgb = load_dataset("digits-rgb", limit=300)
    assert rgb.x.shape == (300, 3, 32, 32) and rgb.num_classes == 10
    assert rgb.x.float().std(dim=(0, 2, 3)).min() > 20  # colour varies in every channel
    for name in ("ring", "grid", "spiral"):
        pts = load_dataset(name, limit=1000)
        assert pts.x.shape == (1000, 2) and pts.x.abs().max() < 2.5 and not pts.is_image
    ring = load_dataset("ring", limit=4000).x
    radius = ring.norm(dim=1)
    assert (radius - 1.6).abs().mean() < 0.06


def test_resize_and_channel_conversion():
    x = torch.randint(0, 256, (4, 1, 28, 28), dtype=torch.uint8)
    y = fit_images(x, 64, 3)
    assert y.shape == (4, 3, 64, 64) and y.dtype == torch.uint8
    assert torch.equal(y[:, 0], y[:, 2])
    grey = fit_images(torch.full((2, 3, 32, 32), 200, dtype=torch.uint8), 32, 1)
    assert grey.shape == (2, 1, 32, 32) and int(grey[0, 0, 0, 0]) == 200


def test_folder_skips_junk_and_counts(tmp_path):
    for i in range(3):
        Image.fromarray(np.full((40, 50, 3), 60 * i, np.uint8)).save(tmp_path / f"ok{i}.png")
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    data = load_dataset(str(tmp_path), image_size=32, channels=3)
    assert data.x.shape == (3, 3, 32, 32)
    assert data.notes == []  # said once, in what the folder was read as
    assert data.about == ("3 images · grey · 50 × 40 · 2 unreadable files skipped → 3 channels, 32 px (downscaled "
                          "from 40, grey made RGB), centre square cut")


def test_a_large_folder_is_read_from_a_memory_mapped_cache(tmp_path, monkeypatch):
    """Over the RAM threshold, a folder is decoded once into a cache file and batches page in from it: the
    same pixels as the in-memory load, no decoding the second time, a fresh cache when a file changes."""
    from trainers.data import real

    folder = tmp_path / "imgs"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(40):
        Image.fromarray(rng.integers(0, 256, (48, 40, 3), dtype=np.uint8)).save(folder / f"{i:02d}.png")
    (folder / "junk.png").write_bytes(b"not a png")
    monkeypatch.setenv("GANSTUDIO_CACHE", str(tmp_path / "cache"))
    in_ram = load_dataset(str(folder), image_size=16, channels=3)
    monkeypatch.setattr(real, "STREAM_OVER_BYTES", 0)
    mapped = load_dataset(str(folder), image_size=16, channels=3)
    caches = sorted((tmp_path / "cache" / "folders").glob("*.npy"))
    assert len(caches) == 1 and caches[0].stat().st_size >= 41 * 3 * 16 * 16
    assert mapped.x.shape == (40, 3, 16, 16) and torch.equal(mapped.x, in_ram.x)
    assert mapped.fingerprint() == in_ram.fingerprint()
    assert "1 unreadable file skipped" in mapped.about and "cache file" in mapped.notes[0]
    x = BatchSampler(mapped, 8, 0, torch.device("cpu")).draw()["x"]
    x_ram = BatchSampler(in_ram, 8, 0, torch.device("cpu")).draw()["x"]
    assert torch.equal(x, x_ram) and x.dtype == torch.float32 and x.min() >= -1 and x.max() <= 1

    def no_decoding(*a, **k):
        raise AssertionError("decoded again instead of reading the cache")

    from trainers.data import folder as folder_mod

    monkeypatch.setattr(folder_mod, "decode_one", no_decoding)
    again = load_dataset(str(folder), image_size=16, channels=3)
    assert torch.equal(again.x, in_ram.x) and "1 unreadable file skipped" in again.about
    monkeypatch.undo()
    monkeypatch.setenv("GANSTUDIO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(real, "STREAM_OVER_BYTES", 0)
    Image.fromarray(np.zeros((20, 20, 3), np.uint8)).save(folder / "00.png")  # one image changes
    changed = load_dataset(str(folder), image_size=16, channels=3)
    assert int(changed.x[0].max()) == 0 and torch.equal(changed.x[1:], in_ram.x[1:])
    assert len(list((tmp_path / "cache" / "folders").glob("*.npy"))) == 1  # the stale cache is gone


def test_a_large_folder_without_cache_space_says_what_to_do(tmp_path, monkeypatch):
    from trainers.data import real

    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "a.png")
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("GANSTUDIO_CACHE", str(blocker))
    monkeypatch.setattr(real, "STREAM_OVER_BYTES", 0)
    with pytest.raises(DataError, match="set GANSTUDIO_CACHE to a writable folder"):
        load_dataset(str(tmp_path), image_size=16, channels=3)


def test_folder_errors(tmp_path):
    with pytest.raises(DataError, match="empty"):
        load_dataset(str(tmp_path), image_size=32)
    (tmp_path / "a.png").write_text("nope")
    with pytest.raises(DataError, match="none of its 1 files"):
        load_dataset(str(tmp_path), image_size=32)


def _write_idx(path, arr):
    header = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + arr.astype(np.uint8).tobytes())


def test_mnist_idx_reader_and_messages(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    with pytest.raises(DataError, match="MNIST/raw"):
        load_mnist_like("mnist", str(tmp_path))
    raw.mkdir(parents=True)
    imgs = np.random.default_rng(0).integers(0, 256, (5, 28, 28))
    _write_idx(raw / "t10k-images-idx3-ubyte.gz", imgs)
    _write_idx(raw / "t10k-labels-idx1-ubyte.gz", np.arange(5))
    x, y, classes = load_mnist_like("mnist", str(tmp_path))
    assert np.array_equal(x, imgs) and list(y) == [0, 1, 2, 3, 4] and classes[3] == "3"
    with gzip.open(raw / "t10k-images-idx3-ubyte.gz", "rb") as f:
        data = f.read()
    with gzip.open(raw / "t10k-images-idx3-ubyte.gz", "wb") as f:
        f.write(data[:-100])
    with pytest.raises(DataError, match="truncated"):
        load_mnist_like("mnist", str(tmp_path))


def test_cifar_pickles_are_refused_with_a_way_out(tmp_path):
    (tmp_path / "cifar-10-batches-py").mkdir()
    with pytest.raises(DataError, match="never opens"):
        load_cifar10(str(tmp_path))
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    rec = np.zeros((4, 3073), np.uint8)
    rec[:, 0] = [3, 1, 4, 1]
    rec[:, 1:] = 77
    rec.tofile(folder / "data_batch_1.bin")
    x, y, classes = load_cifar10(str(tmp_path))
    assert x.shape == (4, 3, 32, 32) and list(y) == [3, 1, 4, 1] and classes[3] == "cat" and x.max() == 77


def test_real_mnist_from_shared(mnist_root):
    data = load_dataset("mnist", root=mnist_root)
    assert data.x.shape == (10000, 1, 28, 28)
    assert data.labels[:5].tolist() == [7, 2, 1, 0, 4]


def test_sampler_epochs_and_state_roundtrip():
    data = load_dataset("digits", limit=100)
    s = BatchSampler(data, 32, seed=0, device=torch.device("cpu"))
    seen = torch.cat([s.perm[i * 32:(i + 1) * 32] for i in range(3)])
    for _ in range(3):
        s.draw()
    assert len(set(seen.tolist())) == 96  # no repeats within an epoch
    tensors, meta = s.state()
    a = [s.draw()["x"] for _ in range(4)]  # crosses into the next epoch
    s2 = BatchSampler(data, 32, seed=99, device=torch.device("cpu"))
    s2.load_state(tensors, meta)
    b = [s2.draw()["x"] for _ in range(4)]
    assert all(torch.equal(u, v) for u, v in zip(a, b))
    x, y = a[0], s.draw()["label"]
    assert x.min() >= -1 and x.max() <= 1 and y.dtype == torch.int64
