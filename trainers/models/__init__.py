"""The model families: one file each, registered in ``trainers.registry.FAMILIES`` (alias ``MODELS``) on import.
This package is the composition root: importing it loads every family (and the algorithms they train with).

``dcgan.py`` is the worked example (README: "Adding a family"). Shared wrappers live in ``blocks.py``.
"""

from __future__ import annotations

from types import SimpleNamespace

from torch import nn

from ..catalog import FAMILY_TITLES
from ..inputs import InputSpec, LatentLayout
from .. import algos  # noqa: F401  (the algorithms a family may name: "adversarial")
# each registers its families
from . import (biggan, cgan, cogan, cyclegan, dcgan, gan, hinge, infogan, lsgan, pix2pix, sagan,  # noqa: F401
               progan, r3gan, srgan, stylegan, unit, wgan)
from .blocks import Discriminator, Generator
from .dcgan import ConvGenerator, ConvTrunk
from .gan import MLPGenerator, MLPTrunk
from .infogan import QHead
from ..registry import CONV_SIZES, FAMILIES, Family, arch_for, family_networks, register, unregister

# the order `ganstudio list` and the New Run dialog show (the catalog's): the classic lineage first
for _name in FAMILY_TITLES:
    FAMILIES[_name] = FAMILIES.pop(_name)

MODELS = FAMILIES  # the name the CLI, the app and earlier code use
ModelSpec = Family


def build_networks(spec: Family, *, sample_shape: tuple[int, ...], num_classes: int, z_dim: int, width: int,
                   cat_codes: int = 0, cont_codes: int = 0, arch: str | None = None) -> dict[str, nn.Module]:
    """``family_networks`` from loose settings (benchmarks and tests build nets without a full config)."""
    cfg = SimpleNamespace(**{**spec.defaults, "z_dim": z_dim, "width": width, "cat_codes": cat_codes,
                             "cont_codes": cont_codes, "arch": arch or spec.defaults.get("arch"),
                             "image_size": sample_shape[-1] if len(sample_shape) == 3 else 0,
                             "channels": sample_shape[0] if len(sample_shape) == 3 else 0})
    names = tuple(str(k) for k in range(num_classes))
    return family_networks(spec, cfg, sample_shape, names)[0]


__all__ = ["MODELS", "FAMILIES", "Family", "ModelSpec", "register", "unregister", "family_networks",
           "build_networks", "arch_for", "CONV_SIZES", "Generator", "Discriminator", "QHead", "LatentLayout",
           "ConvGenerator", "ConvTrunk", "MLPGenerator", "MLPTrunk"]
