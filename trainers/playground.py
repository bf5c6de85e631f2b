"""The 2D (and 1D) playground: the adversarial game itself, small enough to watch every step.

A tiny MLP generator maps noise to points in the plane (or on a line), a tiny MLP discriminator scores
points, and the losses are the engine's (``losses.py``). ``Playground`` steps D and G on demand and
``snapshot()`` returns everything a view draws, as plain numpy: the real and generated points, D's output
over a grid, the gradient that moves each generated point, G's image of a noise grid (the manifold), and
the scores (Jensen-Shannon divergence between real and fake on a grid, modes covered).

    pg = Playground(PlayConfig(dist="ring", loss="minimax", seed=3))
    for _ in range(2000):
        pg.step()
    print(pg.scores())          # {"js": ..., "modes": 2, "modes_total": 8, ...}

1D mode (dist ``gaussian`` or ``two-gaussians``) is Figure 1 of Goodfellow et al. (2014): the data's
density, the generator's density and D(x) on one axis, with z drawn uniformly and mapped to x.
No Qt here: the app's Playground tab draws the snapshots.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn

from .data.synthetic import toy_points
from .losses import LOSSES, gradient_penalty
from .models.gan import MLPGenerator, MLPTrunk

from .playconfig import (DISTS_1D, DISTS_2D, DRAWN_SPREAD, EXTENT_1D, EXTENT_2D, GP_WEIGHT, HISTORY, LOSS_CHOICES,
                         OPTIMIZERS, PRESETS, PlayConfig, Preset)

__all__ = ["DISTS_1D", "DISTS_2D", "LOSS_CHOICES", "OPTIMIZERS", "PRESETS", "PlayConfig", "Playground", "Preset",
           "Snapshot", "count_modes", "js_divergence"]


@dataclass
class Snapshot:
    """Everything the view draws, plain numpy. 2D: points are (N, 2); 1D: (N,)."""

    step: int  # G updates so far
    d_updates: int
    dim: int
    real: np.ndarray
    fake: np.ndarray
    grad: np.ndarray  # −∂L_G/∂x at each fake point: where G's next update pushes it (same shape as fake)
    heat: np.ndarray  # D's output over the grid: (res, res) [y, x] in 2D, (res,) in 1D
    heat_label: str  # "D(x)" (a probability) or "critic" (unbounded score)
    extent: tuple[float, float, float, float]  # x0, x1, y0, y1 of the grid (1D: y0 = y1 = 0)
    manifold: np.ndarray | None  # 2D: (k, k, 2) G over a noise grid; 1D: (k, 2) pairs (z, G(z))
    real_density: np.ndarray | None = None  # 1D only: on the same grid as heat
    fake_density: np.ndarray | None = None
    heat_extent: tuple[float, float, float, float] | None = None  # 2D: where heat lies when not ``extent`` (the view)


class Playground:
    """The game: ``step_d``, ``step_g``, ``step`` (``d_steps`` D updates then one G update), ``snapshot``."""

    def __init__(self, config: PlayConfig, device: str = "cpu"):
        config.validate()
        self.config = config
        self.device = torch.device(device)
        self.dim = config.dim
        engine_loss, self.gp = LOSS_CHOICES[config.loss]
        self.loss = LOSSES[engine_loss]
        gen = torch.Generator().manual_seed(config.seed)
        torch.manual_seed(config.seed)
        hidden_g = (config.g_hidden,) * config.layers
        hidden_d = (config.d_hidden,) * config.layers
        self.G = MLPGenerator(config.z_dim, (self.dim,), hidden_g, tanh=False, batch_norm=False).to(self.device)
        trunk = MLPTrunk(self.dim, hidden_d)
        self.D = nn.Sequential(trunk, nn.Linear(trunk.out_dim, 1)).to(self.device)
        self.opt_g = self._optimizer(self.G, config.lr_g)
        self.opt_d = self._optimizer(self.D, config.lr_d)
        self._gen = torch.Generator(self.device).manual_seed(config.seed + 1)
        self._pool = torch.from_numpy(self._real_pool(50000, config.seed)).to(self.device)
        # fixed samples for the view and the scores, so frames are comparable and Step D leaves fakes still
        self.real_show = self._pool[torch.randperm(len(self._pool), generator=gen)[:1000]].cpu().numpy()
        self.z_show = self._noise(600, gen)
        self.z_score = self._noise(4000, gen)
        self.real_score = self._pool[torch.randperm(len(self._pool), generator=gen)[:8000]]
        self.step_count = 0
        self.d_updates = 0
        self.history: dict[str, deque] = {k: deque(maxlen=HISTORY) for k in ("step", "loss_d", "loss_g")}
        self._last_d: float = math.nan

    # -- set-up --------------------------------------------------------------------------------------------
    def _optimizer(self, net: nn.Module, lr: float) -> torch.optim.Optimizer:
        kind = self.config.optimizer
        if kind == "adam":
            betas = (0.5, 0.9) if self.gp else (0.5, 0.999)
            return torch.optim.Adam(net.parameters(), lr=lr, betas=betas)
        if kind == "rmsprop":
            return torch.optim.RMSprop(net.parameters(), lr=lr)
        return torch.optim.SGD(net.parameters(), lr=lr, momentum=0.0)

    def _real_pool(self, n: int, seed: int) -> np.ndarray:
        c = self.config
        rng = np.random.default_rng(seed + 17)
        if c.dist == "gaussian":
            return (1.0 + 0.5 * rng.standard_normal(n)).astype(np.float32)[:, None]
        if c.dist == "two-gaussians":
            centre = np.where(rng.random(n) < 0.5, -1.5, 1.5)
            return (centre + 0.4 * rng.standard_normal(n)).astype(np.float32)[:, None]
        if c.dist == "drawn":
            pts = np.asarray(c.points, dtype=np.float32)
            return pts[rng.integers(0, len(pts), n)] + DRAWN_SPREAD * rng.standard_normal((n, 2)).astype(np.float32)
        return toy_points(c.dist, n, seed)

    def _noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """z ~ N(0, I) in 2D; z ~ U[−1, 1] in the 1D mode (the paper's figure draws z uniformly)."""
        g = generator if generator is not None else self._gen
        if self.dim == 1:
            return (torch.rand(n, self.config.z_dim, generator=g, device=g.device) * 2 - 1).to(self.device)
        return torch.randn(n, self.config.z_dim, generator=g, device=g.device).to(self.device)

    def modes(self) -> tuple[np.ndarray, float] | None:
        """(centres (K, dim), radius) of the distribution's modes, where it has countable ones."""
        c = self.config.dist
        if c == "ring":
            k = np.arange(8)
            return 1.6 * np.stack([np.cos(2 * np.pi * k / 8), np.sin(2 * np.pi * k / 8)], 1), 0.25
        if c == "grid":
            k = np.arange(25)
            return np.stack([(k % 5) * 0.8 - 1.6, (k // 5) * 0.8 - 1.6], 1), 0.2
        if c == "two-gaussians":
            return np.array([[-1.5], [1.5]]), 0.8
        return None

    # -- the game ------------------------------------------------------------------------------------------
    def _real_batch(self) -> torch.Tensor:
        idx = torch.randint(0, len(self._pool), (self.config.batch,), generator=self._gen, device=self._gen.device)
        return self._pool[idx.to(self.device)]

    def step_d(self) -> float:
        """(1) Update D: descend L_D(D(x), D(G(z))) (+ λ·GP for WGAN-GP) with G held still."""
        real = self._real_batch()
        with torch.no_grad():
            fake = self.G(self._noise(self.config.batch))
        loss = self.loss.d_loss(self.D(real), self.D(fake))
        if self.gp:
            loss = loss + GP_WEIGHT * gradient_penalty(self.D, real, fake, generator=None)
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        self.d_updates += 1
        self._last_d = float(loss.detach())
        return self._last_d

    def step_g(self) -> float:
        """(2) Update G: descend L_G(D(G(z))) with D held still (its weights get no gradient)."""
        self.D.requires_grad_(False)
        try:
            loss = self.loss.g_loss(self.D(self.G(self._noise(self.config.batch))))
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
            self.opt_g.step()
        finally:
            self.D.requires_grad_(True)
        self.step_count += 1
        value = float(loss.detach())
        self.history["step"].append(self.step_count)
        self.history["loss_d"].append(self._last_d)
        self.history["loss_g"].append(value)
        return value

    def step(self) -> None:
        for _ in range(self.config.d_steps):
            self.step_d()
        self.step_g()

    def diverged(self) -> bool:
        """Whether a loss or a weight went NaN/Inf (too high a learning rate): the view says so and stops."""
        losses = ([self._last_d] if self.d_updates else []) + list(self.history["loss_g"])[-1:]
        if not all(math.isfinite(v) for v in losses):
            return True
        return not all(bool(torch.isfinite(p).all()) for p in list(self.G.parameters()) + list(self.D.parameters()))

    # -- what the view shows -------------------------------------------------------------------------------
    def _d_out(self, x: torch.Tensor) -> torch.Tensor:
        out = self.D(x).squeeze(1)
        return torch.sigmoid(out) if self.loss.probabilistic else out

    @torch.no_grad()
    def generate(self, z: torch.Tensor) -> np.ndarray:
        return self.G(z).cpu().numpy()

    def snapshot(self, res: int = 64, manifold: int = 15,
                 view: tuple[float, float, float, float] | None = None) -> Snapshot:
        """The current state for drawing; ``res``: heatmap cells per axis; ``manifold``: noise-grid lines; ``view``
        (2D): the x0, x1, y0, y1 the screen shows, which D's heatmap then covers (a wide window shows more than the
        data's square)."""
        z = self.z_show
        fake_t = self.G(z).detach().requires_grad_(True)
        self.D.requires_grad_(False)
        try:
            g_loss = self.loss.g_loss(self.D(fake_t)) * len(fake_t)  # per-point gradients, not batch-averaged
            (grad,) = torch.autograd.grad(g_loss, fake_t)
        finally:
            self.D.requires_grad_(True)
        fake = fake_t.detach().cpu().numpy()
        grad = (-grad).cpu().numpy()
        label = "D(x)" if self.loss.probabilistic else "critic"
        with torch.no_grad():
            if self.dim == 2:
                e = EXTENT_2D
                hx0, hx1, hy0, hy1 = view if view is not None else (-e, e, -e, e)
                yy, xx = torch.meshgrid(torch.linspace(hy0, hy1, res, device=self.device),
                                        torch.linspace(hx0, hx1, res, device=self.device), indexing="ij")
                heat = self._d_out(torch.stack([xx.flatten(), yy.flatten()], 1)).view(res, res).cpu().numpy()
                man = None
                if manifold:
                    lin = torch.linspace(-2, 2, manifold, device=self.device)
                    za, zb = torch.meshgrid(lin, lin, indexing="ij")
                    zg = torch.zeros(manifold * manifold, self.config.z_dim, device=self.device)
                    zg[:, 0] = za.flatten()
                    if self.config.z_dim > 1:
                        zg[:, 1] = zb.flatten()
                    man = self.G(zg).view(manifold, manifold, 2).cpu().numpy()
                return Snapshot(self.step_count, self.d_updates, 2, self.real_show, fake, grad, heat, label,
                                (-e, e, -e, e), man, heat_extent=(hx0, hx1, hy0, hy1))
            x0, x1 = EXTENT_1D
            xs = torch.linspace(x0, x1, res, device=self.device)
            heat = self._d_out(xs[:, None]).cpu().numpy()
            zl = torch.linspace(-1, 1, max(manifold, 2), device=self.device)[:, None]
            man = np.stack([zl[:, 0].cpu().numpy(), self.G(zl)[:, 0].cpu().numpy()], 1)
            edges = np.linspace(x0, x1, res + 1)
            width = edges[1] - edges[0]
            real_d = _smoothed_density(self.real_score[:, 0].cpu().numpy(), edges, width)
            fake_d = _smoothed_density(self.generate(self.z_score)[:, 0], edges, width)
            return Snapshot(self.step_count, self.d_updates, 1, self.real_show[:, 0], fake[:, 0], grad[:, 0], heat,
                            label, (x0, x1, 0.0, 0.0), man, real_d, fake_d)

    @torch.no_grad()
    def scores(self, bins: int = 50) -> dict[str, float | int | None]:
        """js: Jensen-Shannon divergence (bits, 0 = same, 1 = disjoint) of real vs fake histograms on a grid;
        modes / modes_total: modes holding at least 1 % of the fakes within their radius; quality: the share
        of fakes within any mode's radius (None where the distribution has no countable modes)."""
        fake = self.generate(self.z_score)
        real = self.real_score.cpu().numpy()
        if self.dim == 2:
            e = EXTENT_2D
            rng_ = [[-e, e], [-e, e]]
            p, _, _ = np.histogram2d(real[:, 0], real[:, 1], bins=bins, range=rng_)
            q, _, _ = np.histogram2d(fake[:, 0], fake[:, 1], bins=bins, range=rng_)
        else:
            p, _ = np.histogram(real[:, 0], bins=bins, range=EXTENT_1D)
            q, _ = np.histogram(fake[:, 0], bins=bins, range=EXTENT_1D)
        out: dict[str, float | int | None] = {"js": js_divergence(p.ravel(), q.ravel(), len(fake)),
                                              "modes": None, "modes_total": None, "quality": None}
        m = self.modes()
        if m is not None:
            covered, quality = count_modes(fake, *m)
            out.update(modes=covered, modes_total=len(m[0]), quality=quality)
        return out


def js_divergence(p: np.ndarray, q: np.ndarray, n_fake: int) -> float:
    """JS(P‖Q) in bits between two histograms; samples outside the grid count as one more bin."""
    p = np.append(p.astype(np.float64), 0.0)
    q = np.append(q.astype(np.float64), max(0.0, n_fake - q.sum()))
    p, q = p / max(p.sum(), 1e-12), q / max(q.sum(), 1e-12)
    m = 0.5 * (p + q)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_p = np.where(p > 0, p * np.log2(p / m), 0.0).sum()
        kl_q = np.where(q > 0, q * np.log2(q / m), 0.0).sum()
    return float(np.clip(0.5 * (kl_p + kl_q), 0.0, 1.0))


def count_modes(fake: np.ndarray, centres: np.ndarray, radius: float, share: float = 0.01) -> tuple[int, float]:
    """(modes that hold at least ``share`` of the fakes within ``radius``, share of fakes near any mode)."""
    fake = np.asarray(fake, dtype=np.float64).reshape(len(fake), -1)
    d = np.linalg.norm(fake[:, None, :] - centres[None, :, :], axis=2)
    nearest = d.argmin(1)
    near = d[np.arange(len(fake)), nearest] <= radius
    counts = np.bincount(nearest[near], minlength=len(centres))
    return int((counts >= share * len(fake)).sum()), float(near.mean()) if len(fake) else 0.0


def _smoothed_density(x: np.ndarray, edges: np.ndarray, width: float) -> np.ndarray:
    """A histogram density, lightly smoothed (3-bin box twice), so the 1D curves read like densities."""
    h, _ = np.histogram(x, bins=edges)
    h = h / max(len(x) * width, 1e-12)
    kernel = np.array([0.25, 0.5, 0.25])
    for _ in range(2):
        h = np.convolve(h, kernel, mode="same")
    return h
