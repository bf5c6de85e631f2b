"""Paired image-to-image sets made from the procedural digits (nothing downloaded): each input comes with the
one true output, so a translation model can be scored against it.

Every pair is a digit padded from 28 to 32 px (the U-Net halves the side five times) and a deterministic
transform of it; which image is the input is the task's business:

============= ===================================== ==========================================================
task          input (``x``)                          target (``target``)
============= ===================================== ==========================================================
digits-edges  the outline: 3×3 dilation − digit     the digit
digits-thick  the digit                              the same digit, strokes thickened by a 3×3 dilation
digits-hole   the digit with an 8×8 hole on its ink  the whole digit
============= ===================================== ==========================================================

``x`` is what the generator is given and ``target`` what it must draw; the digit's class rides along as the
label (the translation must keep it: label preservation).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from . import digits as digits_mod

SIZE = 32
PAD = (SIZE - digits_mod.SIZE) // 2
HOLE = 8  # side of the square digits-hole cuts out

TASKS = {
    "digits-edges": "paired: a digit's outline → the digit (32 px)",
    "digits-thick": "paired: a digit → the same digit with thicker strokes (32 px)",
    "digits-hole": "paired: a digit with a square hole in its ink → the whole digit (32 px)",
}


def dilate(img: torch.Tensor) -> torch.Tensor:
    """3×3 grey-level dilation (the max over each pixel's neighbourhood) of float images (N, 1, H, W)."""
    return F.max_pool2d(img, 3, 1, 1)


def make_pairs(task: str, digits: torch.Tensor, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """(input, target) uint8 (N, 1, 32, 32) for ``task`` from uint8 digits (N, 1, 28, 28)."""
    img = F.pad(digits.float() / 255.0, (PAD, PAD, PAD, PAD))
    if task == "digits-edges":
        src, dst = (dilate(img) - img).clamp(0, 1), img
    elif task == "digits-thick":
        src, dst = img, dilate(img)
    elif task == "digits-hole":
        src, dst = cut_holes(img, seed), img
    else:
        raise ValueError(f"unknown paired task {task!r}: one of {', '.join(TASKS)}")
    as_u8 = lambda t: (t * 255).round().clamp(0, 255).to(torch.uint8)  # noqa: E731
    return as_u8(src), as_u8(dst)


def cut_holes(img: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """``img`` with a HOLE × HOLE square set to 0 around one of its ink pixels, drawn with probability ∝ ink."""
    n, _, h, w = img.shape
    g = torch.Generator().manual_seed(seed)
    ink = img.reshape(n, -1) + 1e-6  # an empty image still gets a hole somewhere
    centre = torch.multinomial(ink, 1, generator=g).squeeze(1)
    cy, cx = centre // w, centre % w
    ys, xs = torch.arange(h).view(1, h, 1), torch.arange(w).view(1, 1, w)
    top, left = (cy - HOLE // 2).view(n, 1, 1), (cx - HOLE // 2).view(n, 1, 1)
    hole = (ys >= top) & (ys < top + HOLE) & (xs >= left) & (xs < left + HOLE)
    return img * (~hole).unsqueeze(1)


def load(task: str, n: int = 60000, seed: int = 0, progress=None):
    """(input, target, labels) for ``n`` digits of ``seed`` (the digits' own cache makes this quick)."""
    d = digits_mod.load(n, seed=seed, progress=progress)
    src, dst = make_pairs(task, torch.from_numpy(d.images)[:, None], seed)
    return src, dst, torch.from_numpy(d.labels)
