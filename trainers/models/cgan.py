"""Conditional GANs: G(z, y) and D(x, y) for a class label y.

- ``cgan`` (Mirza & Osindero 2014): the one-hot label concatenated to z and to D's input. The paper's nets are
  MLPs (``--arch mlp``, and what 2D points always get); on images the default is DCGAN's conv nets with the
  label as constant image channels for D (``--arch conv``), because on a CPU budget the MLP draws the asked-for
  digit only about half the time on MNIST after 3,000 steps, the conv nets ≥ 98%. Runs from before ``--arch``
  were MLPs and load as such.
- ``cdcgan``: the same conv nets under their own name (what ``cgan --arch conv`` builds).
- ``cgan-proj`` (Miyato & Koyama 2018): a projection discriminator D(x, y) = ψ(φ(x)) + ⟨e_y, φ(x)⟩ with
  spectral norm and the hinge loss.

The fakes of a training step take the classes of the real batch they are judged against.
"""

from __future__ import annotations

from functools import partial

from ..catalog import FAMILY_TITLES
from ..errors import ConfigError
from ..inputs import InputSpec, latent_layout
from .dcgan import BCE_STATS
from .dcgan import networks as conv_networks
from .gan import networks as mlp_networks
from ..registry import ADAM, CONV_SIZES, MLP_SIZES, Family, register


def with_label(cfg, class_names=()) -> InputSpec:
    """z ‖ one-hot class label."""
    return latent_layout(cfg.z_dim, len(class_names), class_names=tuple(class_names))


def check(cfg) -> None:
    if cfg.arch == "conv" and cfg.image_size and cfg.image_size not in CONV_SIZES:
        raise ConfigError(f"cgan's conv nets make 28, 32 or 64 px images, not {cfg.image_size}: pass --image-size "
                          "28, 32 or 64, or --arch mlp for the paper's MLPs", field='image_size')
    if cfg.arch == "conv" and not cfg.image_size:
        raise ConfigError("cgan's conv nets make images; 2D points need --arch mlp (or leave --arch out)", field='arch')


conv_cgan = partial(conv_networks, conditioning="concat")
mlp_cgan = partial(mlp_networks, conditioning="concat")

register(Family(
    "cgan", FAMILY_TITLES["cgan"], algorithm="adversarial",
    networks=conv_cgan, inputs=with_label, batches="labelled",
    variants={"conv": conv_cgan, "mlp": mlp_cgan}, legacy_arch="mlp", points_arch="mlp",
    defaults=dict(ADAM, batch_size=128, arch="conv"), stats=BCE_STATS, data_kinds=("image", "points"),
    image_sizes=MLP_SIZES, check=check, options={"loss": "bce", "arch": "auto", "conditioning": "concat"},
))
register(Family(
    "cdcgan", FAMILY_TITLES["cdcgan"], algorithm="adversarial",
    networks=conv_cgan, inputs=with_label, batches="labelled",
    defaults=dict(ADAM, batch_size=128), stats=BCE_STATS,
    options={"loss": "bce", "arch": "conv", "conditioning": "concat"},
))
register(Family(
    "cgan-proj", FAMILY_TITLES["cgan-proj"], algorithm="adversarial",
    networks=partial(conv_networks, norm="none", spectral=True, conditioning="projection"), inputs=with_label,
    batches="labelled", defaults=dict(ADAM, beta1=0.0, beta2=0.9, batch_size=64),
    options={"loss": "hinge", "arch": "conv", "conditioning": "projection", "d_norm": "none", "spectral": True},
))
