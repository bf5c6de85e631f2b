"""In-memory datasets (the samplers that batch them are in ``samplers.py``).

Every dataset is held as one tensor (uint8 images or float points) so batches are an index into it: no
DataLoader workers, nothing to pickle.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F


@dataclass
class ArrayData:
    """A dataset in memory.

    ``x``: uint8 images (N, C, H, W) with 0..255, or float32 points (N, D).
    ``labels``: int64 (N,) or None. ``factors``: float32 (N, F) ground-truth factors or None.
    """

    name: str
    x: torch.Tensor
    labels: torch.Tensor | None = None
    class_names: tuple[str, ...] = ()
    factors: torch.Tensor | None = None
    factor_names: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)  # e.g. "skipped 3 unreadable files"
    # per-sample tensors aligned with x, served with each batch under their names (e.g. "target" for pairs)
    extras: dict[str, torch.Tensor] = field(default_factory=dict)
    about: str = ""  # what a folder was read as: "10,000 images · grey · 28 × 28 → 1 channel, 28 px"

    @property
    def is_image(self) -> bool:
        return self.x.dim() == 4

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return tuple(self.x.shape[1:])

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def __len__(self) -> int:
        return self.x.shape[0]

    @functools.cached_property
    def _fingerprint(self) -> str:
        h = hashlib.sha256()
        h.update(self.name.encode())
        h.update(str(tuple(self.x.shape)).encode())
        h.update(self.x.contiguous().view(-1)[: 1 << 22].numpy().tobytes())  # not the whole set: it may be on disk
        if self.labels is not None:
            h.update(self.labels.numpy().tobytes())
        return h.hexdigest()[:16]

    def fingerprint(self) -> str:
        """A short content hash: which exact data a run saw (and the cache key for classifiers later)."""
        return self._fingerprint

    def to_model(self, x: torch.Tensor) -> torch.Tensor:
        """Batch as the networks see it: images in [-1, 1], points unchanged."""
        if x.dtype == torch.uint8:
            return x.float().div_(127.5).sub_(1.0)
        return x.float()

    def describe(self) -> dict:
        return {
            "name": self.name,
            "size": len(self),
            "shape": list(self.sample_shape),
            "class_names": list(self.class_names),
            "factor_names": list(self.factor_names),
            "fingerprint": self.fingerprint(),
        }


def fit_images(x: torch.Tensor, size: int, channels: int) -> torch.Tensor:
    """Resize uint8 images (N, C, H, W) to ``size`` (area/bilinear, antialiased) and convert channels."""
    n, c, h, w = x.shape
    if c != channels:
        if channels == 1:  # ITU-R 601 luma
            wts = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
            x = (x.float() * wts).sum(1, keepdim=True).round().clamp(0, 255).to(torch.uint8)
        else:
            x = x.expand(n, channels, h, w).contiguous()
    if (h, w) != (size, size):
        out = torch.empty(n, channels, size, size, dtype=torch.uint8)
        for s in range(0, n, 4096):
            part = x[s:s + 4096].float()
            side = min(part.shape[2], part.shape[3])  # centre crop to square first
            top, left = (part.shape[2] - side) // 2, (part.shape[3] - side) // 2
            part = part[:, :, top:top + side, left:left + side]
            part = F.interpolate(part, size=(size, size), mode="bilinear", antialias=side > size, align_corners=False)
            out[s:s + 4096] = part.round().clamp(0, 255).to(torch.uint8)
        x = out
    return x


def real_stats(data: ArrayData, n: int = 4096, seed: int = 0, key: str = "x") -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel mean and std of up to ``n`` real samples in model range (for the cheap quality proxy); ``key``
    names an aligned extra (a paired set's ``target``) to take them from instead of ``x``."""
    g = torch.Generator().manual_seed(seed)
    idx = torch.randperm(len(data), generator=g)[:n]
    x = data.to_model((data.x if key == "x" else data.extras[key])[idx]).reshape(len(idx), -1)
    return x.mean(0).numpy(), x.std(0).numpy()
