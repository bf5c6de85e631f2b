"""Stacked digits: three independent digits as the R, G and B channels of one image, so the data has 1,000 equally
likely modes (the three-digit number the channels spell, 000–999).

The standard count of mode collapse (Metz et al. 2017, "Unrolled GANs"; then VEEGAN, PacGAN, R3GAN): a generator's
samples are read channel by channel by a digit classifier (``trainers/metrics/modes.py``) and two numbers are
reported, the modes covered of 1,000 and KL(generated ‖ uniform).

============== ===================================================================================
dataset        channels
============== ===================================================================================
digits-stacked three procedural digits (``digits.py``, seed 0), drawn with replacement, 28 px
mnist-stacked  three MNIST digits from ``--data-root`` (every split found), drawn with replacement
============== ===================================================================================

Sample i takes digits (a_i, b_i, c_i) drawn uniformly and independently from the source set (a seeded generator:
the set is a pure function of its size and seed); its label is 100·class(a_i) + 10·class(b_i) + class(c_i).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..errors import DataError
from . import digits as digits_mod
from . import real
from .base import ArrayData, fit_images

STACKED = {  # stacked set → the set its channels come from (whose classifier reads them)
    "digits-stacked": "digits",
    "mnist-stacked": "mnist",
}
MODES = 1000
CLASS_NAMES = tuple(f"{k:03d}" for k in range(MODES))
DEFAULT_SIZE = 60000
DIGITS_SOURCE = 60000  # the procedural digits the channels are drawn from (the whole ``digits`` set)


@dataclass
class StackedData(ArrayData):
    """A stacked set, which knows where its channels come from: ``channel_data`` (a dataset name) under
    ``channel_root`` (MNIST's --data-root), so its count can read each channel with that set's classifier."""

    channel_data: str = "digits"
    channel_root: str | None = None
    channel_limit: int | None = None  # the source's size when it is not the whole set (tests draw fewer digits)
    channel_size: int = 28  # the side the channel classifier reads (fakes are resized to it)


def is_stacked(data) -> bool:
    """Whether ``data`` (an ``ArrayData``) is a stacked set whose modes can be counted."""
    return isinstance(data, StackedData)


def stack(images: np.ndarray, labels: np.ndarray, n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` stacked images (n, 3, H, W) uint8 and their labels 0–999 from grey ``images`` (N, H, W) and their
    ``labels`` 0–9: three independent uniform draws (with replacement) per image."""
    if images.ndim != 3 or len(images) != len(labels):
        raise ValueError(f"stack wants grey images (N, H, W) with one label each, got {images.shape}, {labels.shape}")
    g = torch.Generator().manual_seed(int(seed) + 4242)
    idx = torch.randint(0, len(images), (n, 3), generator=g)
    src = torch.from_numpy(np.ascontiguousarray(images))
    lab = torch.from_numpy(np.asarray(labels, np.int64))
    x = torch.stack([src[idx[:, c]] for c in range(3)], 1)  # (n, 3, H, W): R, G, B
    y = lab[idx[:, 0]] * 100 + lab[idx[:, 1]] * 10 + lab[idx[:, 2]]
    return x, y


def load(name: str, *, root: str | None, download: bool = False, limit: int | None = None, seed: int = 0,
         progress=None, size: int | None = None, channels: int | None = None) -> StackedData:
    """The stacked set ``name`` (``STACKED``) of ``limit`` images (default 60,000) at ``size`` px (default 28)."""
    if channels not in (None, 0, 3):
        raise DataError(f"{name} is three digits in the three colour channels: it has 3 channels, not {channels}")
    n = limit or DEFAULT_SIZE
    source = STACKED[name]
    if source == "digits":
        d = digits_mod.load(DIGITS_SOURCE, seed=seed, progress=progress)
        images, labels = d.images, d.labels
    else:
        images, labels, _ = real.load_mnist_like(source, root, download)
    x, y = stack(images, labels, n, seed)
    side = images.shape[-1]
    x = fit_images(x, size or side, 3)
    kind = "procedural" if source == "digits" else source.upper()  # not "three digits digits"
    return StackedData(name, x, y, CLASS_NAMES, about=f"{n:,} images: three {kind} digits as R, G and B",
                       channel_data=source, channel_root=root if source != "digits" else None, channel_size=side,
                       channel_limit=DIGITS_SOURCE if source == "digits" and DIGITS_SOURCE != 60000 else None)
