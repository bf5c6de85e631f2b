"""The explorer's current sample for a generator that draws a *pair* per z (CoGAN), made in the render thread.

CoGAN's two generators share every layer but the last, so one input vector gives an image in each domain
(``G.body.pair(h)``); ``G(...)`` alone, what every other render path calls, draws domain A only. The render thread
hands outputs of kind ``"pair"`` here and gets back one picture, A and B side by side with a strip of grid grey
between them, so the explorer's large sample, "Save sample" and "Copy" all show (and keep) both domains. The input
is the explorer's flat input vector, exactly what the z tools edit."""

from __future__ import annotations

import numpy as np

KIND = "pair"
GAP = 2  # px of grid grey between A and B
GAP_VALUE = 38  # trainers.images.to_uint8_grid's pad value (0.15), the grey between a grid's pictures


def draws_pairs(gen) -> bool:
    """Whether the generator's body draws a pair of images per input (CoGAN's ``CoupledGenerator``)."""
    return callable(getattr(getattr(gen.G, "body", None), "pair", None))


def fits(gen, dim: int) -> bool:
    """Whether a flat input of ``dim`` values is one this pair generator takes (an output built for the previous
    model is skipped; the view rebuilds when the new one is announced)."""
    return draws_pairs(gen) and dim == gen.layout.in_dim


def join(a: np.ndarray, b: np.ndarray, gap: int = GAP) -> np.ndarray:
    """Two H×W×3 uint8 pictures as one: A | grey | B."""
    strip = np.full((a.shape[0], gap, 3), GAP_VALUE, np.uint8)
    return np.ascontiguousarray(np.concatenate([a, strip, b], axis=1))


def pair_image(gen, inputs: np.ndarray) -> np.ndarray:
    """[A | B] of ``G.body.pair`` for the first input vector, H×(2W + GAP)×3 uint8."""
    import torch

    from trainers.images import to_uint8_grid

    h = torch.from_numpy(np.array(inputs[:1], dtype=np.float32)).to(gen.device)
    with torch.no_grad():
        a, b = gen.G.body.pair(h)
    return join(to_uint8_grid(a.float().cpu(), 1, padding=0), to_uint8_grid(b.float().cpu(), 1, padding=0))
