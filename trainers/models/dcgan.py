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
from ..errors import ConfigError
from ..inputs import InputSpec, latent_layout
from .blocks import Discriminator, Generator, dcgan_init, label_inputs, sn_if
from ..registry import ADAM, CONV_SIZES, Family, register


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

    ``spectral`` wraps every transposed conv in spectral normalisation; ``extra(side, ch)`` gives modules to put
    after each block that ends at ``side`` × ``side`` with ``ch`` channels (SAGAN's self-attention).
    """

    def __init__(self, in_dim: int, size: int, channels: int, width: int = 64, *, spectral: bool = False,
                 extra=None):
        super().__init__()
        if size not in CONV_SIZES:
            raise ValueError(f"conv generators make {CONV_SIZES} px images, not {size}")
        sn = sn_if(spectral)
        extra = extra or (lambda side, ch: [])
        side = _start_side(size)
        n_up = int(math.log2(size // side))
        ch = width * 2 ** (n_up - 1)
        # in × 1 × 1 → ch × s0 × s0
        layers: list[nn.Module] = [sn(nn.ConvTranspose2d(in_dim, ch, side, 1, 0, bias=False)), nn.BatchNorm2d(ch),
                                   nn.ReLU(True), *extra(side, ch)]
        for _ in range(n_up - 1):  # each doubles the side and halves the channels
            layers += [sn(nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=False)), nn.BatchNorm2d(ch // 2), nn.ReLU(True)]
            ch //= 2
            side *= 2
            layers += extra(side, ch)
        layers += [sn(nn.ConvTranspose2d(ch, channels, 4, 2, 1, bias=False)), nn.Tanh()]  # C × size × size
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


class FCGenerator(nn.Module):
    """The DCGAN authors' MNIST generator (dcgan_code's mnist/train_cond_dcgan.py, reused by InfoGAN's paper): two
    fully connected layers, then two transposed convs, for S = 28 (7 → 14 → 28), 32 or 64 px (S/4 → S/2 → S).

    in → fc 16w → BN → ReLU → fc 2w·(S/4)² → BN → ReLU → (2w × S/4²) → deconv w → BN → ReLU → deconv C → tanh
    (w = 64: 1024, 128 × 7 × 7, 64 × 14 × 14 at 28 px)
    """

    def __init__(self, in_dim: int, size: int, channels: int, width: int = 64):
        super().__init__()
        s0 = size // 4
        self.s0, self.ch = s0, 2 * width
        self.fc = nn.Sequential(
            nn.Linear(in_dim, 16 * width), nn.BatchNorm1d(16 * width), nn.ReLU(True),  # 1024
            nn.Linear(16 * width, self.ch * s0 * s0), nn.BatchNorm1d(self.ch * s0 * s0), nn.ReLU(True))
        self.net = nn.Sequential(  # 128 × S/4 × S/4
            nn.ConvTranspose2d(self.ch, width, 4, 2, 1), nn.BatchNorm2d(width), nn.ReLU(True),  # 64 × S/2 × S/2
            nn.ConvTranspose2d(width, channels, 4, 2, 1), nn.Tanh())  # C × S × S
        self.apply(dcgan_init)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.net(self.fc(h).view(h.shape[0], self.ch, self.s0, self.s0))

    def first_block(self, h: torch.Tensor) -> torch.Tensor:
        """The 16w units after the first fully connected layer (GANSpace's PCA space)."""
        return self.fc[:3](h)


class FCTrunk(nn.Module):
    """The DCGAN authors' MNIST discriminator body: (C, S, S) → 16w features.

    conv w → LReLU → conv 2w → BN → LReLU → fc 16w → BN → LReLU (w = 64: 64, 128, 1024)
    """

    def __init__(self, size: int, channels: int, width: int = 64, slope: float = 0.2):
        super().__init__()
        s4 = size // 4
        self.net = nn.Sequential(
            nn.Conv2d(channels, width, 4, 2, 1), nn.LeakyReLU(slope, True),  # 64 × S/2 × S/2
            nn.Conv2d(width, 2 * width, 4, 2, 1), nn.BatchNorm2d(2 * width), nn.LeakyReLU(slope, True),  # 128 × S/4²
            nn.Flatten(), nn.Linear(2 * width * s4 * s4, 16 * width), nn.BatchNorm1d(16 * width),
            nn.LeakyReLU(slope, True))  # 1024
        self.out_dim = 16 * width
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


def mnist_networks(cfg, sample_shape: tuple[int, ...], inputs: InputSpec) -> dict[str, nn.Module]:
    """G and D of the DCGAN authors' MNIST code (``--arch mnist``)."""
    c, s, _ = sample_shape
    g_body = FCGenerator(inputs.in_dim, s, c, cfg.width)
    return {"G": Generator(g_body, inputs), "D": Discriminator(FCTrunk(s, c, cfg.width))}


def check(cfg) -> None:
    if cfg.arch == "mnist" and cfg.image_size not in (28, 32, 64):
        raise ConfigError(f"dcgan's MNIST nets make 28, 32 or 64 px images, not {cfg.image_size}: pass --image-size "
                          "28, 32 or 64, or leave --arch out for the conv nets", field='image_size')


def sefa_weight(G: Generator) -> torch.Tensor:
    """SeFa's A (``trainers/directions_sefa.py``): G's first layer as (outputs, inputs), the linear map of its input
    that the rest reads (the MNIST nets' first dense layer; the conv nets' first transposed conv, one row per output
    channel and position). Under spectral norm, the raw weight: A's scale does not change SeFa's directions."""
    first = G.body.fc[0] if hasattr(G.body, "fc") else G.body.net[0]
    w = getattr(first, "weight_orig", first.weight).detach()
    return w.flatten(1).T if isinstance(first, nn.ConvTranspose2d) else w


def z_only(cfg, class_names=()) -> InputSpec:
    """z ~ N(0, I) of ``z_dim`` values: the input of every unconditional family."""
    return latent_layout(cfg.z_dim)


BCE_STATS = ("loss_d", "loss_g", "d_real", "d_fake", "d_acc")

register(Family(
    "dcgan", FAMILY_TITLES["dcgan"], algorithm="adversarial",
    networks=networks, inputs=z_only, defaults=dict(ADAM, batch_size=128, arch="conv"), stats=BCE_STATS,
    # Quick start's recipe, and `ganstudio train` with no flags: the DCGAN authors' MNIST nets at width 16, G at
    # 2e-3 (D keeps 2e-4), batch 64. On an idle 2-core CPU its grid of 64 first reads (>= 80% at p >= 0.9, 9+
    # digits, none above 30%) after 14 s and 9 s (seeds 0, 1) where width 32 with G at 1e-3 took 34 s on both, and
    # at 2,000 steps it scores better too: domain FID 12.6 against 16.0, precision 0.77 against 0.73, recall 0.84 on
    # both (tests/benchmarks/bench_quality.py --ours-only; README "Quick start")
    # The same on any grey images of 32 px or less (a folder of the user's own): on real MNIST written as 10,000 PNG
    # files an independent LeNet read 0.56 of 1,000 samples at step 400 and 0.71 at 1,000, where the paper's conv
    # nets (width 64, G 2e-4, batch 128) read 0.30 at 500 and 0.35 at 800 (issue 39)
    recipes={"digits": dict(arch="mnist", width=16, lr_g=2e-3, batch_size=64),
             "small-grey": dict(arch="mnist", width=16, lr_g=2e-3, batch_size=64)},
    variants={"conv": networks, "mnist": mnist_networks}, legacy_arch="conv", check=check,
    options={"loss": "bce", "arch": "conv"}, probes={"sefa_weight": sefa_weight},
))
