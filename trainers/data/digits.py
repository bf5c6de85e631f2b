"""Embedded ``digits``: handwriting-like digits drawn procedurally from stroke skeletons.

Each digit class has one or more skeletons (variants, e.g. a 7 with or without a crossbar): strokes of
control points in a box x∈[-0.7, 0.7], y∈[-1, 1] (y points down). A sample is drawn by

1. jittering every control point (``jitter``: the std of that displacement, in box units),
2. passing Catmull-Rom splines through the points (sharp strokes stay polylines),
3. slanting (``slant``: x += slant·(-y), positive leans right), rotating (``rotation``, radians),
   squeezing (``aspect``: width factor) and scaling (``scale``: 1.0 is a 20-px tall digit as in MNIST),
4. rendering the polyline with an anti-aliased pen of ``width`` pixels that tapers at stroke ends.

Every sample carries its label and those six factor values, so InfoGAN codes can be scored against them.
The whole set is a pure function of (n, seed), rendered in vectorised torch and cached on disk.
"""

from __future__ import annotations

import hashlib
import os
import threading
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from trainers.atomic import atomic_write

VERSION = 4  # bump when drawing changes: invalidates caches
SIZE = 28
FACTOR_NAMES = ("slant", "rotation", "width", "scale", "aspect", "jitter")
FACTOR_RANGES = {
    "slant": (-0.45, 0.45),
    "rotation": (-0.22, 0.22),
    "width": (1.4, 3.4),
    "scale": (0.78, 1.05),
    "aspect": (0.8, 1.2),
    "jitter": (0.0, 0.07),
}

# A stroke is (smooth, points). Smooth strokes get a Catmull-Rom spline, others stay straight segments.
_Stroke = tuple[bool, list[tuple[float, float]]]
SKELETONS: dict[int, list[list[_Stroke]]] = {
    0: [
        [(True, [(0.05, -1.0), (-0.45, -0.7), (-0.6, 0.0), (-0.4, 0.8), (0.05, 1.0), (0.45, 0.7),
                 (0.55, -0.05), (0.4, -0.75), (0.0, -1.0), (-0.2, -0.85)])],
        [(True, [(0.0, -1.0), (-0.35, -0.6), (-0.4, 0.3), (-0.1, 1.0), (0.3, 0.6), (0.4, -0.3),
                 (0.15, -0.95), (-0.05, -0.9)])],
    ],
    1: [
        [(False, [(0.05, -1.0), (-0.05, 1.0)])],
        [(False, [(-0.35, -0.55), (0.1, -1.0), (-0.02, 1.0)])],
        [(False, [(-0.3, -0.6), (0.1, -1.0), (0.0, 1.0)]), (False, [(-0.3, 1.0), (0.3, 1.0)])],
    ],
    2: [
        [(True, [(-0.5, -0.55), (-0.15, -0.95), (0.3, -0.95), (0.5, -0.55), (0.35, -0.05), (-0.1, 0.45),
                 (-0.55, 0.95)]), (False, [(-0.55, 0.95), (0.6, 0.9)])],
        [(True, [(-0.5, -0.6), (-0.1, -1.0), (0.4, -0.8), (0.4, -0.2), (-0.2, 0.5), (-0.5, 0.95),
                 (-0.3, 0.75), (0.1, 0.85), (0.6, 0.95)])],
    ],
    3: [
        [(True, [(-0.5, -0.75), (0.0, -1.0), (0.45, -0.75), (0.35, -0.25), (-0.1, -0.05)]),
         (True, [(-0.1, -0.05), (0.45, 0.2), (0.5, 0.7), (0.05, 1.0), (-0.5, 0.75)])],
        [(False, [(-0.45, -0.95), (0.45, -0.95), (-0.05, -0.15)]),
         (True, [(-0.05, -0.15), (0.45, 0.2), (0.45, 0.75), (0.0, 1.0), (-0.5, 0.8)])],
    ],
    4: [
        [(False, [(0.2, -1.0), (-0.55, 0.35), (0.6, 0.35)]), (False, [(0.25, -0.35), (0.25, 1.0)])],
        [(False, [(-0.45, -1.0), (-0.5, 0.15), (0.55, 0.15)]), (False, [(0.35, -0.95), (0.3, 1.0)])],
    ],
    5: [
        [(False, [(0.45, -1.0), (-0.3, -1.0), (-0.4, -0.15)]),
         (True, [(-0.4, -0.15), (0.1, -0.3), (0.5, 0.1), (0.45, 0.7), (0.0, 1.0), (-0.5, 0.8)])],
        [(False, [(-0.3, -0.98), (-0.4, -0.1)]),
         (True, [(-0.4, -0.1), (0.15, -0.25), (0.5, 0.2), (0.35, 0.8), (-0.15, 1.0), (-0.5, 0.75)]),
         (False, [(-0.3, -0.98), (0.5, -1.0)])],
    ],
    6: [
        [(True, [(0.35, -1.0), (-0.15, -0.6), (-0.5, 0.2), (-0.3, 0.9), (0.2, 0.95), (0.45, 0.5),
                 (0.25, 0.05), (-0.2, 0.1), (-0.45, 0.45)])],
        [(True, [(0.15, -1.0), (-0.35, -0.3), (-0.45, 0.5), (0.0, 1.0), (0.4, 0.6), (0.1, 0.15),
                 (-0.35, 0.35)])],
    ],
    7: [
        [(False, [(-0.55, -0.95), (0.55, -0.95)]), (True, [(0.55, -0.95), (0.2, -0.15), (-0.05, 1.0)])],
        [(False, [(-0.55, -0.75), (-0.5, -0.95), (0.55, -0.95), (0.0, 1.0)]),
         (False, [(-0.2, 0.05), (0.45, 0.05)])],
    ],
    8: [
        [(True, [(0.05, -0.05), (0.45, -0.5), (0.1, -1.0), (-0.4, -0.65), (-0.05, -0.1), (0.45, 0.4),
                 (0.05, 1.0), (-0.45, 0.5), (0.05, -0.05), (0.35, -0.35)])],
        [(True, [(0.35, -0.8), (0.0, -1.0), (-0.35, -0.7), (-0.1, -0.15), (0.4, 0.35), (0.1, 0.95),
                 (-0.35, 0.6), (0.0, 0.0), (0.35, -0.5), (0.35, -0.8)])],
    ],
    9: [
        [(True, [(0.45, -0.55), (0.05, -1.0), (-0.45, -0.6), (-0.3, -0.05), (0.15, -0.1), (0.45, -0.55)]),
         (True, [(0.45, -0.6), (0.4, 0.3), (0.15, 1.0)])],
        [(True, [(0.4, -0.7), (0.0, -1.0), (-0.4, -0.55), (-0.15, -0.1), (0.4, -0.4), (0.4, -0.75)]),
         (False, [(0.4, -0.75), (0.3, 1.0)])],
    ],
}
CLASS_NAMES = tuple(str(d) for d in range(10))


