"""What D sees, augmented, so that a small set still trains (``--augment``): reals and fakes alike, in the D and
in the G update, differentiable so G learns through it.

- ``diffaugment`` (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training"): the policy
  ``color,translation,cutout`` on every image: brightness ±0.5, saturation ×[0, 2], contrast ×[0.5, 1.5],
  a shift of up to 1/8 of the side (zero padded), and one square of half the side blanked.
- ``ada`` (Karras et al. 2020, "Training Generative Adversarial Networks with Limited Data"): the ``bgc`` pipeline
  (x-flip, 90° rotations, integer translation, isotropic scaling, rotation, anisotropic scaling, fractional
  translation, brightness, contrast, saturation) with each step applied to an image with probability p. Every four D
  updates p moves by sign(r_t − target) · (batch · 4) / (ADA_KIMG · 1000), where r_t = E[sign(D(real))] over those
  updates: it rises while D grows sure of the reals (overfits) and falls otherwise.

Images are in [−1, 1] (N, C, H, W). The draws come from the run's noise generator, so a run and its resume agree.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

ADA_INTERVAL = 4  # D updates between adjustments of p (the paper's 4)
# images over which p can go from 0 to 1: the paper's 500k images suits runs of millions; GAN Studio's runs see
# 100-1000× fewer, so p is let move 5× as fast
ADA_KIMG = 100


class Augment:
    """``augment(x)``: the batch as D should see it; ``observe(real_scores)`` after each D update (ADA)."""

    kind = "none"

    def __init__(self, generator: torch.Generator, batch_size: int):
        self.g = generator
        self.batch_size = batch_size

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def observe(self, real_scores: torch.Tensor) -> None:
        pass

    def stats(self) -> dict[str, torch.Tensor]:
        return {}

    def seen(self, real_scores: torch.Tensor) -> dict[str, torch.Tensor]:
        """``observe`` D's scores of the (augmented) reals, then the ``stats`` to log."""
        self.observe(real_scores)
        return self.stats()

    def state(self) -> dict[str, torch.Tensor]:
        return {}

    def load(self, tensors: dict[str, torch.Tensor]) -> None:
        pass

    def _rand(self, *shape: int, like: torch.Tensor) -> torch.Tensor:
        return torch.rand(shape, generator=self.g, device=like.device, dtype=torch.float32).to(like.dtype)

    def _randn(self, *shape: int, like: torch.Tensor) -> torch.Tensor:
        return torch.randn(shape, generator=self.g, device=like.device, dtype=torch.float32).to(like.dtype)


class DiffAugment(Augment):
    kind = "diffaugment"

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        x = x + (self._rand(n, 1, 1, 1, like=x) - 0.5)  # brightness
        if x.shape[1] > 1:
            mean = x.mean(1, keepdim=True)
            x = (x - mean) * (self._rand(n, 1, 1, 1, like=x) * 2) + mean  # saturation
        mean = x.mean((1, 2, 3), keepdim=True)
        x = (x - mean) * (self._rand(n, 1, 1, 1, like=x) + 0.5) + mean  # contrast
        return self._cutout(self._translate(x))

    def _translate(self, x: torch.Tensor, ratio: float = 0.125) -> torch.Tensor:
        n, c, h, w = x.shape
        sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
        ty = torch.randint(-sh, sh + 1, (n, 1, 1), generator=self.g, device=x.device)
        tx = torch.randint(-sw, sw + 1, (n, 1, 1), generator=self.g, device=x.device)
        rows = (torch.arange(h, device=x.device).view(1, h, 1) + ty + 1).clamp(0, h + 1)
        cols = (torch.arange(w, device=x.device).view(1, 1, w) + tx + 1).clamp(0, w + 1)
        padded = F.pad(x, [1, 1, 1, 1])  # a shifted-in edge is 0 (mid-grey in [-1, 1]), as the paper's code
        flat = (rows * (w + 2) + cols).view(n, 1, h * w).expand(n, c, h * w)
        return padded.reshape(n, c, -1).gather(2, flat).view(n, c, h, w)

    def _cutout(self, x: torch.Tensor, ratio: float = 0.5) -> torch.Tensor:
        n, _, h, w = x.shape
        ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
        oy = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), generator=self.g, device=x.device) - ch // 2
        ox = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), generator=self.g, device=x.device) - cw // 2
        ys = torch.arange(h, device=x.device).view(1, h, 1)
        xs = torch.arange(w, device=x.device).view(1, 1, w)
        inside = (ys >= oy) & (ys < oy + ch) & (xs >= ox) & (xs < ox + cw)
        return x * (~inside).unsqueeze(1).to(x.dtype)


