"""Unpaired image domains made from the procedural digits, for CycleGAN (``--data`` A, ``--data-b`` B).

The two domains of a pair come from disjoint halves of the digit set, so no digit appears in both and no pair is
ever shown to a model; but each domain is a known transform of a plain digit, so a translation can still be
scored against the truth on held-out digits (another seed):

================ ============================================== =====================================
domain           images                                          true translation from digits-plain
================ ============================================== =====================================
digits-plain     the first half of the digits, padded to 32 px   itself
digits-bold      the second half, strokes thickened (3×3         dilate
                 dilation)
digits-negative  the second half, ink and paper swapped          255 − x
================ ============================================== =====================================
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from . import digits as digits_mod
from .paired import PAD, dilate

DOMAINS = {
    "digits-plain": "a domain: the first half of the digits as drawn (32 px; CycleGAN's A)",
    "digits-bold": "a domain: the other half of the digits, with thick strokes (32 px)",
    "digits-negative": "a domain: the other half of the digits, dark ink on light paper (32 px)",
}


def transform(domain: str, img: torch.Tensor) -> torch.Tensor:
    """A plain digit (float in [0, 1], N×1×32×32) as it looks in ``domain``: the domain's true translation."""
    if domain == "digits-plain":
        return img
    if domain == "digits-bold":
        return dilate(img)
    if domain == "digits-negative":
        return 1 - img
    raise ValueError(f"unknown domain {domain!r}: one of {', '.join(DOMAINS)}")


def padded(digits: torch.Tensor) -> torch.Tensor:
    """uint8 digits (N, 1, 28, 28) → float (N, 1, 32, 32) in [0, 1]."""
    return F.pad(digits.float() / 255.0, (PAD, PAD, PAD, PAD))


def to_u8(t: torch.Tensor) -> torch.Tensor:
    return (t * 255).round().clamp(0, 255).to(torch.uint8)


def load(domain: str, n: int = 60000, seed: int = 0, progress=None) -> tuple[torch.Tensor, torch.Tensor]:
    """(images uint8 (m, 1, 32, 32), labels) of ``domain``: its half of ``n`` digits of ``seed`` (the first
    half for digits-plain, the second for the others), transformed."""
    d = digits_mod.load(n, seed=seed, progress=progress)
    half = n // 2
    part = slice(0, half) if domain == "digits-plain" else slice(half, n)
    img = padded(torch.from_numpy(d.images[part])[:, None])
    return to_u8(transform(domain, img)), torch.from_numpy(d.labels[part])