@dataclass(frozen=True)
class DigitsArrays:
    images: np.ndarray  # (N, 28, 28) uint8, ink = 255
    labels: np.ndarray  # (N,) int64
    factors: np.ndarray  # (N, 6) float32, columns FACTOR_NAMES
    variants: np.ndarray  # (N,) int64: which skeleton of its class
    note: str = ""  # what happened to the cache, when the user should hear it ("damaged: redrawn")


_PATCH_Y, _PATCH_X = (t.flatten().float() for t in torch.meshgrid(torch.arange(-3, 5), torch.arange(-3, 5),
                                                                      indexing="ij"))
_MAX_PX_PER_UNIT = 13.0  # box unit in pixels at the largest scale × aspect
_MAX_SEGMENT_PX = 1.6
_MAX_EXTENT_PX = 23.0  # ink extent incl. pen width: keeps a 2-px empty frame


def _spline_matrix(ctrl: list[tuple[float, float]], smooth: bool) -> torch.Tensor:
    """Matrix M (n_pts, n_ctrl): polyline points = M @ control points (linear in the controls).

    Each span is cut into enough pieces that no segment is longer than ~1.6 px at the largest size.
    """
    n_ctrl = len(ctrl)
    rows = []
    for i in range(n_ctrl - 1):
        span = float(np.hypot(ctrl[i + 1][0] - ctrl[i][0], ctrl[i + 1][1] - ctrl[i][1]))
        per_span = max(2, int(np.ceil(span * _MAX_PX_PER_UNIT * (1.25 if smooth else 1.0) / _MAX_SEGMENT_PX)))
        for k in range(per_span):
            t = k / per_span
            row = np.zeros(n_ctrl)
            if not smooth:
                row[i], row[i + 1] = 1 - t, t
            else:  # uniform Catmull-Rom through p1..p2 with clamped neighbours
                i0, i1, i2, i3 = max(i - 1, 0), i, i + 1, min(i + 2, n_ctrl - 1)
                t2, t3 = t * t, t * t * t
                for idx, w in ((i0, -0.5 * t3 + t2 - 0.5 * t), (i1, 1.5 * t3 - 2.5 * t2 + 1),
                               (i2, -1.5 * t3 + 2 * t2 + 0.5 * t), (i3, 0.5 * t3 - 0.5 * t2)):
                    row[idx] += w
            rows.append(row)
    last = np.zeros(n_ctrl)
    last[-1] = 1
    rows.append(last)
    return torch.tensor(np.stack(rows), dtype=torch.float32)