class ADA(Augment):
    kind = "ada"

    def __init__(self, generator: torch.Generator, batch_size: int, target: float = 0.6):
        super().__init__(generator, batch_size)
        self.target = target
        self.p = 0.0
        self._signs = 0.0  # Σ sign(D(real)) and the count since the last adjustment
        self._count = 0
        self._updates = 0
        self.r_t = 0.0

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.p <= 0:
            return x
        return self._colour(self._geometric(x))

    def _on(self, n: int, like: torch.Tensor, p: float | None = None) -> torch.Tensor:
        """(n,) 1 where an image gets this step (probability ``p``, default the current p), else 0."""
        return (self._rand(n, like=like) < (self.p if p is None else p)).to(like.dtype)

    def _geometric(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        eye = torch.eye(3, device=x.device, dtype=x.dtype).expand(n, 3, 3)
        m = eye.clone()

        def then(t: torch.Tensor) -> None:
            nonlocal m
            m = m @ t

        def scale(sx: torch.Tensor, sy: torch.Tensor) -> torch.Tensor:
            t = eye.clone()
            t[:, 0, 0], t[:, 1, 1] = sx, sy
            return t

        def rotate(a: torch.Tensor) -> torch.Tensor:
            t = eye.clone()
            t[:, 0, 0], t[:, 0, 1], t[:, 1, 0], t[:, 1, 1] = a.cos(), -a.sin(), a.sin(), a.cos()
            return t

        def shift(tx: torch.Tensor, ty: torch.Tensor) -> torch.Tensor:
            t = eye.clone()
            t[:, 0, 2], t[:, 1, 2] = tx, ty
            return t

        flip = 1 - 2 * self._on(n, x) * (self._rand(n, like=x) < 0.5).to(x.dtype)
        then(scale(flip, torch.ones_like(flip)))  # x-flip
        quarter = torch.floor(self._rand(n, like=x) * 4) * self._on(n, x)
        then(rotate(quarter * (math.pi / 2)))  # 90° rotations
        # integer translation up to 1/8 of the side (in [-1, 1] coordinates the side is 2), whole pixels
        t = torch.round((self._rand(n, 2, like=x) * 2 - 1) * 0.125 * torch.tensor([w, h], device=x.device))
        t = t * torch.tensor([2 / w, 2 / h], device=x.device) * self._on(n, x)[:, None]
        then(shift(t[:, 0], t[:, 1]))
        s = torch.exp2(self._randn(n, like=x) * 0.2 * self._on(n, x))
        then(scale(s, s))  # isotropic scaling
        p_rot = 1 - math.sqrt(max(0.0, 1 - self.p))  # rotation twice (before and after the anisotropic scaling)
        then(rotate((self._rand(n, like=x) * 2 - 1) * math.pi * self._on(n, x, p_rot)))
        s = torch.exp2(self._randn(n, like=x) * 0.2 * self._on(n, x))
        then(scale(s, 1 / s))  # anisotropic scaling
        then(rotate((self._rand(n, like=x) * 2 - 1) * math.pi * self._on(n, x, p_rot)))
        t = self._randn(n, 2, like=x) * 0.125 * 2 * self._on(n, x)[:, None]
        then(shift(t[:, 0], t[:, 1]))  # fractional translation
        grid = F.affine_grid(m[:, :2, :], list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)

    def _colour(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        x = x + self._randn(n, 1, 1, 1, like=x) * 0.2 * self._on(n, x).view(n, 1, 1, 1)  # brightness
        mean = x.mean((1, 2, 3), keepdim=True)
        c = torch.exp2(self._randn(n, 1, 1, 1, like=x) * 0.5 * self._on(n, x).view(n, 1, 1, 1))
        x = (x - mean) * c + mean  # contrast
        if x.shape[1] > 1:
            luma = x.mean(1, keepdim=True)
            sat = torch.exp2(self._randn(n, 1, 1, 1, like=x) * self._on(n, x).view(n, 1, 1, 1))
            x = (x - luma) * sat + luma  # saturation
        return x

    def observe(self, real_scores: torch.Tensor) -> None:
        # summed on the scores' device, read back once per adjustment (a GPU is not made to wait every D step)
        self._signs = self._signs + torch.sign(real_scores.detach().float()).sum()
        self._count += real_scores.numel()
        self._updates += 1
        if self._updates % ADA_INTERVAL == 0 and self._count:
            self._signs = float(self._signs)
            self.r_t = self._signs / self._count
            step = math.copysign(self.batch_size * ADA_INTERVAL / (ADA_KIMG * 1000), self.r_t - self.target)
            self.p = min(1.0, max(0.0, self.p + step))
            self._signs, self._count = 0.0, 0

    def stats(self) -> dict[str, torch.Tensor]:
        return {"ada_p": torch.tensor(self.p), "ada_rt": torch.tensor(self.r_t)}

    def state(self) -> dict[str, torch.Tensor]:
        return {"ada": torch.tensor([self.p, float(self._signs), float(self._count), float(self._updates), self.r_t],
                                    dtype=torch.float64)}

    def load(self, tensors: dict[str, torch.Tensor]) -> None:
        if "ada" in tensors:
            p, signs, count, updates, r_t = tensors["ada"].tolist()
            self.p, self._signs, self._count, self._updates, self.r_t = p, signs, int(count), int(updates), r_t


def build(cfg, generator: torch.Generator) -> Augment:
    """The augmentation ``cfg.augment`` asks for (none: the identity)."""
    kind = getattr(cfg, "augment", None) or "none"
    if kind == "diffaugment":
        return DiffAugment(generator, cfg.batch_size)
    if kind == "ada":
        return ADA(generator, cfg.batch_size, cfg.ada_target or 0.6)
    return Augment(generator, cfg.batch_size)
