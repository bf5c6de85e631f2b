"""The Resolution tool's thread (ProGAN): one z through every toRGB output of the generator, each at its own side,
and the fade-in of one level at any α, off the GUI thread, latest request only (``latest.py``).

A ProGAN checkpoint's G keeps the level and α it was trained at (``level``/``alpha`` buffers of
``trainers.models.progan.ProGenerator``): ``outputs(z)`` gives toRGB_k(h_k) clipped to [-1, 1] for every level k
grown so far, and ``at(z, k, α, fading=True)`` the blend the network showed during level k's fade-in,

    (1 − α) · upsample(toRGB_{k−1}(h_{k−1})) + α · toRGB_k(h_k)      (nearest ×2, then clipped)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .latest import LatestThread, pixels


@dataclass(frozen=True, eq=False)
class GrowthRequest:
    """z (z_dim,) float32; the fade of ``level`` (≥ 1) at ``alpha``; a negative level or α: the checkpoint's own."""

    checkpoint: str
    stamp: float
    z: np.ndarray
    level: int
    alpha: float


@dataclass(frozen=True, eq=False)
class GrowthResult:
    """``outputs``: H×W×3 uint8 per level grown (level k: side 4·2^k), up to ``trained_level``; ``levels``: how
    many the full-size network has. ``low`` (level − 1 upsampled to the level's side), ``blend`` (at ``alpha``)
    and ``high`` (the level's own output): the fade, each H×W×3 uint8 at the level's side; ``blend_raw`` the
    blend in model range (C, s, s) float32."""

    checkpoint: str
    trained_level: int
    trained_alpha: float
    levels: int
    outputs: list
    level: int
    alpha: float
    low: np.ndarray | None
    blend: np.ndarray | None
    high: np.ndarray | None
    blend_raw: np.ndarray | None


def growth(gen, z: np.ndarray, level: int, alpha: float) -> GrowthResult:
    """Every toRGB output of ``z`` and the fade of ``level`` at ``alpha`` (module docstring); a negative ``level``
    or ``alpha`` stands for the checkpoint's own."""
    import torch
    import torch.nn.functional as F

    from trainers import GanStudioError

    shown = gen.probe("shown")  # ProGAN's: the image a level shows at a fade α
    body = gen.G.body
    if not hasattr(body, "outputs") or not hasattr(body, "at"):
        raise GanStudioError("the Resolution tool needs a ProGAN generator (family progan)")
    x = torch.from_numpy(np.array(z, dtype=np.float32).reshape(1, -1)).to(gen.device)
    trained = int(body.level)
    level = trained if level < 0 else int(level)
    alpha = float(body.alpha) if alpha < 0 else float(alpha)
    fades = 1 <= level < body.levels
    with torch.no_grad():
        every = body.outputs(x, max(trained, level if fades else 0))  # toRGB_k(h_k) clipped, each at its side
        outs = [pixels(o) for o in every[:trained + 1]]
        low = blend = high = raw = None
        if fades:
            mix = shown(body.at(x, level, float(alpha), fading=True)).float().cpu()
            low = pixels(F.interpolate(every[level - 1], scale_factor=2, mode="nearest"))
            high = pixels(every[level])
            blend, raw = pixels(mix), np.ascontiguousarray(mix[0].numpy())
    return GrowthResult(str(gen.path), trained, float(body.alpha), int(body.levels), outs, int(level), float(alpha),
                        low, blend, high, raw)


class GrowthThread(LatestThread):
    """Draws the latest ``GrowthRequest``."""

    def compute(self, req: GrowthRequest) -> GrowthResult:
        return growth(self.generator(req.checkpoint, req.stamp), req.z, req.level, req.alpha)
