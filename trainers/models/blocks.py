"""Pieces every single-generator family shares: the generator wrapper that turns a latent dict into its flat
input, the discriminator head (real/fake score, class conditioning) and the DCGAN weight init.

The networks themselves live in one file per family (``dcgan.py``, ``gan.py``, ...); these wrappers only
attach what sits around a *body* (which maps a flat vector to a sample) and a *trunk* (which maps a sample to
a feature vector). Below them, the layers of ProGAN that StyleGAN reuses (equalised learning rate, pixel norm,
minibatch standard deviation).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import spectral_norm

from ..inputs import InputSpec


def sn_if(spectral: bool):
    """``spectral_norm`` when asked (Miyato et al. 2018), else the identity: ``sn_if(flag)(nn.Conv2d(...))``."""
    return spectral_norm if spectral else (lambda m: m)


class Generator(nn.Module):
    """G(latent): the input descriptor flattens the latent dict (z ‖ one-hot class ‖ codes ...), the body maps it
    to a sample. ``forward`` takes the parts as keyword arguments so DDP and torch.compile see plain tensors."""

    def __init__(self, body: nn.Module, inputs: InputSpec):
        super().__init__()
        self.body = body
        self.inputs = inputs

    @property
    def layout(self) -> InputSpec:  # the name earlier code uses
        return self.inputs

    def forward(self, z: torch.Tensor, label: torch.Tensor | None = None, cat: torch.Tensor | None = None,
                cont: torch.Tensor | None = None, **parts: torch.Tensor) -> torch.Tensor:
        latent = {"z": z, **parts}
        for key, v in (("label", label), ("cat", cat), ("cont", cont)):
            if v is not None:
                latent[key] = v
        return self.body(self.inputs.flatten(latent, z.dtype))

    def generate(self, latent: dict[str, torch.Tensor]) -> torch.Tensor:
        return self(**latent)

    def from_flat(self, h: torch.Tensor) -> torch.Tensor:
        """G on flat input vectors (N, in_dim), e.g. the explorer's soft blends between classes or codes."""
        return self.body(h)

    def first_features(self, h: torch.Tensor) -> torch.Tensor:
        """The activations after the body's first block for flat inputs (GANSpace's PCA space)."""
        first = getattr(self.body, "first_block", None)
        return first(h) if first is not None else self.body(h)


class Discriminator(nn.Module):
    """D(x, y) → one raw score per sample.

    ``conditioning``: "none"; "concat" (cGAN, Mirza & Osindero 2014: the one-hot label joins the input, as
    extra constant channels for images); "projection" (Miyato & Koyama 2018: D(x, y) = ψ(φ(x)) + ⟨e_y, φ(x)⟩).
    """

    def __init__(self, trunk: nn.Module, num_classes: int = 0, conditioning: str = "none", spectral: bool = False,
                 label_as_channels: bool = False):
        super().__init__()
        sn = sn_if(spectral)
        self.trunk = trunk
        self.head = sn(nn.Linear(trunk.out_dim, 1))
        self.conditioning = conditioning
        self.num_classes = num_classes
        self.label_as_channels = label_as_channels
        if conditioning == "projection":
            self.embed = sn(nn.Embedding(num_classes, trunk.out_dim))

    def features(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if self.conditioning == "concat":
            onehot = F.one_hot(y, self.num_classes).to(x.dtype)
            if self.label_as_channels:
                x = torch.cat([x, onehot[:, :, None, None].expand(-1, -1, x.shape[2], x.shape[3])], 1)
            else:
                x = torch.cat([x.flatten(1), onehot], 1)
        return self.trunk(x)

    def score(self, h: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        out = self.head(h).squeeze(1)
        if self.conditioning == "projection":
            out = out + (self.embed(y) * h).sum(1)
        return out

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.score(self.features(x, y), y)


def label_inputs(cond_classes: int, conditioning: str) -> int:
    """Extra input channels/values a concat-conditioned D gets for the label (0 otherwise)."""
    return cond_classes if conditioning == "concat" else 0


def dcgan_init(m: nn.Module) -> None:
    """DCGAN paper init: conv weights ~ N(0, 0.02), BN weights ~ N(1, 0.02), BN bias 0."""
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        w = getattr(m, "weight_orig", m.weight)
        nn.init.normal_(w, 0.0, 0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


# -- the layers of ProGAN (Karras et al. 2017) that StyleGAN reuses ---------------------------------------------
MBSTD_GROUP = 4


class EqConv2d(nn.Module):
    """A conv with an equalised learning rate: w ~ N(0, 1), used as w · gain/√fan_in; bias from 0."""

    def __init__(self, cin: int, cout: int, k: int, padding: int = 0, gain: float = math.sqrt(2)):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin, k, k))
        self.bias = nn.Parameter(torch.zeros(cout))
        self.scale = gain / math.sqrt(cin * k * k)
        self.padding = padding

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.padding)


class EqLinear(nn.Module):
    """A dense layer with an equalised learning rate (as ``EqConv2d``)."""

    def __init__(self, cin: int, cout: int, gain: float = math.sqrt(2)):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin))
        self.bias = nn.Parameter(torch.zeros(cout))
        self.scale = gain / math.sqrt(cin)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.scale, self.bias)


def pixel_norm(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Each position's feature vector divided by its RMS over channels: x / √(mean_c x² + ε)."""
    return x * torch.rsqrt(x.pow(2).mean(1, keepdim=True) + eps)


def minibatch_stddev(x: torch.Tensor, group: int = MBSTD_GROUP) -> torch.Tensor:
    """x (N, C, H, W) with one channel more: for each group of ``group`` samples (sample i in group i mod N/g),
    the standard deviation of every feature over the group, averaged over features and positions."""
    n, c, h, w = x.shape
    g = min(group, n)
    if n % g:
        g = n  # a batch the group does not divide: one group of all
    y = x.float().view(g, -1, c, h, w)
    y = (y - y.mean(0)).pow(2).mean(0).add(1e-8).sqrt()  # (N/g, C, H, W)
    y = y.mean((1, 2, 3)).view(-1, 1, 1, 1).to(x.dtype)  # (N/g, 1, 1, 1)
    return torch.cat([x, y.repeat(g, 1, h, w)], 1)
