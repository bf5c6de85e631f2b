"""Conditional GANs: G(z, y) and D(x, y) for a class label y.

- ``cgan`` (Mirza & Osindero 2014): MLPs, the one-hot label concatenated to z and to D's input.
- ``cdcgan``: DCGAN's conv nets, the label concatenated to z and as constant image channels for D.
- ``cgan-proj`` (Miyato & Koyama 2018): a projection discriminator D(x, y) = ψ(φ(x)) + ⟨e_y, φ(x)⟩ with
  spectral norm and the hinge loss.

The fakes of a training step take the classes of the real batch they are judged against.
"""

from __future__ import annotations

from functools import partial

from ..inputs import InputSpec, latent_layout
from .dcgan import BCE_STATS
from .dcgan import networks as conv_networks
from .gan import networks as mlp_networks
from ..catalog import FAMILY_TITLES
from .registry import ADAM, MLP_SIZES, Family, register


def with_label(cfg, class_names=()) -> InputSpec:
    """z ‖ one-hot class label."""
    return latent_layout(cfg.z_dim, len(class_names), class_names=tuple(class_names))


register(Family(
    "cgan", FAMILY_TITLES["cgan"], algorithm="adversarial",
    networks=partial(mlp_networks, conditioning="concat"), inputs=with_label, batches="labelled",
    defaults=dict(ADAM), stats=BCE_STATS, data_kinds=("image", "points"), image_sizes=MLP_SIZES,
    options={"loss": "bce", "arch": "mlp", "conditioning": "concat"},
))
register(Family(
    "cdcgan", FAMILY_TITLES["cdcgan"], algorithm="adversarial",
    networks=partial(conv_networks, conditioning="concat"), inputs=with_label, batches="labelled",
    defaults=dict(ADAM, batch_size=128), stats=BCE_STATS,
    options={"loss": "bce", "arch": "conv", "conditioning": "concat"},
))
register(Family(
    "cgan-proj", FAMILY_TITLES["cgan-proj"], algorithm="adversarial",
    networks=partial(conv_networks, norm="none", spectral=True, conditioning="projection"), inputs=with_label,
    batches="labelled", defaults=dict(ADAM, beta1=0.0, beta2=0.9, batch_size=64),
    options={"loss": "hinge", "arch": "conv", "conditioning": "projection", "d_norm": "none", "spectral": True},
))
