"""R3GAN (Huang, Gokaslan, Kuleshov & Tompkin 2025, "The GAN is dead; long live the GAN! A Modern GAN Baseline"):
a well-behaved loss and a modern ResNet instead of a bag of tricks.

The loss is the relativistic pairing GAN (RpGAN) with both zero-centred gradient penalties (``losses.rp_d``,
``remedies.d_penalties``), trained by the "adversarial" algorithm like every one-G-one-D family:

    (1) Update D: minimise E softplus(−(D(x) − D(G(z)))) + γ/2·(E‖∇ₓD(x)‖² + E‖∇D(G(z))‖²)   (RpGAN + R1 + R2)
    (2) Update G: minimise E softplus(−(D(G(z)) − D(x)))

The networks follow the official code (github.com/brownvc/R3GAN, ``R3GAN/Networks.py``), scaled down for 28–32 px on a
CPU. Stages of side s0 → 2·s0 → ... → S (s0 = 7 for 28 px, 4 for 32), each one residual block (the paper's CIFAR
preset has two), w = ``--width``; channels 2w at the two coarsest stages and w above:

    G: z (64) → linear to a full 7×7 (4×4) map per channel (--arch basis: × a learnt basis, as the official) → [block]
       → (1×1 conv, bilinear ×2 [1,3,3,1]) → [block] ...
       → 1×1 conv to C channels (no tanh, as the official)
    D: C → 1×1 conv → [block] → (low-pass ↓2 [1,3,3,1], 1×1 conv) → ... → [block] → depthwise s0×s0 conv → linear

    block: x + conv1×1(φ(conv3×3 grouped(φ(conv1×1(x)))))   φ = bias + LeakyReLU(0.2)
           an inverted bottleneck (channels ×2 inside), grouped convolutions of 16 channels a group, no
           normalisation layer; weights ~ N(0, gain/√fan_in) with the gain divided by L^(1/4) (L blocks in all, the
           paper's variance scaling) and the last conv of each residual branch initialised to zero (fix-up style),
           so every block starts as the identity.

Recipe (official CIFAR-10 preset, where not scaled): Adam β = (0, 0.9) (β2's cosine ramp to 0.99 over 20M images
and lr's barely begin in a CPU run: both are held at their start), z of 64. Scaled: batch 64 (the preset's 512),
widths 32/16 (768), one block per stage (two), an EMA of G with decay 0.999 (the official half-life ramps from 0 to
5M images), no augmentation (60,000 images), and for these narrow nets lr 2e-3 for G and D (the preset's 2e-4) with
γ = 10 for R1 and R2 (its 0.05): on digits-stacked the preset's values collapse (221 of 880 possible numbers in
2,000 fakes at step 400), and of the probes in ``assets/models/rebuild.py`` (lr 1e-3 or 2e-3, D slower, γ 1, width
32) only lr 2e-3 with γ 10 kept covering more numbers as it trained. A grouped conv of 16 channels moves little per
Adam step where the preset's are 768 wide, and the strong zero-centred penalty keeps D from racing ahead of G.
For the preset's values at the earlier scale: ``--lr-g 2e-4 --lr-d 2e-4 --r1 0.05 --r2 0.05 --width 32``.

``--arch`` (the start of G; the default is ``dense``): ``basis`` is the official generative basis, each of the 2w
channels at s0×s0 one learnt map scaled by one number of z's projection, so the whole first map has 2w degrees of
freedom (the preset's 768 at 4×4). At w = 16 those 32 numbers tie the three channels of a stacked digit together:
its bundle drew each channel's digits evenly (KL within R, G, B 0.02–0.04) but 0.525 of its KL 0.598 to uniform was
channels tied (``metrics.modes.kl_parts``). ``dense`` projects z to a full s0×s0 map per channel (DCGAN's stem), the
rest unchanged: counted on 2,000 fakes at step 1,000 (seed 0) it drew 697 numbers at KL 0.64, where the basis drew
482 at KL 1.21 (and 643 at KL 0.78 by step 5,000), its tied part 0.41 against the basis' 0.71 (2,000 fakes tie
≈ 0.24 by chance alone); at 6,000 steps it covers all 1,000 modes over 26,000 fakes at KL 0.154, ties 0.049, at
9,000 KL 0.085, ties 0.037, at 12,000 KL 0.064, ties 0.039, at 24,000 with the rates falling to 0 over the last
2,000 (the bundled ``r3gan-stacked``) KL 0.036, ties 0.032; annealed from 6,000 to 9,000 instead (``--lr-decay
anneal``, the official schedulers) KL 0.095: the steps count, not the schedule. ``wide`` (4w channels at the coarsest
stage, G and D) evened the channels but tied them (0.74 at step 500, dense 0.38) and ``wide-dense`` combines the two.
"""

