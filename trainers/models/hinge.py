"""SNGAN's recipe (Miyato et al. 2018): a spectrally normalised D without BatchNorm and the hinge loss,
L_D = E[max(0, 1 − D(x))] + E[max(0, 1 + D(G(z)))], L_G = −E[D(G(z))]. DCGAN's nets on images, MLPs on points."""

from __future__ import annotations

from functools import partial

from ..catalog import FAMILY_TITLES
from .dcgan import z_only
from .gan import conv_or_mlp
from ..registry import ADAM, Family, register

register(Family(
    "hinge", FAMILY_TITLES["hinge"], algorithm="adversarial",
    networks=partial(conv_or_mlp, norm="none", spectral=True), inputs=z_only, data_kinds=("image", "points"),
    defaults=dict(ADAM), options={"loss": "hinge", "arch": "auto", "d_norm": "none", "spectral": True},
))
