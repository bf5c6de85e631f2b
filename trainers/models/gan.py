"""The vanilla GAN (Goodfellow et al. 2014): MLPs for G and D, the BCE game (minimax or non-saturating G loss).

Its MLPs are also what WGAN, WGAN-GP, LSGAN and the hinge-loss family use on 2D points, and what the
label-concatenating cGAN uses on images.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..catalog import FAMILY_TITLES
from ..inputs import InputSpec
from .blocks import Discriminator, Generator, label_inputs, sn_if
from .dcgan import BCE_STATS, z_only
from .dcgan import networks as conv_networks
from ..registry import ADAM, MLP_SIZES, Family, register


class MLPGenerator(nn.Module):
    """vector → Linear+BN+ReLU blocks → out (tanh for images, linear for points)."""

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

    def first_block(self, h: torch.Tensor) -> torch.Tensor:
        """The first hidden layer's activations (Linear, BN, ReLU)."""
        return self.net[:3](h) if len(self.net) > 3 else self(h)


class MLPTrunk(nn.Module):
    """flatten → Linear + LeakyReLU(0.2) blocks (the discriminator's body)."""

    def __init__(self, in_dim: int, hidden: tuple[int, ...], spectral: bool = False):
        super().__init__()
        sn = sn_if(spectral)
        layers: list[nn.Module] = [nn.Flatten()]
        d = in_dim
        for h in hidden:
            layers += [sn(nn.Linear(d, h)), nn.LeakyReLU(0.2, True)]
            d = h
        self.net = nn.Sequential(*layers)
        self.out_dim = d

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def networks(cfg, sample_shape: tuple[int, ...], inputs: InputSpec, *, spectral: bool = False,
             conditioning: str = "none", **_) -> dict[str, nn.Module]:
    """G and D for images (flattened; hidden 4w, 8w, 16w / 8w, 4w) or 2D points (three layers of 2w)."""
    is_image = len(sample_shape) == 3
    w = cfg.width
    hidden_g = (w * 4, w * 8, w * 16) if is_image else (w * 2,) * 3
    hidden_d = (w * 8, w * 4) if is_image else (w * 2,) * 3
    g_body = MLPGenerator(inputs.in_dim, sample_shape, hidden_g, tanh=is_image)
    trunk = MLPTrunk(math.prod(sample_shape) + label_inputs(inputs.num_classes, conditioning), hidden_d, spectral)
    return {"G": Generator(g_body, inputs),
            "D": Discriminator(trunk, inputs.num_classes, conditioning, spectral, label_as_channels=False)}


def conv_or_mlp(cfg, sample_shape: tuple[int, ...], inputs: InputSpec, **options) -> dict[str, nn.Module]:
    """DCGAN's conv nets for images, these MLPs for 2D points (the loss-variant families use both)."""
    build = conv_networks if len(sample_shape) == 3 else networks
    return build(cfg, sample_shape, inputs, **options)


register(Family(
    "gan", FAMILY_TITLES["gan"], algorithm="adversarial",
    networks=networks, inputs=z_only, defaults=dict(ADAM), stats=BCE_STATS,
    data_kinds=("image", "points"), image_sizes=MLP_SIZES, options={"loss": "bce", "arch": "mlp"},
))
