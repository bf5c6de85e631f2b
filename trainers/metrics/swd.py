"""Sliced Wasserstein distance per Laplacian-pyramid level: the metric of the ProGAN paper (Karras et al. 2017,
section 5), in numpy.

Each image set is decomposed into a Laplacian pyramid (5×5 binomial filter [1, 4, 6, 4, 1]/16; the coarsest level
is the Gaussian one). From every level, ``patches_per_image`` random 7×7 neighbourhoods of every image are
descriptors; each channel of the descriptors is normalised by its mean and standard deviation over the set. The
distance between the descriptor sets A and B of a level is the sliced Wasserstein distance: project both on
``directions`` random unit vectors (in ``repeats`` rounds), sort each projection, and average |a − b| of the sorted
values. Fine levels see local texture (strokes), coarse ones the layout (the digit's shape). Reported ×10³, as in
the paper, next to the same distance between two halves of the real data (the floor).
"""

from __future__ import annotations

import numpy as np

KERNEL = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
NHOOD = 7


def _blur(x: np.ndarray) -> np.ndarray:
    """Separable 5×5 binomial filter of (N, C, H, W), reflect-padded."""
    p = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)), mode="reflect")
    h = sum(KERNEL[i] * p[:, :, i:i + x.shape[2], :] for i in range(5))
    return sum(KERNEL[i] * h[:, :, :, i:i + x.shape[3]] for i in range(5))


def pyr_down(x: np.ndarray) -> np.ndarray:
    return _blur(x)[:, :, ::2, ::2]


def pyr_up(x: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    up = np.zeros(x.shape[:2] + shape, dtype=x.dtype)
    up[:, :, ::2, ::2] = x
    return _blur(up) * 4.0


def laplacian_pyramid(x: np.ndarray, levels: int) -> list[np.ndarray]:
    """[finest band-pass, …, coarsest Gaussian]: ``levels`` images of halving side; they sum back to x."""
    out = []
    cur = x
    for _ in range(levels - 1):
        small = pyr_down(cur)
        out.append(cur - pyr_up(small, cur.shape[2:]))
        cur = small
    out.append(cur)
    return out


def descriptors(level: np.ndarray, per_image: int, rng: np.random.Generator) -> np.ndarray:
    """``per_image`` random 7×7 neighbourhoods of each image of a level, flattened: (N·per_image, C·49)."""
    n, c, h, w = level.shape
    ys = rng.integers(0, h - NHOOD + 1, size=(n, per_image))
    xs = rng.integers(0, w - NHOOD + 1, size=(n, per_image))
    dy, dx = np.meshgrid(np.arange(NHOOD), np.arange(NHOOD), indexing="ij")
    rows = ys[:, :, None, None] + dy  # (n, k, 7, 7)
    cols = xs[:, :, None, None] + dx
    idx = np.arange(n)[:, None, None, None]
    patches = level.transpose(0, 2, 3, 1)[idx, rows, cols]  # (n, k, 7, 7, c)
    return patches.transpose(0, 1, 4, 2, 3).reshape(n * per_image, c * NHOOD * NHOOD)


def normalise(desc: np.ndarray, channels: int) -> np.ndarray:
    """Each channel's values over all descriptors to mean 0, standard deviation 1."""
    d = desc.reshape(len(desc), channels, -1)
    d = (d - d.mean(axis=(0, 2), keepdims=True)) / (d.std(axis=(0, 2), keepdims=True) + 1e-8)
    return d.reshape(len(desc), -1)


def sliced_wasserstein(a: np.ndarray, b: np.ndarray, directions: int = 128, repeats: int = 4,
                       rng: np.random.Generator | None = None) -> float:
    """Mean |sorted(a·d) − sorted(b·d)| over random unit directions d (a, b: equal-sized descriptor sets)."""
    rng = rng or np.random.default_rng(0)
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    total = 0.0
    for _ in range(repeats):
        d = rng.standard_normal((a.shape[1], directions))
        d /= np.linalg.norm(d, axis=0, keepdims=True)
        pa, pb = np.sort(a @ d, axis=0), np.sort(b @ d, axis=0)
        total += float(np.abs(pa - pb).mean())
    return total / repeats


def pyramid_levels(side: int, smallest: int = 8) -> int:
    """How many levels from ``side`` down to no less than ``smallest`` px (and ≥ 7 px for a neighbourhood)."""
    levels, s = 1, side
    while s // 2 >= max(smallest, NHOOD):
        s //= 2
        levels += 1
    return levels


def swd(a: np.ndarray, b: np.ndarray, per_image: int = 64, seed: int = 0, smallest: int = 8) -> dict:
    """SWD ×10³ between image sets ``a`` and ``b`` (N, C, H, W) in [-1, 1], per pyramid level and averaged:
    {"levels": [side, ...], "per_level": [...], "mean": ...}."""
    rng = np.random.default_rng(seed)
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    levels = pyramid_levels(a.shape[-1], smallest)
    pa, pb = laplacian_pyramid(a, levels), laplacian_pyramid(b, levels)
    c = a.shape[1]
    per_level = []
    for la, lb in zip(pa, pb):
        da = normalise(descriptors(la, per_image, rng), c)
        db = normalise(descriptors(lb, per_image, rng), c)
        per_level.append(1e3 * sliced_wasserstein(da, db, rng=rng))
    sides = [a.shape[-1] // 2 ** k for k in range(levels)]
    return {"levels": sides, "per_level": [round(v, 3) for v in per_level],
            "mean": round(float(np.mean(per_level)), 3)}
