"""InfoGAN (Chen et al. 2016): G(z, c) with a categorical and continuous codes c; a Q head on D's features
recovers c from G's output, and L_I (``trainers.losses.info_loss``), a lower bound on the mutual information
I(c; G(z, c)), is added to both D's (with Q) and G's objective with weight λ (``info_weight``).

Networks: DCGAN's conv nets; Q = Linear(features → 128) → BN → LeakyReLU → logits of each categorical code ‖
means of the continuous codes.
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import ConfigError
from ..inputs import InputSpec, latent_layout
from .dcgan import BCE_STATS
from .dcgan import networks as conv_networks
from .registry import ADAM, Family, register


class QHead(nn.Module):
    """Q(c | x) on D's features: logits per categorical code and means of the continuous codes."""

    def __init__(self, feat_dim: int, inputs: InputSpec, hidden: int = 128):
        super().__init__()
        self.layout = inputs
        self.net = nn.Sequential(nn.Linear(feat_dim, hidden), nn.BatchNorm1d(hidden), nn.LeakyReLU(0.2, True),
                                 nn.Linear(hidden, sum(inputs.cat_dims) + inputs.cont_dim))

    def forward(self, h: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        out = self.net(h)
        logits, start = [], 0
        for n in self.layout.cat_dims:
            logits.append(out[:, start:start + n])
            start += n
        return logits, out[:, start:]


def with_codes(cfg, class_names=()) -> InputSpec:
    """z ‖ one-hot categorical code ‖ continuous codes ~ U[-1, 1]."""
    return latent_layout(cfg.z_dim, 0, (cfg.cat_codes,) if cfg.cat_codes else (), cfg.cont_codes)


def networks(cfg, sample_shape, inputs: InputSpec) -> dict[str, nn.Module]:
    nets = conv_networks(cfg, sample_shape, inputs)
    nets["Q"] = QHead(nets["D"].trunk.out_dim, inputs)
    return nets


def check(cfg) -> None:
    if cfg.cat_codes == 1 or cfg.cat_codes + cfg.cont_codes == 0:
        raise ConfigError("infogan needs a categorical code of 2+ values and/or at least one continuous code")


register(Family(
    "infogan", "InfoGAN: categorical + continuous codes, Q shares D's trunk (Chen et al. 2016)",
    algorithm="adversarial", networks=networks, inputs=with_codes,
    defaults=dict(ADAM, lr_g=1e-3, lr_d=2e-4, batch_size=128, z_dim=62, cat_codes=10, cont_codes=2,
                  info_weight=1.0, cont_weight=0.5),
    stats=BCE_STATS + ("loss_info", "info_acc"), check=check,
    options={"loss": "bce", "arch": "conv", "info": True},
))