def _render_group(strokes: list[_Stroke], n: int, g: torch.Generator, factors: torch.Tensor) -> torch.Tensor:
    """Render ``n`` samples of one skeleton with the given factors (n, 6). Returns (n, 28, 28) float in [0,1]."""
    slant, rot, width, scale, aspect, jitter = factors.unbind(1)
    pts_list, seg_a, seg_b, seg_taper = [], [], [], []
    offset = 0
    for smooth, ctrl in strokes:
        c = torch.tensor(ctrl, dtype=torch.float32).expand(n, -1, -1)
        c = c + torch.randn(c.shape, generator=g) * jitter[:, None, None]
        m = _spline_matrix(ctrl, smooth)
        p = torch.einsum("pk,nkd->npd", m, c)  # (n, P, 2)
        npts = p.shape[1]
        pts_list.append(p)
        idx = torch.arange(npts - 1) + offset
        seg_a.append(idx)
        seg_b.append(idx + 1)
        s = torch.linspace(0, 1, npts - 1)
        seg_taper.append(0.75 + 0.25 * torch.sin(torch.pi * s).clamp(min=0) ** 0.5)  # thinner at the ends
        offset += npts
    pts = torch.cat(pts_list, 1)
    x, y = pts[..., 0] * aspect[:, None], pts[..., 1]
    x = x - slant[:, None] * y
    cos, sin = torch.cos(rot)[:, None], torch.sin(rot)[:, None]
    x, y = cos * x - sin * y, sin * x + cos * y
    unit = 10.0 * scale[:, None]  # box half-height in pixels
    px = x * unit + SIZE / 2 - 0.5
    py = y * unit + SIZE / 2 - 0.5
    # centre by bounding box, as MNIST does, and shrink the rare digit that would not fit its 22-px box
    cx = (px.amax(1, keepdim=True) + px.amin(1, keepdim=True)) / 2
    cy = (py.amax(1, keepdim=True) + py.amin(1, keepdim=True)) / 2
    extent = torch.maximum(px.amax(1) - px.amin(1), py.amax(1) - py.amin(1)) + width
    fit = (_MAX_EXTENT_PX / extent).clamp(max=1.0)[:, None]
    px = (px - cx) * fit + SIZE / 2 - 0.5
    py = (py - cy) * fit + SIZE / 2 - 0.5
    a_idx, b_idx = torch.cat(seg_a), torch.cat(seg_b)
    ax, ay, bx, by = px[:, a_idx], py[:, a_idx], px[:, b_idx], py[:, b_idx]  # (n, S)
    half = (width[:, None] * torch.cat(seg_taper)[None]) / 2 + 0.5  # pen radius + 0.5 px of anti-aliasing
    # Each segment is short (≤ ~2 px), so it can only ink an 8×8 patch around its midpoint:
    # distances are computed there only, then max-scattered into the image.
    ox, oy = _PATCH_X.view(1, 1, -1), _PATCH_Y.view(1, 1, -1)
    cx = ((ax + bx) / 2).floor()[..., None] + ox  # (n, S, 64) pixel columns
    cy = ((ay + by) / 2).floor()[..., None] + oy
    abx, aby = (bx - ax)[..., None], (by - ay)[..., None]
    inv = 1.0 / (abx * abx + aby * aby).clamp(min=1e-6)
    pax, pay = cx - ax[..., None], cy - ay[..., None]
    t = ((pax * abx + pay * aby) * inv).clamp_(0, 1)
    dx, dy = pax.sub_(t * abx), pay.sub_(t * aby)
    ink = half[..., None] - (dx.mul_(dx).add_(dy * dy)).sqrt_()
    inside = (cx >= 0) & (cx < SIZE) & (cy >= 0) & (cy < SIZE)
    ink = torch.where(inside, ink, torch.zeros(()))
    flat = (cy.clamp(0, SIZE - 1) * SIZE + cx.clamp(0, SIZE - 1)).long().reshape(n, -1)
    out = torch.zeros(n, SIZE * SIZE).scatter_reduce_(1, flat, ink.reshape(n, -1), "amax", include_self=True)
    return out.clamp_(0, 1).reshape(n, SIZE, SIZE)


