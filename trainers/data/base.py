"""In-memory datasets and a resumable batch sampler.

Every dataset is held as one tensor (uint8 images or float points) so batches are an index into it: no
DataLoader workers, nothing to pickle, and the sampler's state (permutation + position) goes into the
checkpoint, which is what makes a resumed run continue bit for bit.
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


class BatchSampler:
    """Shuffled batches without replacement, epoch after epoch; its state round-trips through a checkpoint.

    The data lives on the training device as uint8 and each batch is one index into it: no DataLoader, no
    per-image decoding on the hot path. The epoch's permutation is drawn on the CPU (so it is the same on
    every machine and in the checkpoint) and moved to the device once per epoch. Under torchrun,
    ``batch_size`` is the global batch: every rank walks the same permutation and takes its own slice.
    """

    def __init__(self, data: ArrayData, batch_size: int, seed: int, device: torch.device, dist=None):
        from ..distributed import shard

        self.data = data
        self.batch_size = batch_size
        self.device = device
        self.part = shard(batch_size, dist)
        self.generator = torch.Generator().manual_seed(seed)
        # a set that fits goes to the device once; a large one read from disk stays there and each batch is
        # gathered on the CPU and copied over (pinned, asynchronous)
        self.resident = device.type == "cpu" or _fits_on(device, data.x.nbytes)
        self.x = data.x.to(device) if self.resident else data.x
        self.labels = data.labels.to(self.x.device) if data.labels is not None else None
        self.epoch = 0
        self.pos = 0
        self.perm = torch.randperm(len(data), generator=self.generator)
        self._perm_dev: torch.Tensor | None = None

    def next(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Next batch: (x in model range on device, labels or None). Drops an incomplete epoch tail."""
        if self.pos + self.batch_size > len(self.perm):
            self.epoch += 1
            self.pos = 0
            self.perm = torch.randperm(len(self.data), generator=self.generator)
            self._perm_dev = None
        if self._perm_dev is None:  # once per epoch; from pinned memory, so the GPU's queue is not waited on
            perm = self.perm.pin_memory() if self.x.is_cuda else self.perm
            self._perm_dev = perm.to(self.x.device, non_blocking=True)
        idx = self._perm_dev[self.pos:self.pos + self.batch_size][self.part]
        self.pos += self.batch_size
        x = self.x[idx]
        y = self.labels[idx] if self.labels is not None else None
        if not self.resident:
            x = x.pin_memory().to(self.device, non_blocking=True)
            y = y.to(self.device, non_blocking=True) if y is not None else None
        return self.data.to_model(x), y

    def state(self) -> tuple[dict[str, torch.Tensor], dict]:
        tensors = {"perm": self.perm.clone(), "generator": self.generator.get_state()}
        return tensors, {"epoch": self.epoch, "pos": self.pos}

    def load_state(self, tensors: dict[str, torch.Tensor], meta: dict) -> None:
        if tensors["perm"].numel() != len(self.data):
            raise ValueError(f"sampler permutation has {tensors['perm'].numel()} entries, dataset {len(self.data)}")
        self.perm = tensors["perm"].clone()
        self._perm_dev = None
        self.generator.set_state(tensors["generator"])
        self.epoch, self.pos = int(meta["epoch"]), int(meta["pos"])


def _fits_on(device: torch.device, nbytes: int) -> bool:
    """Whether a dataset of ``nbytes`` may live on an accelerator: at most a quarter of its free memory."""
    if device.type != "cuda":
        return True
    free, _ = torch.cuda.mem_get_info(device)
    return nbytes <= free // 4


def real_stats(data: ArrayData, n: int = 4096, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel mean and std of up to ``n`` real samples in model range (for the cheap quality proxy)."""
    g = torch.Generator().manual_seed(seed)
    idx = torch.randperm(len(data), generator=g)[:n]
    x = data.to_model(data.x[idx]).reshape(len(idx), -1)
    return x.mean(0).numpy(), x.std(0).numpy()
