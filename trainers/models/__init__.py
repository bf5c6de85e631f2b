"""The model registry: each family's networks, loss and default recipe, built from a resolved config."""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import nn

from .heads import Discriminator, Generator, LatentLayout, QHead
from .nets import CONV_SIZES, ConvGenerator, ConvTrunk, MLPGenerator, MLPTrunk


@dataclass(frozen=True)
class ModelSpec:
    """One entry of ``ganstudio list``: what the family is and the recipe it trains with by default."""

    name: str
    title: str
    loss: str  # key of trainers.losses.LOSSES
    arch: str = "auto"  # "mlp" | "conv" | "auto" (conv for images, MLP for 2D points)
    conditioning: str = "none"  # "none" | "concat" | "projection"
    info: bool = False  # InfoGAN codes + Q head
    d_norm: str = "batch"
    spectral: bool = False
    optimizer: str = "adam"
    defaults: dict = field(default_factory=dict)

    @property
    def needs_labels(self) -> bool:
        return self.conditioning != "none"


_ADAM = {"lr_g": 2e-4, "lr_d": 2e-4, "beta1": 0.5, "beta2": 0.999, "batch_size": 64, "n_critic": 1, "z_dim": 100}
MODELS: dict[str, ModelSpec] = {m.name: m for m in (
    ModelSpec("gan", "Vanilla GAN, MLP (Goodfellow et al. 2014)", "bce", arch="mlp", defaults=dict(_ADAM)),
    ModelSpec("dcgan", "DCGAN (Radford et al. 2015)", "bce", arch="conv", defaults=dict(_ADAM, batch_size=128)),
    ModelSpec("cgan", "Conditional GAN, MLP, label concatenated (Mirza & Osindero 2014)", "bce", arch="mlp",
              conditioning="concat", defaults=dict(_ADAM)),
    ModelSpec("cdcgan", "Conditional DCGAN, label concatenated to z and as image channels", "bce", arch="conv",
              conditioning="concat", defaults=dict(_ADAM, batch_size=128)),
    ModelSpec("cgan-proj", "Conditional GAN with a projection discriminator (Miyato & Koyama 2018)", "hinge",
              arch="conv", conditioning="projection", d_norm="none", spectral=True,
              defaults=dict(_ADAM, beta1=0.0, beta2=0.9, batch_size=64)),
    ModelSpec("infogan", "InfoGAN: categorical + continuous codes, Q shares D's trunk (Chen et al. 2016)", "bce",
              arch="conv", info=True,
              defaults=dict(_ADAM, lr_g=1e-3, lr_d=2e-4, batch_size=128, z_dim=62, cat_codes=10, cont_codes=2,
                            info_weight=1.0, cont_weight=0.5)),
    ModelSpec("wgan", "WGAN: weight clipping + RMSProp, n_critic=5 (Arjovsky et al. 2017)", "wasserstein",
              optimizer="rmsprop", defaults=dict(_ADAM, lr_g=5e-5, lr_d=5e-5, n_critic=5, clip=0.01)),
    ModelSpec("wgan-gp", "WGAN-GP: gradient penalty λ=10, critic without BatchNorm (Gulrajani et al. 2017)",
              "wasserstein", d_norm="layer",
              defaults=dict(_ADAM, lr_g=1e-4, lr_d=1e-4, beta1=0.0, beta2=0.9, n_critic=5, gp_weight=10.0)),
    ModelSpec("lsgan", "LSGAN: least-squares loss (Mao et al. 2017)", "ls", defaults=dict(_ADAM)),
    ModelSpec("hinge", "Hinge loss with a spectrally normalised D (SNGAN, Miyato et al. 2018)", "hinge",
              d_norm="none", spectral=True, defaults=dict(_ADAM)),
)}


def arch_for(spec: ModelSpec, is_image: bool) -> str:
    if spec.arch == "auto":
        return "conv" if is_image else "mlp"
    return spec.arch


def build_networks(spec: ModelSpec, *, sample_shape: tuple[int, ...], num_classes: int, z_dim: int, width: int,
                   cat_codes: int = 0, cont_codes: int = 0) -> dict[str, nn.Module]:
    """G, D (and Q for InfoGAN) for a sample shape: (C, S, S) images or (D,) points."""
    is_image = len(sample_shape) == 3
    arch = arch_for(spec, is_image)
    layout = LatentLayout(z_dim, num_classes if spec.needs_labels else 0,
                          (cat_codes,) if spec.info and cat_codes else (), cont_codes if spec.info else 0)
    cond_classes = num_classes if spec.needs_labels else 0
    if arch == "conv":
        c, s, _ = sample_shape
        g_body = ConvGenerator(layout.in_dim, s, c, width)
        in_ch = c + (cond_classes if spec.conditioning == "concat" else 0)
        trunk = ConvTrunk(s, in_ch, width, spec.d_norm, spec.spectral)
    else:
        n_out = 1
        for d in sample_shape:
            n_out *= d
        points = not is_image
        hidden_g = (width * 2,) * 3 if points else (width * 4, width * 8, width * 16)
        hidden_d = (width * 2,) * 3 if points else (width * 8, width * 4)
        g_body = MLPGenerator(layout.in_dim, sample_shape, hidden_g, tanh=is_image)
        extra = cond_classes if spec.conditioning == "concat" else 0
        trunk = MLPTrunk(n_out + extra, hidden_d, spectral=spec.spectral)
    nets: dict[str, nn.Module] = {
        "G": Generator(g_body, layout),
        "D": Discriminator(trunk, cond_classes, spec.conditioning, spec.spectral, label_as_channels=arch == "conv"),
    }
    if spec.info:
        nets["Q"] = QHead(trunk.out_dim, layout)
    return nets


__all__ = ["MODELS", "ModelSpec", "build_networks", "arch_for", "CONV_SIZES", "Generator", "Discriminator",
           "LatentLayout", "QHead"]
