"""LSGAN (Mao et al. 2017): least-squares targets instead of the log loss,
L_D = ½E[(D(x) − 1)²] + ½E[D(G(z))²], L_G = ½E[(D(G(z)) − 1)²]. DCGAN's nets on images, MLPs on points."""

from __future__ import annotations

from ..catalog import FAMILY_TITLES
from .dcgan import z_only
from .gan import conv_or_mlp
from ..registry import ADAM, Family, register

register(Family(
    "lsgan", FAMILY_TITLES["lsgan"], algorithm="adversarial",
    networks=conv_or_mlp, inputs=z_only, data_kinds=("image", "points"), defaults=dict(ADAM),
    options={"loss": "ls", "arch": "auto"},
))
