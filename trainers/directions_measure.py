"""How well a direction does what its name says (issue 41's checks), measured on the images themselves.

For a direction named after factor f, from each of n starting latents (seed 1, not the fit's seed 0) step by
a = −2, −1, 0, +1, +2 σ (at the direction's W+ layers only, where it has some) and render:

- **ρ**: the Spearman rank correlation between the step a and f *measured from the ink*, independently of the
  project's classifier (``ink_measures``: stroke width as 2 × ink area / ink perimeter, slant and rotation from the
  ink's second moments, size as the ink's vertical spread, aspect as its deskewed horizontal over vertical
  spread), averaged over the starts. Each ink measure's sign is set, and its agreement with the true factor
  reported, on real images of the data whose factors are known (``calibrate``).
- **kept**: the share of starts whose digit the project's classifier reads as the same class at −2σ and +2σ (also
  among the starts it reads with confidence ≥ 0.9: a blurred digit between two classes tips either way).
- **leakage**: how far the other factors move from −2σ to +2σ relative to f, each in units of its spread over the
  data (the classifier's reading, which tells slant from rotation where the ink's moments cannot):
  max_{g≠f} mean|Δg|/σ_g ÷ mean|Δf|/σ_f.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from scipy.stats import rankdata

STEPS = (-2.0, -1.0, 0.0, 1.0, 2.0)
READABLE = 0.9  # a start whose class the classifier gives at least this probability: a clear digit
MEASURED_AS = {"width": "2·area/perimeter", "slant": "shear −μ11/μ02", "rotation": "principal axis angle",
               "scale": "ink height (2–98%)", "aspect": "deskewed ink width / height"}
EXTENT = (0.02, 0.98)  # the share of the ink below the low and high edges of an extent


def _extent(coord: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """Per image, the distance between the EXTENT quantiles of the ink along ``coord`` (both (N, P)): a bounding
    box that neither jumps a pixel at a time nor follows a stray speck."""
    order = np.argsort(coord, axis=1)
    c = np.take_along_axis(coord, order, 1)
    cum = np.cumsum(np.take_along_axis(ink, order, 1), 1)
    cum = cum / np.maximum(cum[:, -1:], 1e-9)
    lo = np.array([np.interp(EXTENT[0], q, v) for q, v in zip(cum, c)])
    hi = np.array([np.interp(EXTENT[1], q, v) for q, v in zip(cum, c)])
    return hi - lo


def ink_measures(images: torch.Tensor | np.ndarray) -> dict[str, np.ndarray]:
    """Factors read from the ink alone: images (N, C, S, S) in [-1, 1] (RGB: their mean), dark ground.

    width: 2 × area / perimeter of the ink (pixels above half intensity; perimeter: ink/ground pixel edges),
    slant: −μ11/μ02 of the ink-weighted central moments (x right, y down: the shear that leans the top right),
    rotation: the principal axis' angle from the vertical, ½·atan2(2μ11, μ02 − μ20),
    scale: the ink's height (every digit's skeleton spans the same height), aspect: its width once the shear is
    taken out (x + slant·(y − ȳ)) over its height; heights and widths between the 2% and 98% quantiles of the ink."""
    x = torch.as_tensor(images).float()
    ink = ((x.mean(1) + 1) / 2).clamp(0, 1).double().numpy()  # (N, S, S)
    n, h, w = ink.shape
    mask = ink > 0.5
    area = mask.sum((1, 2)).astype(float)
    pad = np.pad(mask, ((0, 0), (1, 1), (1, 1)))
    perim = (pad[:, 1:, :] != pad[:, :-1, :]).sum((1, 2)) + (pad[:, :, 1:] != pad[:, :, :-1]).sum((1, 2))
    yy, xx = np.mgrid[0:h, 0:w].astype(float)
    m = np.maximum(ink.sum((1, 2)), 1e-9)
    cx = (ink * xx).sum((1, 2)) / m
    cy = (ink * yy).sum((1, 2)) / m
    dx = xx[None] - cx[:, None, None]
    dy = yy[None] - cy[:, None, None]
    mu20 = (ink * dx * dx).sum((1, 2)) / m
    mu02 = np.maximum((ink * dy * dy).sum((1, 2)) / m, 1e-9)
    mu11 = (ink * dx * dy).sum((1, 2)) / m
    slant = -mu11 / mu02
    flat_ink = ink.reshape(n, -1)
    height = _extent(np.broadcast_to(yy.reshape(1, -1), flat_ink.shape), flat_ink)
    deskewed = (dx + slant[:, None, None] * dy).reshape(n, -1)
    return {"width": 2 * area / np.maximum(perim, 1), "slant": slant,
            "rotation": 0.5 * np.arctan2(2 * mu11, mu02 - mu20), "scale": height,
            "aspect": _extent(deskewed, flat_ink) / np.maximum(height, 1e-9)}


def calibrate(data, n: int = 2000, seed: int = 0) -> dict[str, dict]:
    """Each ink measure against the true factor on ``n`` real images: {factor: {"sign": ±1, "r": Pearson r within a
    class (measure and factor centred per class: a direction keeps the digit, so that is what it is read against)}}."""
    if data.factors is None:
        return {}
    idx = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))[:n]
    meas = ink_measures(data.to_model(data.x[idx]))
    true = data.factors[idx].double().numpy()
    labels = data.labels[idx].numpy() if data.labels is not None else np.zeros(len(idx), int)

    def centred(v: np.ndarray) -> np.ndarray:
        v = np.array(v, dtype=float)
        for k in np.unique(labels):
            v[labels == k] -= v[labels == k].mean()
        return v

    out = {}
    for f, v in meas.items():
        if f in data.factor_names:
            r = float(np.corrcoef(centred(v), centred(true[:, list(data.factor_names).index(f)]))[0, 1])
            out[f] = {"sign": 1 if r >= 0 else -1, "r": round(r, 3), "measured_as": MEASURED_AS[f]}
    return out


def spearman_rows(steps: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Spearman's ρ of ``steps`` (k,) with each row of ``values`` (n, k); 0 for a row that does not change."""
    rs = rankdata(steps)
    rv = rankdata(values, axis=1)
    a = rs - rs.mean()
    b = rv - rv.mean(1, keepdims=True)
    den = np.sqrt((a * a).sum() * (b * b).sum(1))
    return np.where(den > 0, (b * a).sum(1) / np.maximum(den, 1e-12), 0.0)