def generate(n: int, seed: int = 0, chunk: int = 4096,
             progress: Callable[[int, int], None] | None = None) -> DigitsArrays:
    """Draw ``n`` digits deterministically from ``seed`` (no cache); ``progress(done, n)`` after each group."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 10, (n,), generator=g)
    lo = torch.tensor([FACTOR_RANGES[f][0] for f in FACTOR_NAMES])
    hi = torch.tensor([FACTOR_RANGES[f][1] for f in FACTOR_NAMES])
    factors = lo + (hi - lo) * torch.rand((n, len(FACTOR_NAMES)), generator=g)
    variant_u = torch.rand(n, generator=g)
    variants = torch.zeros(n, dtype=torch.long)
    images = torch.zeros(n, SIZE, SIZE)
    done = 0
    for d in range(10):
        for v in range(len(SKELETONS[d])):
            variants[(labels == d) & ((variant_u * len(SKELETONS[d])).long() == v)] = v
    for d in range(10):
        for v, strokes in enumerate(SKELETONS[d]):
            idx = torch.nonzero((labels == d) & (variants == v)).flatten()
            for start in range(0, len(idx), chunk):
                part = idx[start:start + chunk]
                images[part] = _render_group(strokes, len(part), g, factors[part])
                done += len(part)
                if progress is not None:
                    progress(done, n)
    img = (images.pow(0.85) * 255).round().to(torch.uint8)
    return DigitsArrays(img.numpy(), labels.numpy(), factors.numpy().astype(np.float32), variants.numpy())


def cache_dir() -> Path:
    root = os.environ.get("GANSTUDIO_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "ganstudio")
    return Path(root)


def cache_path(n: int = 60000, seed: int = 0) -> Path:
    """Where ``load(n, seed)`` keeps its digits (keyed by the drawing version)."""
    key = hashlib.sha1(f"digits-v{VERSION}-{n}-{seed}".encode()).hexdigest()[:16]
    return cache_dir() / f"digits-{key}.npz"


# One drawer at a time per process: the app draws the digits in the background at launch, and a Quick start
# clicked meanwhile waits for that drawing (hearing its progress) instead of drawing them a second time.
_LOAD_LOCK = threading.Lock()
_DRAWING: dict[tuple[int, int], tuple[int, int]] = {}  # (n, seed) being drawn → (done, n)


def load(n: int = 60000, seed: int = 0, use_cache: bool = True,
         progress: Callable[[int, int], None] | None = None) -> DigitsArrays:
    """Return ``n`` digits for ``seed``, from the on-disk cache when it is there and intact (``progress`` hears
    how the drawing goes when they are not, also while another thread of this process draws them)."""
    if not use_cache:
        return generate(n, seed, progress=progress)
    while not _LOAD_LOCK.acquire(timeout=0.2):
        if progress is not None and (n, seed) in _DRAWING:
            progress(*_DRAWING[(n, seed)])
    try:
        def relay(done: int, total: int) -> None:
            _DRAWING[(n, seed)] = (done, total)
            if progress is not None:
                progress(done, total)

        return _load(n, seed, relay)
    finally:
        _DRAWING.pop((n, seed), None)
        _LOAD_LOCK.release()


def _load(n: int, seed: int, progress: Callable[[int, int], None]) -> DigitsArrays:
    path = cache_path(n, seed)
    note = ""
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = DigitsArrays(z["images"], z["labels"], z["factors"], z["variants"])
            if arrays.images.shape == (n, SIZE, SIZE):
                return arrays
            raise ValueError(f"it holds {arrays.images.shape} images, not ({n}, {SIZE}, {SIZE})")
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:  # truncated, foreign, ...
            note = f"the digits cache {path} was damaged ({type(exc).__name__}: {exc}); it was drawn again"
    arrays = replace(generate(n, seed, progress=progress), note=note)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)

        def write(tmp):  # a file object, so numpy does not append ".npz" to the temporary name
            with open(tmp, "wb") as f:
                np.savez(f, images=arrays.images, labels=arrays.labels, factors=arrays.factors,
                         variants=arrays.variants)

        atomic_write(path, write)
    except OSError:
        pass  # an unwritable cache only costs time
    return arrays
