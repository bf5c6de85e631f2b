"""Samplers: what feeds a training step, as a dict of tensors. Their state round-trips through a checkpoint
(permutation, position, generator), which is what makes a resumed run continue bit for bit.

``draw(k)`` returns k consecutive batches concatenated, so an algorithm that takes several real batches per
step (WGAN's critic) gets them in one dict and splits them with ``chunk(k)``. The kinds a family can ask for
(``Family.batches``), and what each batch holds:

=========== ============================================================================================
images      ``x``: samples in model range (images in [-1, 1], points as they are)
labelled    ``x``, ``label`` (int64 class indices)
pairs       ``x`` and the dataset's aligned extras (e.g. ``target``: the paired image)
unpaired    ``A``, ``B``: one batch from each of two datasets (``--data`` and ``--data-b``), drawn
            independently, so no pair is ever shown
lowhigh     ``x`` (high resolution) and ``low``: the same images box-downsampled by ``cfg.scale`` (2 if unset)
=========== ============================================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Callable

import torch
import torch.nn.functional as F

from .base import ArrayData

Batch = dict[str, torch.Tensor]


class BatchSampler:
    """Shuffled batches without replacement, epoch after epoch.

    The data lives on the training device as uint8 and each batch is one index into it: no DataLoader, no
    per-image decoding on the hot path. The epoch's permutation is drawn on the CPU (so it is the same on
    every machine and in the checkpoint) and moved to the device once per epoch. Under torchrun,
    ``batch_size`` is the global batch: every rank walks the same permutation and takes its own slice.
    ``labels``: serve ``label`` with each batch; ``extras``: serve the dataset's aligned extras too.
    """

    def __init__(self, data: ArrayData, batch_size: int, seed: int, device: torch.device, dist=None,
                 labels: bool = True, extras: bool = True):
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
        self.labels = data.labels.to(self.x.device) if data.labels is not None and labels else None
        self.extras = {k: v.to(self.x.device) for k, v in data.extras.items()} if extras else {}
        self.epoch = 0
        self.pos = 0
        self.perm = torch.randperm(len(data), generator=self.generator)
        self._perm_dev: torch.Tensor | None = None

    def _indices(self) -> torch.Tensor:
        """This rank's indices of the next batch. Drops an incomplete epoch tail."""
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
        return idx

    def draw(self, k: int = 1) -> Batch:
        """The next ``k`` batches, concatenated: ``x`` in model range on the device, ``label``, extras."""
        parts = [self._indices() for _ in range(k)]
        idx = parts[0] if k == 1 else torch.cat(parts)
        out = {"x": self.x[idx]}
        if self.labels is not None:
            out["label"] = self.labels[idx]
        for name, v in self.extras.items():
            out[name] = v[idx]
        if not self.resident:
            out = {n: v.pin_memory().to(self.device, non_blocking=True) for n, v in out.items()}
        for name, v in out.items():
            if v.dtype == torch.uint8:
                out[name] = self.data.to_model(v)
        return out

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


class UnpairedSampler:
    """One batch from each of several datasets per draw, under the domain's name (``A``, ``B``), each with
    its own shuffle; labels, when served, as ``A/label``."""

    def __init__(self, domains: dict[str, BatchSampler]):
        self.domains = domains

    def draw(self, k: int = 1) -> Batch:
        out: Batch = {}
        for name, sampler in self.domains.items():
            for key, v in sampler.draw(k).items():
                out[name if key == "x" else f"{name}/{key}"] = v
        return out

    def state(self) -> tuple[dict[str, torch.Tensor], dict]:
        tensors, meta = {}, {}
        for name, sampler in self.domains.items():
            t, m = sampler.state()
            tensors.update({f"{name}/{k}": v for k, v in t.items()})
            meta[name] = m
        return tensors, meta

    def load_state(self, tensors: dict[str, torch.Tensor], meta: dict) -> None:
        for name, sampler in self.domains.items():
            sampler.load_state({k[len(name) + 1:]: v for k, v in tensors.items() if k.startswith(name + "/")},
                               meta[name])


class LowHighSampler:
    """Batches of ``x`` with ``low``: the same images box-downsampled ``factor`` times (super-resolution)."""

    def __init__(self, inner: BatchSampler, factor: int = 2):
        self.inner, self.factor = inner, factor

    def draw(self, k: int = 1) -> Batch:
        batch = self.inner.draw(k)
        batch["low"] = F.avg_pool2d(batch["x"], self.factor)
        return batch

    def state(self):
        return self.inner.state()

    def load_state(self, tensors, meta) -> None:
        self.inner.load_state(tensors, meta)


class LazyBatch(Mapping):
    """A batch drawn only when first read: a manual update that needs no real data (Step G) leaves the
    sampler, and so the run's trajectory, as it was."""

    def __init__(self, sampler, k: int = 1):
        self._sampler, self._k, self._batch = sampler, k, None

    def _get(self) -> Batch:
        if self._batch is None:
            self._batch = self._sampler.draw(self._k)
        return self._batch

    def __getitem__(self, key: str) -> torch.Tensor:
        return self._get()[key]

    def __iter__(self):
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def _images(cfg, data, load, device, dist):
    return BatchSampler(data, cfg.batch_size, cfg.seed, device, dist, labels=False)


def _labelled(cfg, data, load, device, dist):
    return BatchSampler(data, cfg.batch_size, cfg.seed, device, dist)


def _unpaired(cfg, data, load, device, dist):
    other = load(cfg.data_b)
    return UnpairedSampler({"A": BatchSampler(data, cfg.batch_size, cfg.seed, device, dist, labels=False),
                            "B": BatchSampler(other, cfg.batch_size, cfg.seed + 1, device, dist, labels=False)})


def _lowhigh(cfg, data, load, device, dist):
    return LowHighSampler(BatchSampler(data, cfg.batch_size, cfg.seed, device, dist, labels=False),
                          getattr(cfg, "scale", None) or 2)


# kind → builder(cfg, data, load, device, dist); ``load(name)`` loads a second dataset like the first
SAMPLERS: dict[str, Callable] = {"images": _images, "labelled": _labelled, "pairs": _labelled,
                                 "unpaired": _unpaired, "lowhigh": _lowhigh}


def build_sampler(family, cfg, data: ArrayData, load: Callable[[str], ArrayData], device: torch.device,
                  dist=None):
    """The sampler a family's steps are fed from: its own ``sampler`` hook, or the one its ``batches`` names."""
    if family.sampler is not None:
        return family.sampler(cfg, data, load, device, dist)
    return SAMPLERS[family.batches](cfg, data, load, device, dist)


def reference_batch(family, cfg, data: ArrayData, load: Callable[[str], ArrayData], device: torch.device,
                    seed: int, n: int = 64) -> Batch:
    """A fixed batch of up to ``n`` inputs, independent of the training sampler's state (sample grids of the
    families that translate inputs rather than draw noise)."""
    import dataclasses

    small = dataclasses.replace(cfg, batch_size=min(n, len(data)), seed=seed)
    return build_sampler(family, small, data, load, device).draw()


def _fits_on(device: torch.device, nbytes: int) -> bool:
    """Whether a dataset of ``nbytes`` may live on an accelerator: at most a quarter of its free memory."""
    if device.type != "cuda":
        return True
    free, _ = torch.cuda.mem_get_info(device)
    return nbytes <= free // 4
