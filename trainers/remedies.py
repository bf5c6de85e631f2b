"""The remedies for mode collapse as switches, for every family the adversarial algorithm trains (one G against one
D: ``algos/adversarial.py`` hooks these in with a few lines). Each is off by default; ``r3gan`` turns on its own.

- ``--pack k`` — PacGAN (Lin et al. 2018, "PacGAN: The power of two samples in generative adversarial networks"):
  D judges k samples at once, concatenated on channels (its first layer takes k·C channels). A generator that
  draws one mode everywhere is caught because k of its samples look alike where k real ones do not.
- ``--mbstd`` — minibatch standard deviation (Karras et al. 2017, ProGAN): D's last features get one more, the
  standard deviation of every feature over a group of 4 samples averaged into one number, so D sees how varied a
  batch is (here before D's final dense layer; ProGAN puts it before its last 3×3 conv).
- ``--mbdisc B`` — minibatch discrimination (Salimans et al. 2016, "Improved Techniques for Training GANs", §3.2):
  before D's final dense layer, its features f(x_i) ∈ R^A are projected by a learnt T ∈ R^{A×B×C} to M_i ∈ R^{B×C};
  kernel b compares sample i with every other sample j of the batch D judges, c_b(x_i, x_j) = exp(−‖M_{i,b} −
  M_{j,b}‖_L1), and o(x_i)_b = Σ_{j≠i} c_b(x_i, x_j) joins the features (B of them; C = ``MBDISC_DIM`` = 5 and T's
  N(0, 0.05²) start as the paper's code, whose CIFAR-10 D used B = 100; that code also weight-normalises T and adds a
  bias to o, which D's final dense layer has anyway). A batch of look-alikes scores o = N−1 per kernel where a varied
  one scores ≈ 0; reals and fakes are judged in batches of their own, as in the paper.
- ``--r1 γ`` / ``--r2 γ`` — zero-centred gradient penalties (Mescheder et al. 2018, "Which training methods for GANs
  do actually converge?"; R2 on fakes as in Roth et al. 2017 and R3GAN, Huang et al. 2025): D's loss gains
  γ/2·E‖∇ₓD(x)‖² on real images (R1) and γ/2·E‖∇D(G(z))‖² on generated ones (R2).
- ``--loss rpgan`` — the relativistic pairing loss (Jolicoeur-Martineau 2019; R3GAN's RpGAN), one real and one
  fake at a time: L_D = E softplus(−(D(x) − D(G(z)))), L_G = E softplus(−(D(G(z)) − D(x))) (``losses.py``).
- ``--feature-matching λ`` — feature matching (Salimans et al. 2016, "Improved Techniques for Training GANs"):
  G's loss gains λ·‖E f(x) − E f(G(z))‖², f D's last features (the paper used it instead of G's usual loss).
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

MBSTD_GROUP = 4  # ProGAN's group size (as ``models/blocks.py``'s layer; not imported: the algorithms load first)
MBDISC_DIM = 5  # C, the dimension of each minibatch-discrimination kernel (improved-gan's ``dim_per_kernel``)
MBDISC_INIT = 0.05  # T's starting standard deviation (improved-gan's ``theta``)


def active(cfg) -> bool:
    """Whether any remedy is switched on in ``cfg``."""
    return (_pack(cfg) > 1 or bool(getattr(cfg, "mbstd", False)) or mbdisc_of(cfg) > 0 or _w(cfg, "r1") > 0
            or _w(cfg, "r2") > 0 or _w(cfg, "feature_matching") > 0)


def pack_of(cfg) -> int:
    """How many samples D judges at once (1: one, the default)."""
    return int(getattr(cfg, "pack", None) or 1)


_pack = pack_of


def mbdisc_of(cfg) -> int:
    """The kernels B of minibatch discrimination (0: off, the default)."""
    return int(getattr(cfg, "mbdisc", None) or 0)


def loss_of(cfg, family) -> str:
    """The adversarial loss a run trains with: ``--loss`` when given, else the family's own."""
    chosen = getattr(cfg, "loss", None)
    return family.loss if chosen in (None, "", "family") else chosen


