"""Datasets by name: embedded (no download), real from a local root, or a folder of images."""

from __future__ import annotations

import os
from typing import Callable

import numpy as np
import torch

from ..catalog import DATASETS, DatasetInfo, default_data_root
from ..errors import DataError
from . import digits as digits_mod
from . import domains, folder, paired, real, stacked, synthetic
from .base import ArrayData, fit_images, real_stats
from .samplers import BatchSampler

__all__ = ["ArrayData", "BatchSampler", "DATASETS", "DatasetInfo", "load_dataset", "native_shape", "real_stats"]




def native_shape(name: str) -> DatasetInfo:
    """Info for a dataset name, or for a folder of images as its survey finds it (``folder.survey``: grey or
    colour, the most common size, classes from sub-folders)."""
    if name in DATASETS:
        return DATASETS[name]
    if os.path.isdir(os.path.expanduser(name)):
        found = folder.survey(name)
        return DatasetInfo(name, "image", found.channels, found.side, len(found.classes), False, found.line())
    raise DataError(f"unknown dataset {name!r}: use one of {', '.join(DATASETS)} or an existing folder of images")


def load_dataset(name: str, *, root: str | None = None, image_size: int | None = None, channels: int | None = None,
                 download: bool = False, limit: int | None = None, seed: int = 0,
                 progress: Callable[[int, int], None] | None = None, targets: str | None = None,
                 crop: str = "centre") -> ArrayData:
    """Load ``name`` into memory, resized to ``image_size`` with ``channels`` (defaults: the data's own).

    ``targets``: a folder of target images when ``name`` is a folder of inputs (Pix2Pix on the user's own pairs,
    matched by file name); they come back as ``extras["target"]``. ``crop``: how a folder's images that are not
    square become square (``folder.CROPS``)."""
    info = native_shape(name)
    size = image_size or info.size
    ch = channels or info.channels or 0
    notes: list[str] = []
    about = ""
    factors = None
    factor_names: tuple[str, ...] = ()
    labels = None
    classes: tuple[str, ...] = ()
    extras: dict[str, torch.Tensor] = {}  # paired sets: the target of each input
    if info.kind == "points":
        pts = synthetic.toy_points(name, n=limit or 50000, seed=seed)
        return ArrayData(name, torch.from_numpy(pts))
    if name in stacked.STACKED:  # three digits as R, G, B: 1,000 modes to count (``stacked.py``)
        return stacked.load(name, root=root or default_data_root(), download=download, limit=limit, seed=seed,
                            progress=progress, size=image_size, channels=channels)
    if name == "digits":
        d = digits_mod.load(limit or 60000, seed=seed, progress=progress)
        notes.extend([d.note] if d.note else [])
        x = torch.from_numpy(d.images)[:, None]
        labels, classes = torch.from_numpy(d.labels), digits_mod.CLASS_NAMES
        factors, factor_names = torch.from_numpy(d.factors), digits_mod.FACTOR_NAMES
    elif name in paired.TASKS:
        src, dst, labels = paired.load(name, limit or 60000, seed=seed, progress=progress)
        x, classes, extras = src, digits_mod.CLASS_NAMES, {"target": dst}
    elif name in domains.DOMAINS:
        x, labels = domains.load(name, limit or 60000, seed=seed, progress=progress)
        classes = digits_mod.CLASS_NAMES
    elif name == "digits-rgb":
        imgs, labs = synthetic.colour_digits(limit or 30000, seed=seed)
        x, labels, classes = torch.from_numpy(imgs), torch.from_numpy(labs), digits_mod.CLASS_NAMES
    elif name in real.MNIST_LIKE:
        imgs, labs, classes = real.load_mnist_like(name, root or default_data_root(), download)
        x, labels = torch.from_numpy(imgs)[:, None], torch.from_numpy(labs)
    elif name == "cifar10":
        imgs, labs, classes = real.load_cifar10(root or default_data_root(), download)
        x, labels = torch.from_numpy(imgs), torch.from_numpy(labs)
    elif targets is not None:
        src, dst, pair_notes = real.load_folder_pairs(name, targets, size, ch or 3, progress)
        x, extras = torch.from_numpy(src), {"target": torch.from_numpy(dst)}
        notes.extend(pair_notes)
    else:
        imgs, labs, classes, skipped = real.load_folder(name, size, ch or 3, progress, crop)
        x = torch.from_numpy(imgs)
        labels = torch.from_numpy(labs) if labs is not None else None
        if isinstance(imgs, np.memmap):
            notes.append(f"{len(imgs)} images at {size} px are read from the cache file {imgs.filename} "
                         f"({imgs.nbytes / 2**30:.1f} GiB) rather than held in memory")
        found = folder.survey(name)
        about = found.fit_line(x.shape[1], size, crop)
        if skipped > found.unreadable:  # files whose header read but whose pixels did not
            notes.append(f"skipped {skipped} unreadable or non-image file{'s' if skipped != 1 else ''} in {name}")
    if limit is not None and len(x) > limit:
        x = x[:limit]
        labels = labels[:limit] if labels is not None else None
        factors = factors[:limit] if factors is not None else None
        extras = {k: v[:limit] for k, v in extras.items()}
    x = fit_images(x, size, ch or x.shape[1])
    extras = {k: fit_images(v, size, ch or v.shape[1]) for k, v in extras.items()}
    return ArrayData(os.path.basename(os.path.normpath(name)) if name not in DATASETS else name, x, labels,
                     tuple(classes), factors, tuple(factor_names), notes, extras, about)
