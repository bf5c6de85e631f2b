"""DCGAN (Radford et al. 2015): the worked example of a family file.

A transposed-conv generator with BatchNorm + ReLU and a tanh output, a strided-conv discriminator with
LeakyReLU(0.2), N(0, 0.02) init, Adam 2e-4 with β1 = 0.5, the non-saturating BCE loss. Trained by the
"adversarial" algorithm (``trainers/algos/adversarial.py``): (1) update D: maximise log D(x) + log(1 − D(G(z)));
(2) update G: maximise log D(G(z)).

These conv nets are also the image networks of cDCGAN, the projection cGAN, InfoGAN, WGAN, WGAN-GP, LSGAN
and the hinge-loss SNGAN, which import ``networks`` from here with their own options.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..catalog import FAMILY_TITLES
from ..inputs import InputSpec, latent_layout
from .blocks import Discriminator, Generator, dcgan_init, label_inputs, sn_if
from .registry import ADAM, CONV_SIZES, Family, register


def _start_side(size: int) -> int:
    return 7 if size == 28 else 4


def _norm2d(kind: str, ch: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(ch)
    if kind == "layer":  # normalises over (C, H, W) per sample: safe with a gradient penalty
        return nn.GroupNorm(1, ch)
    return nn.Identity()


class ConvGenerator(nn.Module):
    """A vector → transposed convs with BN + ReLU → tanh image.

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
        # in × 1 × 1 → ch × s0 × s0
        layers: list[nn.Module] = [nn.ConvTranspose2d(in_dim, ch, s0, 1, 0, bias=False), nn.BatchNorm2d(ch),
                                   nn.ReLU(True)]
        for _ in range(n_up - 1):  # each doubles the side and halves the channels
            layers += [nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ch // 2), nn.ReLU(True)]
            ch //= 2
        layers += [nn.ConvTranspose2d(ch, channels, 4, 2, 1, bias=False), nn.Tanh()]  # C × size × size
        self.net = nn.Sequential(*layers)
        self.apply(dcgan_init)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.net(h[:, :, None, None])

    def first_block(self, h: torch.Tensor) -> torch.Tensor:
        """ch × s0 × s0 after the first transposed conv, BN and ReLU."""
        return self.net[:3](h[:, :, None, None])


class ConvTrunk(nn.Module):
    """The discriminator body: strided convs + LeakyReLU(0.2) down to the start side, flattened.

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
        sn = sn_if(spectral)
        # C × size × size → w × size/2 × size/2 (no norm on the first layer, as in the paper)
        layers: list[nn.Module] = [sn(nn.Conv2d(channels, width, 4, 2, 1)), nn.LeakyReLU(0.2, True)]
        ch = width
        for _ in range(n_down - 1):  # each halves the side and doubles the channels
            layers += [sn(nn.Conv2d(ch, ch * 2, 4, 2, 1, bias=norm == "none")), _norm2d(norm, ch * 2),
                       nn.LeakyReLU(0.2, True)]
            ch *= 2
        layers.append(nn.Flatten())  # ch · s0 · s0 features
        self.net = nn.Sequential(*layers)
        self.out_dim = ch * s0 * s0
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def networks(cfg, sample_shape: tuple[int, ...], inputs: InputSpec, *, norm: str = "batch", spectral: bool = False,
             conditioning: str = "none") -> dict[str, nn.Module]:
    """G and D for (C, S, S) images. Built in this order (G's body, D's trunk, D's head) so a seed gives the
    same initial weights as every earlier version."""
    c, s, _ = sample_shape
    g_body = ConvGenerator(inputs.in_dim, s, c, cfg.width)
    trunk = ConvTrunk(s, c + label_inputs(inputs.num_classes, conditioning), cfg.width, norm, spectral)
    return {"G": Generator(g_body, inputs),
            "D": Discriminator(trunk, inputs.num_classes, conditioning, spectral, label_as_channels=True)}


def z_only(cfg, class_names=()) -> InputSpec:
    """z ~ N(0, I) of ``z_dim`` values: the input of every unconditional family."""
    return latent_layout(cfg.z_dim)


BCE_STATS = ("loss_d", "loss_g", "d_real", "d_fake", "d_acc")

register(Family(
    "dcgan", FAMILY_TITLES["dcgan"], algorithm="adversarial",
    networks=networks, inputs=z_only, defaults=dict(ADAM, batch_size=128), stats=BCE_STATS,
    options={"loss": "bce", "arch": "conv"},
))
