"""Wasserstein GANs: the critic estimates W(P_r, P_g) = E[D(x)] − E[D(G(z))] over 1-Lipschitz D.

- ``wgan`` (Arjovsky et al. 2017): Lipschitz by clipping every critic weight to [−c, c]; RMSProp 5e-5;
  five critic updates per G update.
- ``wgan-gp`` (Gulrajani et al. 2017): a gradient penalty λ·E[(‖∇D(x̂)‖ − 1)²] on random interpolates x̂
  instead, a critic without BatchNorm (per-sample layer norm), Adam 1e-4 with β (0, 0.9).

DCGAN's conv nets on images, the vanilla GAN's MLPs on 2D points.
"""

from __future__ import annotations

from functools import partial

from ..catalog import FAMILY_TITLES
from .dcgan import z_only
from .gan import conv_or_mlp
from ..registry import ADAM, Family, register

W_STATS = ("loss_d", "loss_g", "d_real", "d_fake", "wdist")

register(Family(
    "wgan", FAMILY_TITLES["wgan"], algorithm="adversarial",
    networks=conv_or_mlp, inputs=z_only, data_kinds=("image", "points"), stats=W_STATS,
    defaults=dict(ADAM, lr_g=5e-5, lr_d=5e-5, n_critic=5, clip=0.01),
    options={"loss": "wasserstein", "arch": "auto", "optimizer": "rmsprop"},
))
register(Family(
    "wgan-gp", FAMILY_TITLES["wgan-gp"],
    algorithm="adversarial", networks=partial(conv_or_mlp, norm="layer"), inputs=z_only,
    data_kinds=("image", "points"), stats=W_STATS + ("gp",),
    defaults=dict(ADAM, lr_g=1e-4, lr_d=1e-4, beta1=0.0, beta2=0.9, n_critic=5, gp_weight=10.0),
    options={"loss": "wasserstein", "arch": "auto", "d_norm": "layer"},
))