@torch.no_grad()
def measure(walk, direction, extractor, calib: dict, n: int = 200, seed: int = 1, steps=STEPS,
            factor: str | None = None, cancelled: Callable[[], bool] | None = None) -> dict:
    """ρ, kept and leakage of ``direction`` (a ``Direction``) for ``factor`` (default: its own), from ``n``
    starts (module docstring)."""
    f = factor or direction.factor
    points, flat = walk.sample(n, seed)
    v = torch.as_tensor(direction.vector, dtype=torch.float32) * float(direction.sigma)
    a = np.asarray(steps, dtype=float)
    ink, pred, facs, sure = [], [], [], None
    for s in a:
        if cancelled is not None and cancelled():
            raise InterruptedError("cancelled")
        img = walk.render(walk.moved(points, float(s) * v, getattr(direction, "layers", ())), flat)
        emb = extractor.embed(img)
        ink.append(ink_measures(img))
        pred.append(emb.pred)
        facs.append(emb.factors)
        if s == 0:
            sure = emb.probs.max(1) >= READABLE
    out: dict = {"factor": f, "starts": n, "steps": [float(s) for s in a]}
    lo, hi = int(np.argmin(a)), int(np.argmax(a))
    same = pred[lo] == pred[hi]
    out["kept"] = round(float(same.mean()), 4)
    if sure is not None and sure.any():  # starts the classifier reads with confidence (a clear digit to keep)
        out["kept_readable"] = round(float(same[sure].mean()), 4)
        out["readable_starts"] = int(sure.sum())
    if f in calib:
        vals = np.stack([m[f] for m in ink], 1) * calib[f]["sign"]  # (n, steps)
        out["rho"] = round(float(spearman_rows(a, vals).mean()), 4)
        out["measured_as"] = calib[f]["measured_as"]
    names = list(extractor.factor_names or ())
    if facs[0] is not None and f in names:
        std = np.maximum(np.asarray(extractor.factor_std, dtype=float), 1e-12)
        delta = (facs[hi] - facs[lo]) / std  # (n, F) in data σ
        moved = np.abs(delta).mean(0)
        j = names.index(f)
        out["per_sigma"] = round(float(delta[:, j].mean() / (a[hi] - a[lo])), 4)
        others = {g: float(moved[i] / max(moved[j], 1e-12)) for i, g in enumerate(names)
                  if g != f and g in calib}  # the named factors (jitter, which the classifier cannot read, is left out)
        if others:
            worst = max(others, key=others.get)
            out["leakage"] = round(others[worst], 4)
            out["leaks_most"] = worst
            out["leakage_by_factor"] = {g: round(x, 4) for g, x in others.items()}
    return out


@torch.no_grad()
def effects(walk, vectors: np.ndarray, sigmas: np.ndarray, extractor, n: int = 200, seed: int = 2) -> np.ndarray:
    """How far each direction moves each factor the classifier reads, per σ, in units of the data's spread:
    (k, F) = mean over ``n`` latents of (f(+1σ) − f(−1σ)) / 2 / σ_f. What names SeFa's and GANSpace's directions."""
    points, flat = walk.sample(n, seed)
    std = np.maximum(np.asarray(extractor.factor_std, dtype=float), 1e-12)
    rows = []
    for v, s in zip(vectors, sigmas):
        d = torch.as_tensor(v, dtype=torch.float32) * float(s)
        up = extractor.embed(walk.render(points + d, flat)).factors
        down = extractor.embed(walk.render(points - d, flat)).factors
        rows.append(((up - down) / 2 / std).mean(0))
    return np.stack(rows) if rows else np.zeros((0, len(std)))
