"""Ink colour spread: does each coloured digit keep one ink colour? (``digits-rgb``.)

Every ``digits-rgb`` image draws its digit in one colour (value ≥ 0.8) over a darker two-colour ground (value
≤ 0.5), so on real images the ink pixels, those whose brightest channel is above ``INK`` in [0, 1], all share one
chromaticity (r, g, b) / (r + g + b). A generator that carries the colour badly draws "rainbow" strokes: the
hue wanders along the stroke. The score is the standard deviation of the chromaticity over an image's ink
pixels, averaged over the three channels and over the images that have at least ``MIN_PIXELS`` ink pixels
(real: about 0.006, the anti-aliased edges; a stroke that runs from red to blue: about 0.2). ``drawn`` is the
share of images that have that much ink at all (real: all of them at 32 px).
"""

from __future__ import annotations

import torch

DATASETS = ("digits-rgb",)  # the sets drawn as one ink colour over a darker ground
INK = 0.75  # an ink pixel: brightest channel above this, in [0, 1]
MIN_PIXELS = 3


def ink_spread(images: torch.Tensor) -> dict[str, float]:
    """Images (N, 3, H, W) in [-1, 1] → {"spread": mean chromaticity std over ink pixels, "drawn": share of
    images with ink}."""
    x = (images.float().clamp(-1, 1) + 1) / 2
    ink = (x.amax(1) > INK).float()[:, None]  # (N, 1, H, W)
    chroma = x / x.sum(1, keepdim=True).clamp_min(1e-3)
    count = ink.sum((2, 3))  # (N, 1)
    mean = (chroma * ink).sum((2, 3)) / count.clamp_min(1)
    var = ((chroma - mean[..., None, None]) ** 2 * ink).sum((2, 3)) / (count - 1).clamp_min(1)
    std = var.sqrt().mean(1)  # (N,)
    drawn = count[:, 0] >= MIN_PIXELS
    spread = float(std[drawn].mean()) if drawn.any() else float("nan")
    return {"spread": spread, "drawn": float(drawn.float().mean())}


def ink_scores(fakes: torch.Tensor, real: torch.Tensor) -> dict:
    """The fakes' ink spread against real images' (the floor), as ``ganstudio eval`` stores it."""
    model, floor = ink_spread(fakes), ink_spread(real)
    return {"value": round(model["spread"], 5), "floor": round(floor["spread"], 5),
            "drawn": round(model["drawn"], 4), "floor_drawn": round(floor["drawn"], 4), "images": len(fakes)}
