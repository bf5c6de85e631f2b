"""Embedded sets besides ``digits``: coloured digits (RGB) and 2D toy distributions."""

from __future__ import annotations

import math

import numpy as np
import torch

from . import digits as digits_mod


def colour_digits(n: int = 30000, seed: int = 0, size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Digits in a random colour over a random two-colour gradient background, (N, 3, size, size) uint8.

    Foreground and background hues are drawn apart so the digit always stays readable.
    """
    base = digits_mod.load(n, seed=seed + 7919)
    g = torch.Generator().manual_seed(seed)
    ink = torch.from_numpy(base.images).float().div(255)[:, None]  # (N,1,28,28)
    pad = (size - 28) // 2
    ink = torch.nn.functional.pad(ink, (pad, size - 28 - pad, pad, size - 28 - pad))
    hue_fg = torch.rand(n, generator=g)
    hue_bg = (hue_fg + 0.25 + 0.5 * torch.rand(n, generator=g)) % 1.0
    fg = _hsv_to_rgb(hue_fg, 0.55 + 0.45 * torch.rand(n, generator=g), 0.8 + 0.2 * torch.rand(n, generator=g))
    bg1 = _hsv_to_rgb(hue_bg, 0.3 + 0.5 * torch.rand(n, generator=g), 0.15 + 0.35 * torch.rand(n, generator=g))
    bg2 = _hsv_to_rgb((hue_bg + 0.1) % 1.0, 0.3 + 0.5 * torch.rand(n, generator=g), 0.1 + 0.3 * torch.rand(n, generator=g))
    angle = 2 * math.pi * torch.rand(n, generator=g)
    coords = torch.linspace(-1, 1, size)
    yy, xx = torch.meshgrid(coords, coords, indexing="ij")
    ramp = (xx[None] * torch.cos(angle)[:, None, None] + yy[None] * torch.sin(angle)[:, None, None]) * 0.5 + 0.5
    bg = bg1[:, :, None, None] * (1 - ramp[:, None]) + bg2[:, :, None, None] * ramp[:, None]
    img = bg * (1 - ink) + fg[:, :, None, None] * ink
    return (img * 255).round().clamp(0, 255).to(torch.uint8).numpy(), base.labels


def _hsv_to_rgb(h: torch.Tensor, s: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    k = torch.stack([(5 + h * 6) % 6, (3 + h * 6) % 6, (1 + h * 6) % 6], 1)
    return v[:, None] - v[:, None] * s[:, None] * torch.clamp(torch.minimum(k, 4 - k), 0, 1)


TOYS = ("ring", "grid", "spiral", "moons")


def toy_points(kind: str, n: int = 50000, seed: int = 0) -> np.ndarray:
    """2D points (N, 2) float32, all within about [-2, 2]².

    ring: 8 Gaussians (σ=0.02·2) on a circle of radius 2·0.8 · grid: 5×5 Gaussians on [-1.6, 1.6]² ·
    spiral: a noisy two-turn Archimedean spiral · moons: two interleaved half circles (scikit-learn's
    make_moons, scaled and centred).
    """
    rng = np.random.default_rng(seed)
    if kind == "ring":
        k = rng.integers(0, 8, n)
        centres = 1.6 * np.stack([np.cos(2 * np.pi * k / 8), np.sin(2 * np.pi * k / 8)], 1)
        pts = centres + 0.04 * rng.standard_normal((n, 2))
    elif kind == "grid":
        k = rng.integers(0, 25, n)
        centres = np.stack([(k % 5) * 0.8 - 1.6, (k // 5) * 0.8 - 1.6], 1)
        pts = centres + 0.04 * rng.standard_normal((n, 2))
    elif kind == "spiral":
        t = np.sqrt(rng.random(n)) * 4 * np.pi
        r = 0.12 * t + 0.05
        pts = np.stack([r * np.cos(t), r * np.sin(t)], 1) + 0.03 * rng.standard_normal((n, 2))
    elif kind == "moons":
        upper = rng.random(n) < 0.5
        t = rng.random(n) * np.pi
        x = np.where(upper, np.cos(t), 1 - np.cos(t))
        y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
        pts = 1.2 * np.stack([x - 0.5, y - 0.25], 1) + 0.04 * rng.standard_normal((n, 2))
    else:
        raise ValueError(kind)
    return pts.astype(np.float32)