from __future__ import annotations

import math
from functools import partial

import torch
import torch.nn.functional as F
from torch import nn

from ..catalog import FAMILY_TITLES
from ..inputs import InputSpec
from .blocks import Discriminator, Generator
from .dcgan import z_only
from .registry import Family, register

GROUP_CHANNELS = 16  # channels per group of the grouped 3×3 conv (the CIFAR preset's 1536 / 96)
EXPANSION = 2  # the inverted bottleneck's widening
LRELU_GAIN = math.sqrt(2 / (1 + 0.2 ** 2))


def msr(layer: nn.Module, gain: float = 1.0) -> nn.Module:
    """The official MSR init: weight ~ N(0, gain / √fan_in) (gain 0: zeros), bias zero."""
    w = layer.weight
    fan_in = w.shape[1] * w[0][0].numel()
    with torch.no_grad():
        w.normal_(0, gain / math.sqrt(fan_in)) if gain else w.zero_()
        if getattr(layer, "bias", None) is not None:
            layer.bias.zero_()
    return layer


class BiasedLReLU(nn.Module):
    """φ(x) = LeakyReLU₀.₂(x + b), b per channel (the official BiasedActivation)."""

    def __init__(self, ch: int):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(ch))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(x + self.bias.view(1, -1, *([1] * (x.dim() - 2))), 0.2)


