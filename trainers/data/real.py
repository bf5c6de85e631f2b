"""Real datasets from disk: MNIST-family IDX files, CIFAR-10 (binary version) and folders of images.

Nothing here unpickles: MNIST and Fashion-MNIST are raw IDX files (optionally .gz), CIFAR-10 is read from
its *binary* distribution. Downloads happen only when asked (``download=True``) and go through
torchvision's downloader.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from ..errors import DataError
from .folder import class_layout, decode_into, decode_one, image_errors, list_files, read_image  # noqa: F401

MNIST_LIKE = {
    "mnist": ("MNIST", tuple(str(d) for d in range(10))),
    "fashion-mnist": ("FashionMNIST", ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                                       "Shirt", "Sneaker", "Bag", "Ankle boot")),
}
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def _read_idx(path: Path) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot read ({exc}); re-download the file") from exc
    if len(raw) < 8 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataError(f"{path}: not an IDX file of unsigned bytes; is this really MNIST?")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    body = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise DataError(f"{path}: truncated ({body.size} of {int(np.prod(dims))} bytes); re-download it")
    return body.reshape(dims)


def _find_raw(root: Path, folder: str) -> Path | None:
    for cand in (root / folder / "raw", root / "raw", root):
        if any(cand.glob("*-images-idx3-ubyte*")):
            return cand
    return None


def load_mnist_like(name: str, root: str | None, download: bool = False) -> tuple[np.ndarray, np.ndarray, tuple]:
    """All splits found under ``root`` (train then test): images (N, 28, 28) uint8, labels (N,)."""
    folder, classes = MNIST_LIKE[name]
    if root is None:
        raise DataError(f"{name}: say where it lives with --data-root DIR (expects DIR/{folder}/raw/*-idx*-ubyte[.gz])")
    base = Path(root).expanduser()
    raw = _find_raw(base, folder)
    if raw is None and download:
        _download(lambda tv: getattr(tv.datasets, folder)(str(base), train=True, download=True), name)
        _download(lambda tv: getattr(tv.datasets, folder)(str(base), train=False, download=True), name)
        raw = _find_raw(base, folder)
    if raw is None:
        raise DataError(
            f"{name} not found under {base}: put train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz "
            f"(and/or the t10k-* test files) in {base / folder / 'raw'}, or add --download when online")
    xs, ys = [], []
    for split in ("train", "t10k"):
        imgs = sorted(raw.glob(f"{split}-images-idx3-ubyte*"))
        labs = sorted(raw.glob(f"{split}-labels-idx1-ubyte*"))
        if not imgs:
            continue
        if not labs:
            raise DataError(f"{imgs[0]} has no matching {split}-labels-idx1-ubyte file next to it")
        x, y = _read_idx(imgs[0]), _read_idx(labs[0])
        if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise DataError(f"{imgs[0]}: {x.shape} images do not match {y.shape} labels")
        xs.append(x)
        ys.append(y.astype(np.int64))
    return np.concatenate(xs), np.concatenate(ys), classes


def load_cifar10(root: str | None, download: bool = False) -> tuple[np.ndarray, np.ndarray, tuple]:
    """CIFAR-10 from its binary version (``cifar-10-batches-bin``): images (N, 3, 32, 32) uint8, labels."""
    if root is None:
        raise DataError("cifar10: say where it lives with --data-root DIR (expects DIR/cifar-10-batches-bin/)")
    base = Path(root).expanduser()
    folder = base / "cifar-10-batches-bin"
    if not folder.is_dir() and download:
        def fetch(tv):
            from torchvision.datasets.utils import download_and_extract_archive
            download_and_extract_archive("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", str(base),
                                         md5="c32a1d4ab5d03f1284b67883e8d87530")
        _download(fetch, "cifar10")
    files = sorted(folder.glob("data_batch_*.bin")) + sorted(folder.glob("test_batch.bin"))
    if not files:
        hint = ""
        if (base / "cifar-10-batches-py").is_dir():
            hint = (" (found cifar-10-batches-py: that version is Python pickles, which GAN Studio never opens "
                    "for safety; get the binary version instead)")
        raise DataError(f"cifar10 not found under {base}{hint}: extract cifar-10-binary.tar.gz there so that "
                        f"{folder}/data_batch_1.bin exists, or add --download when online")
    recs = []
    for f in files:
        buf = np.fromfile(f, dtype=np.uint8)
        if buf.size % 3073:
            raise DataError(f"{f}: size {buf.size} is not a whole number of CIFAR records; re-download it")
        recs.append(buf.reshape(-1, 3073))
    rec = np.concatenate(recs)
    return rec[:, 1:].reshape(-1, 3, 32, 32).copy(), rec[:, 0].astype(np.int64), CIFAR10_CLASSES


def _download(fetch: Callable, name: str) -> None:
    from ..tvshim import import_torchvision

    tv = import_torchvision()
    try:
        fetch(tv)
    except Exception as exc:  # network errors come in many types
        raise DataError(f"{name}: download failed ({type(exc).__name__}: {exc}). Are you online? "
                        "Otherwise copy the files by hand (see the message without --download)") from exc


# A folder whose decoded images would take more than this is decoded once into a memory-mapped file in the
# cache and read from there: batches page in from disk, so RAM need not hold the whole set, and later runs on
# the same files start at once.
STREAM_OVER_BYTES = 1 << 30


def load_folder(path: str, size: int, channels: int, progress: Callable[[int, int], None] | None = None,
                crop: str = "centre") -> tuple[np.ndarray, np.ndarray | None, tuple[str, ...], int]:
    """Every readable image under ``path`` (recursively), made square as ``crop`` says and resized to ``size``.

    Returns (images (N, C, size, size) uint8, labels (N,) or None, class names, number of files skipped as
    unreadable). A folder laid out as ``root/<class>/*.png`` (every file in a first-level sub-folder, at least two
    of them) is labelled by its sub-folder names (``folder.class_layout``). Large folders come back as a read-only
    view of a memory-mapped cache file (an ``np.memmap``) rather than an array in RAM.
    """
    root = Path(path).expanduser()
    if not root.is_dir():
        raise DataError(f"{root}: not a folder. Give a dataset name (see `ganstudio list`) or a folder of images")
    files = list_files(root)
    if not files:
        raise DataError(f"{root}: the folder is empty; put .png/.jpg images in it")
    classes, labels, _ = class_layout(root, files)
    shape = (len(files), channels, size, size)
    if int(np.prod(shape)) > STREAM_OVER_BYTES:
        images, kept = _mapped_folder(root, files, shape, crop, progress)
    else:
        out = np.empty(shape, dtype=np.uint8)
        kept = decode_into(out, files, crop, progress)
        images = out[:int(kept.sum())]
    if len(images) == 0:
        raise DataError(f"{root}: none of its {len(files)} files is a readable image")
    return images, (labels[kept] if labels is not None else None), classes, len(files) - len(images)


def load_folder_pairs(inputs: str, targets: str, size: int, channels: int,
                      progress: Callable[[int, int], None] | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Image pairs from two folders, matched by file name (the path under each folder, without its extension:
    ``a/cat_01.png`` pairs with ``b/cat_01.jpg``), each centre-cropped and resized to ``size``.

    Returns (inputs, targets) as (N, C, size, size) uint8 in the order of the sorted names, and notes on what was
    left out (files with no partner, pairs with an unreadable side)."""
    from concurrent.futures import ThreadPoolExecutor

    def names(folder: str, flag: str) -> dict[str, Path]:
        root = Path(folder).expanduser()
        if not root.is_dir():
            raise DataError(f"{flag} {root}: not a folder of images")
        found = {str(p.relative_to(root).with_suffix("")): p for p in sorted(root.rglob("*"))
                 if p.is_file() and not p.name.startswith(".")}
        if not found:
            raise DataError(f"{flag} {root}: the folder is empty; put .png/.jpg images in it")
        return found

    a, b = names(inputs, "--data"), names(targets, "--data-b")
    common = sorted(set(a) & set(b))
    if not common:
        raise DataError(f"no file name is in both {inputs} and {targets}: Pix2Pix pairs an input with the target "
                        f"of the same name (e.g. {next(iter(a))}.png in both folders)")
    src = np.empty((len(common), channels, size, size), dtype=np.uint8)
    dst = np.empty_like(src)
    keep = np.zeros(len(common), dtype=bool)
    with ThreadPoolExecutor(max_workers=max(1, min(8, os.cpu_count() or 1))) as pool:
        for i, pair in enumerate(pool.map(lambda k: (decode_one(a[k], size, channels),
                                                      decode_one(b[k], size, channels)), common)):
            if pair[0] is not None and pair[1] is not None:
                src[i], dst[i], keep[i] = pair[0], pair[1], True
            if progress is not None and i % 256 == 0:
                progress(i, len(common))
    if progress is not None:
        progress(len(common), len(common))
    if not keep.any():
        raise DataError(f"none of the {len(common)} pairs in {inputs} and {targets} has two readable images")
    notes = []
    lonely = len(a) + len(b) - 2 * len(common)
    if lonely:
        notes.append(f"{lonely} file{'s' if lonely != 1 else ''} without a partner of the same name left out")
    if (~keep).sum():
        notes.append(f"{int((~keep).sum())} pair(s) with an unreadable image left out")
    return src[keep], dst[keep], notes


def _mapped_folder(root: Path, files: list[Path], shape: tuple[int, ...], crop: str, progress
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The folder's images from their cache file, decoding them into it first when it is missing or stale, and
    which files they are (a mask over ``files``).

    The file's name holds a hash of every file's path, size and modification time, so adding, removing or
    changing an image makes a fresh cache (and the stale one of the same folder and size is removed)."""
    import hashlib
    import json
    import shutil

    from ..atomic import atomic_write, atomic_write_text
    from .digits import cache_dir

    listing = hashlib.sha1()
    for f in files:
        st = f.stat()
        listing.update(f"{f.relative_to(root)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    n_files, channels, size, _ = shape
    stem = f"{hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:12]}-{size}px-{channels}ch-{crop}"
    folder = cache_dir() / "folders"
    path = folder / f"{stem}-{listing.hexdigest()[:12]}.npy"
    sidecar = path.with_suffix(".json")
    try:
        info = json.loads(sidecar.read_text())
        images = np.load(path, mmap_mode="c")  # copy-on-write: the file is never changed
        kept = np.ones(n_files, dtype=bool)
        kept[info["skipped"]] = False
        if images.shape == shape and info["count"] == int(kept.sum()):
            return images[:info["count"]], kept
    except (OSError, ValueError, KeyError, TypeError):
        pass  # missing, stale or damaged: decode again
    need = int(np.prod(shape)) + 4096
    try:
        folder.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(folder).free
    except OSError as exc:
        raise DataError(f"{root}: its {n_files} images are too many to hold in memory and the cache folder "
                        f"{folder} is not writable ({exc.strerror or exc}); set GANSTUDIO_CACHE to a writable "
                        "folder") from None
    if free < need:
        raise DataError(f"{root}: decoding its {n_files} images at {size} px needs {need / 2**30:.1f} GiB in "
                        f"{folder}, which has {free / 2**30:.1f} GiB free; free space, set GANSTUDIO_CACHE to "
                        "another disk, or choose a smaller --image-size")
    for old in folder.glob(f"{stem}-*"):
        old.unlink(missing_ok=True)
    kept = np.zeros(n_files, dtype=bool)

    def write(tmp: Path) -> None:
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint8, shape=shape)
        kept[:] = decode_into(out, files, crop, progress)
        out.flush()
        del out

    atomic_write(path, write)
    count = int(kept.sum())
    atomic_write_text(sidecar, json.dumps({"folder": str(root), "count": count, "files": n_files,
                                           "skipped": np.flatnonzero(~kept).tolist()}))
    return np.load(path, mmap_mode="c")[:count], kept


def find_local(name: str, root: str | None) -> bool:
    """Whether ``name`` (mnist, fashion-mnist, cifar10) is on disk under ``root``, without reading it."""
    if not root:
        return False
    base = Path(root).expanduser()
    if name in MNIST_LIKE:
        return base.is_dir() and _find_raw(base, MNIST_LIKE[name][0]) is not None
    if name == "cifar10":
        return (base / "cifar-10-batches-bin" / "data_batch_1.bin").is_file() or \
            (base / "cifar-10-batches-bin" / "test_batch.bin").is_file()
    return False


def as_tensor(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(x))
