"""Network bodies shared by the families: MLP and DCGAN-style conv generators and discriminator trunks.

A *trunk* maps a sample to a feature vector; heads (real/fake, class projection, InfoGAN's Q) sit on it.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils import spectral_norm

CONV_SIZES = (28, 32, 64)


def _start_side(size: int) -> int:
    return 7 if size == 28 else 4


def _norm2d(kind: str, ch: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(ch)
    if kind == "layer":  # normalises over (C, H, W) per sample: safe with a gradient penalty
        return nn.GroupNorm(1, ch)
    return nn.Identity()


class ConvGenerator(nn.Module):
    """DCGAN generator (Radford et al. 2015): a vector → transposed convs with BN + ReLU → tanh image.

    64 px: in → (w·8)×4×4 → (w·4)×8×8 → (w·2)×16×16 → w×32×32 → C×64×64
    32 px: in → (w·4)×4×4 → (w·2)×8×8 → w×16×16 → C×32×32
    28 px: in → (w·2)×7×7 → w×14×14 → C×28×28
    """

    def __init__(self, in_dim: int, size: int, channels: int, width: int = 64):
        super().__init__()
        if size not in CONV_SIZES:
            raise ValueError(f"conv generators make {CONV_SIZES} px images, not {size}")
        s0 = _start_side(size)
        n_up = int(math.log2(size // s0))
        ch = width * 2 ** (n_up - 1)
        layers: list[nn.Module] = [nn.ConvTranspose2d(in_dim, ch, s0, 1, 0, bias=False), nn.BatchNorm2d(ch), nn.ReLU(True)]
        for _ in range(n_up - 1):
            layers += [nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ch // 2), nn.ReLU(True)]
            ch //= 2
        layers += [nn.ConvTranspose2d(ch, channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.apply(dcgan_init)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.net(h[:, :, None, None])


class ConvTrunk(nn.Module):
    """DCGAN discriminator body: strided convs + LeakyReLU(0.2) down to the start side, flattened.

    64 px: C×64×64 → w×32×32 → (w·2)×16×16 → (w·4)×8×8 → (w·8)×4×4
    28 px: C×28×28 → w×14×14 → (w·2)×7×7
    ``norm``: "batch" (DCGAN), "layer" (WGAN-GP critic: no BatchNorm), "none"; ``spectral`` wraps every conv
    in spectral normalisation (Miyato et al. 2018).
    """

    def __init__(self, size: int, channels: int, width: int = 64, norm: str = "batch", spectral: bool = False):
        super().__init__()
        if size not in CONV_SIZES:
            raise ValueError(f"conv discriminators take {CONV_SIZES} px images, not {size}")
        s0 = _start_side(size)
        n_down = int(math.log2(size // s0))
        sn = spectral_norm if spectral else (lambda m: m)
        layers: list[nn.Module] = [sn(nn.Conv2d(channels, width, 4, 2, 1)), nn.LeakyReLU(0.2, True)]
        ch = width
        for _ in range(n_down - 1):
            layers += [sn(nn.Conv2d(ch, ch * 2, 4, 2, 1, bias=norm == "none")), _norm2d(norm, ch * 2),
                       nn.LeakyReLU(0.2, True)]
            ch *= 2
        layers.append(nn.Flatten())
        self.net = nn.Sequential(*layers)
        self.out_dim = ch * s0 * s0
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class MLPGenerator(nn.Module):
    """Vanilla GAN generator: vector → Linear+BN+ReLU blocks → out (tanh for images, linear for points)."""

    def __init__(self, in_dim: int, out_shape: tuple[int, ...], hidden: tuple[int, ...], tanh: bool,
                 batch_norm: bool = True):
        super().__init__()
        layers: list[nn.Module] = []
        d = in_dim
        for h in hidden:
            layers += [nn.Linear(d, h)] + ([nn.BatchNorm1d(h)] if batch_norm else []) + [nn.ReLU(True)]
            d = h
        layers.append(nn.Linear(d, math.prod(out_shape)))
        if tanh:
            layers.append(nn.Tanh())
        self.net = nn.Sequential(*layers)
        self.out_shape = tuple(out_shape)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.net(h).view(h.shape[0], *self.out_shape)


class MLPTrunk(nn.Module):
    """Vanilla GAN discriminator body: flatten → Linear + LeakyReLU(0.2) blocks."""

    def __init__(self, in_dim: int, hidden: tuple[int, ...], spectral: bool = False):
        super().__init__()
        sn = spectral_norm if spectral else (lambda m: m)
        layers: list[nn.Module] = [nn.Flatten()]
        d = in_dim
        for h in hidden:
            layers += [sn(nn.Linear(d, h)), nn.LeakyReLU(0.2, True)]
            d = h
        self.net = nn.Sequential(*layers)
        self.out_dim = d

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


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