class ResidualBlock(nn.Module):
    """x + conv1×1 → φ → grouped conv3×3 → φ → conv1×1 (zero-initialised): an inverted bottleneck, no norm."""

    def __init__(self, ch: int, total_blocks: int):
        super().__init__()
        wide = ch * EXPANSION
        gain = LRELU_GAIN * total_blocks ** (-1 / (2 * 3 - 2))  # three linear layers a branch
        self.branch = nn.Sequential(
            msr(nn.Conv2d(ch, wide, 1, bias=False), gain), BiasedLReLU(wide),
            msr(nn.Conv2d(wide, wide, 3, padding=1, groups=max(1, wide // GROUP_CHANNELS), bias=False), gain),
            BiasedLReLU(wide),
            msr(nn.Conv2d(wide, ch, 1, bias=False), 0.0))  # fix-up: the block starts as the identity

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.branch(x)


def _lowpass() -> torch.Tensor:
    """The official resampling filter [1, 2, 1] convolved with [1, 1]: [1, 3, 3, 1]ᵀ[1, 3, 3, 1] / 64."""
    k = torch.tensor([1.0, 3.0, 3.0, 1.0])
    k = k[:, None] * k[None, :]
    return (k / k.sum())[None, None]


class Resample(nn.Module):
    """×2 (``up``: transposed low-pass, as bilinear interpolation) or ÷2 (low-pass, then every other pixel), each
    channel on its own; a 1×1 conv changes the channel count (before going up, after going down)."""

    def __init__(self, cin: int, cout: int, up: bool):
        super().__init__()
        self.up = up
        self.register_buffer("kernel", _lowpass(), persistent=False)
        self.linear = msr(nn.Conv2d(cin, cout, 1, bias=False)) if cin != cout else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.up and self.linear is not None:
            x = self.linear(x)
        c = x.shape[1]
        k = self.kernel.expand(c, 1, 4, 4)  # the same filter on every channel (a depthwise conv)
        if self.up:  # (h − 1)·2 − 2 + 4 = 2h
            y = F.conv_transpose2d(x, k * 4, stride=2, padding=1, groups=c)
        else:  # (h + 2 − 4)/2 + 1 = h/2
            y = F.conv2d(x, k, stride=2, padding=1, groups=c)
        if not self.up and self.linear is not None:
            y = self.linear(y)
        return y


def stage_plan(size: int, width: int, coarse: int = 2) -> tuple[int, list[int]]:
    """(start side, channels per stage from the coarsest): 2w at the two coarsest stages, w above; ``coarse``·w at
    the coarsest (``--arch wide``: 4)."""
    s0 = 7 if size == 28 else 4
    n = int(math.log2(size // s0)) + 1
    return s0, [coarse * width if i == 0 else 2 * width if i < 2 else width for i in range(n)]


class R3Generator(nn.Module):
    """z → the generative basis (a learnt s0×s0 map per channel, scaled by a linear map of z) → stages → 1×1 conv."""

    def __init__(self, in_dim: int, size: int, channels: int, width: int, coarse: int = 2, dense: bool = False):
        super().__init__()
        s0, chans = stage_plan(size, width, coarse)
        self.s0 = s0
        self.basis = None if dense else nn.Parameter(torch.randn(chans[0], s0, s0))
        self.project = msr(nn.Linear(in_dim, chans[0] * (s0 * s0 if dense else 1), bias=False))
        layers: list[nn.Module] = [ResidualBlock(chans[0], len(chans))]
        for cin, cout in zip(chans, chans[1:]):
            layers += [Resample(cin, cout, up=True), ResidualBlock(cout, len(chans))]
        self.net = nn.Sequential(*layers)
        self.to_image = msr(nn.Conv2d(chans[-1], channels, 1, bias=False))

    def start(self, h: torch.Tensor) -> torch.Tensor:
        """(N, C0, s0, s0): each channel's learnt map scaled by one number of z's projection, or (``--arch dense``)
        the projection itself, a full map per channel."""
        if self.basis is None:
            return self.project(h).view(len(h), -1, self.s0, self.s0)
        return self.basis[None] * self.project(h)[:, :, None, None]

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.to_image(self.net(self.start(h)))

    def first_block(self, h: torch.Tensor) -> torch.Tensor:
        return self.net[0](self.start(h))


class R3Trunk(nn.Module):
    """(C, S, S) → 1×1 conv → stages → the discriminative basis (a depthwise s0×s0 conv): ``out_dim`` features; the
    official last linear layer is ``Discriminator``'s head."""

    def __init__(self, size: int, channels: int, width: int, coarse: int = 2):
        super().__init__()
        s0, chans = stage_plan(size, width, coarse)
        chans = chans[::-1]  # fine to coarse
        layers: list[nn.Module] = [msr(nn.Conv2d(channels, chans[0], 1, bias=False))]
        for cin, cout in zip(chans, chans[1:]):
            layers += [ResidualBlock(cin, len(chans)), Resample(cin, cout, up=False)]
        layers += [ResidualBlock(chans[-1], len(chans)),
                   msr(nn.Conv2d(chans[-1], chans[-1], s0, groups=chans[-1], bias=False)), nn.Flatten()]
        self.net = nn.Sequential(*layers)
        self.out_dim = chans[-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class ClippedGenerator(Generator):
    """G's output is linear while it trains (D learns on it as it is, as the official); what it draws for the
    explorer, samples and scores (``generate``) is clipped to [-1, 1], as the official clips when it saves."""

    def generate(self, latent: dict[str, torch.Tensor]) -> torch.Tensor:
        return super().generate(latent).clamp(-1.0, 1.0)


def networks(cfg, sample_shape: tuple[int, ...], inputs: InputSpec, coarse: int = 2,
             dense: bool = False) -> dict[str, nn.Module]:
    """G and D for (C, S, S) images, S in 28, 32."""
    c, s, _ = sample_shape
    G = ClippedGenerator(R3Generator(inputs.in_dim, s, c, cfg.width, coarse, dense), inputs)
    D = Discriminator(R3Trunk(s, c, cfg.width, coarse))
    msr(D.head)
    return {"G": G, "D": D}


register(Family(
    "r3gan", FAMILY_TITLES["r3gan"], algorithm="adversarial", networks=networks, inputs=z_only,
    defaults=dict(lr_g=2e-3, lr_d=2e-3, beta1=0.0, beta2=0.9, batch_size=64, n_critic=1, z_dim=64, width=16,
                  r1=10.0, r2=10.0, ema=0.999, arch="dense"),  # the CPU-scale recipe (module docstring; the preset's: 2e-4, 0.05)
    variants={"basis": networks, "wide": partial(networks, coarse=4), "dense": partial(networks, dense=True),
              "wide-dense": partial(networks, coarse=4, dense=True)},
    legacy_arch="basis",
    stats=("loss_d", "loss_g", "d_real", "d_fake", "r1", "r2"), image_sizes=(28, 32),
    # it trains on `digits` when no data is named, as New Run starts there; the stacked set is named: --data digits-stacked
    options={"loss": "rpgan", "arch": "conv", "d_norm": "none"},
))