def _w(cfg, key: str) -> float:
    return float(getattr(cfg, key, None) or 0.0)


def packed(x: torch.Tensor, k: int) -> torch.Tensor:
    """k consecutive samples as one: (N, C, ...) → (N/k, k·C, ...) (PacGAN's concatenation on channels)."""
    if k <= 1:
        return x
    return x.reshape(x.shape[0] // k, k * x.shape[1], *x.shape[2:])


class MinibatchStdHead(nn.Module):
    """D's final dense layer on [h, s]: h its features (N, F), s the standard deviation of every feature over a group
    of ``MBSTD_GROUP`` samples, averaged over features (one number per group, given to each of its samples)."""

    def __init__(self, features: int, spectral: bool = False):
        super().__init__()
        linear = nn.Linear(features + 1, 1)
        self.linear = nn.utils.spectral_norm(linear) if spectral else linear

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        n = h.shape[0]
        g = min(MBSTD_GROUP, n)
        if n % g:
            g = n  # a batch the group does not divide: one group of all
        y = h.float().view(g, -1, h.shape[1])  # sample i is in group i mod N/g
        s = (y - y.mean(0)).pow(2).mean(0).add(1e-8).sqrt().mean(1)  # (N/g,)
        return self.linear(torch.cat([h, s.repeat(g)[:, None].to(h.dtype)], 1))


class MinibatchDiscrimination(nn.Module):
    """f (N, A) → [f, o] (N, A + B): o(x_i)_b = Σ_{j≠i} exp(−‖M_{i,b} − M_{j,b}‖_L1), M_i = f(x_i)·T, T ∈ R^{A×B×C}
    (Salimans et al. 2016, §3.2). Each sample's own term (always 1) is left out."""

    def __init__(self, features: int, kernels: int, dim: int = MBDISC_DIM):
        super().__init__()
        self.T = nn.Parameter(torch.randn(features, kernels, dim) * MBDISC_INIT)  # (A, B, C)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        a, b, c = self.T.shape
        m = (h.float() @ self.T.float().view(a, b * c)).view(-1, b, c)  # (N, B, C)
        dist = (m[:, None] - m[None]).abs().sum(3)  # (N, N, B): ‖M_{i,b} − M_{j,b}‖_L1
        others = 1 - torch.eye(len(h), device=h.device, dtype=dist.dtype)[:, :, None]  # j ≠ i
        o = (torch.exp(-dist) * others).sum(1)  # (N, B)
        return torch.cat([h, o.to(h.dtype)], 1)


class MinibatchDiscHead(nn.Module):
    """D's final layer ``head`` (a dense layer, or ``MinibatchStdHead``) on [h, o(h)], o the minibatch features."""

    def __init__(self, features: int, kernels: int, head: nn.Module):
        super().__init__()
        self.mbdisc = MinibatchDiscrimination(features, kernels)
        self.head = head

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.head(self.mbdisc(h))


def apply(cfg, family, nets: dict[str, nn.Module], class_names=()) -> dict:
    """The family's networks with the remedies of ``cfg`` built in: with ``--pack k`` a D for k·C channels (built the
    way the family builds its own), with ``--mbstd`` D's final layer on its features and their minibatch deviation,
    with ``--mbdisc B`` on its features and their B minibatch-discrimination features (both: [h, o(h)] and then the
    deviation of those)."""
    from .registry import family_networks

    nets = dict(nets)
    k = _pack(cfg)
    if k > 1:  # (C, S, S) images, or 2D points
        shape = (k * cfg.channels, cfg.image_size, cfg.image_size) if cfg.image_size else (k * 2,)
        nets["D"] = family_networks(family, cfg, shape, class_names)[0]["D"]
    kernels, mbstd = mbdisc_of(cfg), bool(getattr(cfg, "mbstd", False))
    if kernels or mbstd:
        D = nets["D"]
        spectral, a = hasattr(D.head, "weight_orig"), D.head.in_features
        if mbstd:
            head = MinibatchStdHead(a + kernels, spectral)
        else:
            head = nn.Linear(a + kernels, 1)
            head = nn.utils.spectral_norm(head) if spectral else head
        D.head = MinibatchDiscHead(a, kernels, head) if kernels else head
    return nets


def eager(speed, cfg):
    """The speed choice with the gradient penalties' double backward in mind: no compile, no CUDA graph, plain
    layout (as ``runtime.Speed.choose`` does for WGAN-GP's penalty)."""
    if _w(cfg, "r1") <= 0 and _w(cfg, "r2") <= 0:
        return speed
    return dataclasses.replace(speed, compile=False, graph=False, memory_format=torch.contiguous_format)


def watch(cfg, dist, real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``real`` and ``fake`` made to record their gradient when R1 / R2 is on, so that D's own scores of them give the
    penalties (one pass, as the official R3GAN). Under torchrun the penalties take a pass of their own on the plain
    module (DDP does not double-backward): the batches are left alone."""
    if dist is not None:
        return real, fake
    if _w(cfg, "r1") > 0:
        real = real.detach().requires_grad_(True)
    if _w(cfg, "r2") > 0:
        fake = fake.detach().requires_grad_(True)
    return real, fake


def zero_centred(critic, x: torch.Tensor, y: torch.Tensor | None = None, out: torch.Tensor | None = None) -> torch.Tensor:
    """E‖∇ₓD(x)‖² (R1 on real ``x``, R2 on generated ``x``), differentiable for D's update; ``out``: D's scores of
    ``x`` already computed from an ``x`` that records its gradient (else a pass of its own)."""
    if out is None or not x.requires_grad:
        x = x.detach().float().requires_grad_(True)
        out = critic(x, y)[0]
    (grad,) = torch.autograd.grad(out.float().sum(), x, create_graph=True)
    return grad.float().pow(2).flatten(1).sum(1).mean()


def d_penalties(cfg, critic, real: torch.Tensor, fake: torch.Tensor, y: torch.Tensor | None, stats: dict,
                r: torch.Tensor | None = None, f: torch.Tensor | None = None,
                scale: float = 1.0) -> torch.Tensor | None:
    """γ₁/2·R1 + γ₂/2·R2 for D's loss (None when both are off), each logged before its weight; ``r``, ``f``: D's
    scores of ``real`` and ``fake`` (``watch``); ``scale``: a factor on both γ (``--lr-decay anneal``)."""
    total = None
    for key, x, out in (("r1", real, r), ("r2", fake, f)):
        gamma = _w(cfg, key) * scale
        if gamma > 0:
            pen = zero_centred(critic, x, y, out)
            stats[key] = pen.detach()
            total = gamma / 2 * pen if total is None else total + gamma / 2 * pen
    return total


def feature_matching(D: nn.Module, pack: int, real: torch.Tensor, fake: torch.Tensor,
                     y: torch.Tensor | None = None) -> torch.Tensor:
    """‖E f(x) − E f(G(z))‖², f = D's last features (its trunk's output), the mean over the batch."""
    with torch.no_grad():
        f_real = D.features(packed(real, pack), y).float().mean(0)
    f_fake = D.features(packed(fake, pack), y).float().mean(0)
    return (f_real - f_fake).pow(2).sum()


def g_reads_reals(cfg) -> bool:
    """Whether the remedies' G terms read real images (feature matching does)."""
    return _w(cfg, "feature_matching") > 0


def g_terms(cfg, D: nn.Module, real: torch.Tensor | None, fake: torch.Tensor, y: torch.Tensor | None,
            stats: dict) -> torch.Tensor | None:
    """What the remedies add to G's loss: λ·feature matching (None when off)."""
    lam = _w(cfg, "feature_matching")
    if lam <= 0 or real is None:
        return None
    fm = feature_matching(D, _pack(cfg), real, fake, y)
    stats["feature_matching"] = fm.detach()
    return lam * fm
