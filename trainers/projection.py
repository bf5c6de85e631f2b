"""Projection of an image into StyleGAN's W or W+ (Karras et al. 2020, StyleGAN2 §5; Abdal et al. 2019,
Image2StyleGAN): find the styles whose image is closest to a given one, then edit those styles.

Start at the average style w̄ (the mapping network's running mean) and optimise by Adam

    W:   one w (w_dim values) fed to every layer       minimise  L(render(w, …, w), x)
    W+:  one w per layer (num_ws × w_dim values)       minimise  L(render(w_0, …, w_{L−1}), x)

    L(y, x) = mean (y − x)²  +  λ_f · mean (φ(y) − φ(x))²

with φ an optional feature map (``digits_features``: the trunk of GAN Studio's own digits classifier, in place of
the paper's VGG perceptual distance). W is the space the generator was trained to draw from, so a projection
there is a plausible sample that may miss details; W+ has num_ws times the freedom and reconstructs closer, at the
price of styles no seed would give. The step size follows StyleGAN2's projector: ramped up over the first 5 % of
the steps and down along a cosine over the last 25 %, scaled by the spread of W (σ_w, the RMS distance of sampled
w's from their mean per value), so one ``lr`` suits any model. The noise inputs stay at the checkpoint's fixed
ones (``noise="const"``), as when sampling.

Qt-free: the app runs it in a worker thread (``ganstudio/workers/projection.py``) with progress and cancel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F

from .errors import ConfigError

SPACES = ("w", "w+")
Features = Callable[[torch.Tensor], torch.Tensor]
Progress = Callable[[int, int, float, float], None]  # (step done, steps, loss, pixel MSE)


@dataclass
class Projection:
    """What ``project`` found. ``ws`` (num_ws, w_dim): the styles (every row the same in W); ``losses`` and
    ``mse``: the objective and the pixel MSE (model range) of each step; ``image`` (C, S, S) the reconstruction
    in [-1, 1]; ``start_mse``: the MSE of w̄'s image; ``trajectory``: (step, ws) every ``keep_every`` steps, the
    path the optimisation took (step 0: w̄)."""

    ws: torch.Tensor
    space: str
    losses: list[float]
    mse: list[float]
    image: torch.Tensor
    start_mse: float
    final_mse: float
    steps: int
    cancelled: bool = False
    trajectory: list[tuple[int, torch.Tensor]] = field(default_factory=list)

    @property
    def w(self) -> torch.Tensor:
        """The one w of a projection into W (the first layer's for W+)."""
        return self.ws[0]

    @property
    def psnr(self) -> float:
        """PSNR (dB) of the reconstruction, images in [0, 1]: 10·log10(1 / MSE₀₁), MSE₀₁ = MSE / 4."""
        return psnr_of(self.final_mse)


def psnr_of(mse: float) -> float:
    """PSNR (dB) of a model-range MSE (images in [-1, 1], so [0, 1] errors are half as large: MSE / 4)."""
    return 10 * math.log10(4.0 / max(mse, 1e-12))


def style_body(gen):
    """The ``StyleGenerator`` of a loaded checkpoint (``gen.G.body``) or the body itself."""
    body = getattr(getattr(gen, "G", None), "body", gen)
    if not (hasattr(body, "mapping") and hasattr(body, "synthesis") and hasattr(body, "num_ws")):
        raise ConfigError("projection into W needs a StyleGAN generator (family stylegan)")
    return body


def w_spread(body, n: int = 1000, seed: int = 0) -> float:
    """σ_w: the RMS distance of ``n`` sampled w's from their mean, per value."""
    z_dim = body.mapping.layers[0].weight.shape[1]
    dev = body.mapping.w_avg.device
    g = torch.Generator(device=dev).manual_seed(seed)
    with torch.no_grad():
        w = body.mapping(torch.randn(n, z_dim, generator=g, device=dev))
    return float((w - w.mean(0)).pow(2).mean().sqrt())


def learning_rate(t: float, lr: float, rampup: float = 0.05, rampdown: float = 0.25) -> float:
    """StyleGAN2's projector schedule at progress t ∈ [0, 1]: linear warm-up, cosine ramp-down at the end."""
    ramp = min(1.0, (1.0 - t) / rampdown)
    ramp = 0.5 - 0.5 * math.cos(ramp * math.pi)
    return lr * ramp * min(1.0, t / rampup)


def digits_features() -> Features:
    """φ for the optional feature term: the conv trunk of GAN Studio's digits classifier (``trainers.metrics.
    features``), frozen. Images in [-1, 1] of any side and channels: grey by the channel mean, resized
    (bilinear) to the classifier's 28 px."""
    from .data import load_dataset
    from .metrics.features import get_extractor

    data = load_dataset("digits")
    trunk = get_extractor(data).net.trunk.eval().requires_grad_(False)
    side = int(data.sample_shape[-1])

    def phi(x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] != 1:
            x = x.mean(1, keepdim=True)
        if x.shape[-1] != side:
            x = F.interpolate(x, size=(side, side), mode="bilinear", align_corners=False)
        return trunk(x.float())

    return phi


def project(gen, image: torch.Tensor, space: str = "w", steps: int = 200, lr: float = 0.1,
            progress: Progress | None = None, feature_weight: float = 0.0, features: Features | None = None,
            noise: str = "const", cancelled: Callable[[], bool] | None = None, keep_every: int = 0) -> Projection:
    """Optimise styles so that the generator draws ``image`` (C, S, S) in [-1, 1] (module docstring).

    ``gen``: a loaded stylegan checkpoint or its ``StyleGenerator``. ``features``: φ for the feature term, used
    when ``feature_weight`` > 0 (default ``digits_features()``). ``progress(step, steps, loss, mse)`` after every
    step; ``cancelled()`` stops early (the best so far is returned, ``cancelled`` set). ``keep_every`` > 0 keeps
    the styles every that many steps in ``trajectory``."""
    body = style_body(gen)
    if space not in SPACES:
        raise ConfigError(f"projection space must be one of {', '.join(SPACES)}, got {space!r}")
    if not (isinstance(steps, int) and 1 <= steps <= 100_000):
        raise ConfigError(f"projection steps must be 1 to 100000, got {steps}")
    if not (lr > 0 and math.isfinite(lr)) or not (feature_weight >= 0 and math.isfinite(feature_weight)):
        raise ConfigError("projection: lr must be positive and the feature weight non-negative")
    dev = body.mapping.w_avg.device
    target = torch.as_tensor(image, dtype=torch.float32, device=dev)
    if target.ndim == 3:
        target = target[None]
    w_avg = body.mapping.w_avg.detach().float()
    with torch.no_grad():
        shape = body.render(w_avg[None, None].expand(1, body.num_ws, -1), noise).shape
    if tuple(target.shape) != tuple(shape):
        raise ConfigError(f"the image is {tuple(target.shape[1:])}; this generator draws {tuple(shape[1:])}")
    phi = None
    if feature_weight > 0:
        phi = features if features is not None else digits_features()
        with torch.no_grad():
            target_feats = phi(target)
    rows = 1 if space == "w" else body.num_ws
    w = w_avg[None].repeat(rows, 1).clone().requires_grad_(True)
    scale = w_spread(body)
    opt = torch.optim.Adam([w], lr=lr * scale, betas=(0.9, 0.999))
    as_ws = (lambda v: v.expand(body.num_ws, -1)[None]) if space == "w" else (lambda v: v[None])  # noqa: E731
    losses: list[float] = []
    mses: list[float] = []
    trajectory = [(0, as_ws(w.detach())[0].clone())] if keep_every > 0 else []
    with torch.no_grad():
        start_mse = float((body.render(as_ws(w), noise) - target).pow(2).mean())
    best = (start_mse, w.detach().clone())
    stopped = False
    with torch.enable_grad():
        for step in range(steps):
            if cancelled is not None and cancelled():
                stopped = True
                break
            for group in opt.param_groups:
                group["lr"] = learning_rate(step / steps, lr) * scale
            out = body.render(as_ws(w), noise)
            mse = (out - target).pow(2).mean()
            loss = mse
            if phi is not None:
                loss = loss + feature_weight * (phi(out) - target_feats).pow(2).mean()
            losses.append(float(loss.detach()))
            mses.append(float(mse.detach()))
            if mses[-1] < best[0]:  # the styles this step starts from drew this image
                best = (mses[-1], w.detach().clone())
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if keep_every > 0 and (step + 1) % keep_every == 0:
                trajectory.append((step + 1, as_ws(w.detach())[0].clone()))
            if progress is not None:
                progress(step + 1, steps, losses[-1], mses[-1])
    with torch.no_grad():
        final = w.detach()
        out = body.render(as_ws(final), noise)
        final_mse = float((out - target).pow(2).mean())
        if best[0] < final_mse:  # Adam's last step overshot: keep the best styles seen
            final = best[1]
            out = body.render(as_ws(final), noise)
            final_mse = float((out - target).pow(2).mean())
    return Projection(as_ws(final)[0].clone(), space, losses, mses, out[0].float().cpu(), start_mse, final_mse,
                      len(losses), stopped, trajectory)
