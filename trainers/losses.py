"""Adversarial losses on raw discriminator outputs ("logits"), plus the gradient penalty and InfoGAN's term.

Notation: r = D(x) on real samples, f = D(G(z)) on fakes, σ the logistic sigmoid, E the batch mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class AdversarialLoss:
    """A pair of objectives for D and G. ``probabilistic``: σ(D) is a probability worth reporting."""

    name: str
    d_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    g_loss: Callable[[torch.Tensor], torch.Tensor]
    probabilistic: bool = False
    wasserstein: bool = False
    pairs: bool = False  # relativistic: ``g_loss(f, r)`` also reads D on the real batch (one real per fake)


def bce_d(r: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    """L_D = −E[log σ(r)] − E[log(1 − σ(f))]  (Goodfellow et al. 2014: D maximises log D(x) + log(1 − D(G(z))))."""
    return F.softplus(-r).mean() + F.softplus(f).mean()


def minimax_g(f: torch.Tensor) -> torch.Tensor:
    """L_G = E[log(1 − σ(f))]: the original minimax objective; its gradient vanishes while D wins."""
    return -F.softplus(f).mean()


def nonsaturating_g(f: torch.Tensor) -> torch.Tensor:
    """L_G = −E[log σ(f)]: the "non-saturating" heuristic from the same paper, strong gradients early on."""
    return F.softplus(-f).mean()


def ls_d(r: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    """LSGAN (Mao et al. 2017, a=0, b=1): L_D = ½E[(r − 1)²] + ½E[f²]."""
    return 0.5 * ((r - 1) ** 2).mean() + 0.5 * (f ** 2).mean()


def ls_g(f: torch.Tensor) -> torch.Tensor:
    """LSGAN (c=1): L_G = ½E[(f − 1)²]."""
    return 0.5 * ((f - 1) ** 2).mean()


def wasserstein_d(r: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    """WGAN critic (Arjovsky et al. 2017): L_D = E[f] − E[r], the negated Wasserstein-1 estimate."""
    return f.mean() - r.mean()


def wasserstein_g(f: torch.Tensor) -> torch.Tensor:
    """WGAN generator: L_G = −E[f]."""
    return -f.mean()


def hinge_d(r: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    """Hinge (Lim & Ye 2017; Miyato et al. 2018): L_D = E[max(0, 1 − r)] + E[max(0, 1 + f)]."""
    return F.relu(1 - r).mean() + F.relu(1 + f).mean()


def rp_d(r: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    """RpGAN (Jolicoeur-Martineau 2019; R3GAN, Huang et al. 2025), real and fake in pairs:
    L_D = E[softplus(−(r − f))] = −E[log σ(D(x) − D(G(z)))]: each real judged more real than its fake."""
    return F.softplus(-(r - f)).mean()


def rp_g(f: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
    """RpGAN for G: L_G = E[softplus(−(f − r))], the reverse pairing (D's scores of the reals held fixed)."""
    return F.softplus(-(f - r)).mean()


LOSSES: dict[str, AdversarialLoss] = {
    "bce": AdversarialLoss("bce", bce_d, nonsaturating_g, probabilistic=True),
    "bce-minimax": AdversarialLoss("bce-minimax", bce_d, minimax_g, probabilistic=True),
    "ls": AdversarialLoss("ls", ls_d, ls_g),
    "wasserstein": AdversarialLoss("wasserstein", wasserstein_d, wasserstein_g, wasserstein=True),
    "hinge": AdversarialLoss("hinge", hinge_d, wasserstein_g),
    "rpgan": AdversarialLoss("rpgan", rp_d, rp_g, pairs=True),
}


def gradient_penalty(critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, fake: torch.Tensor,
                     generator: torch.Generator | None = None, eps: torch.Tensor | None = None) -> torch.Tensor:
    """WGAN-GP (Gulrajani et al. 2017): E[(‖∇_x̂ D(x̂)‖₂ − 1)²] with x̂ = εx + (1 − ε)x̃, ε ~ U[0, 1] per sample.

    Multiply by λ (10 in the paper) at the call site. ``eps`` (shape (N, 1, ...)) may be given, else drawn.
    """
    if eps is None:
        eps_shape = (real.shape[0],) + (1,) * (real.dim() - 1)
        eps = torch.rand(eps_shape, device=real.device, generator=generator)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    out = critic(x_hat)
    (grad,) = torch.autograd.grad(out.sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


def info_loss(cat_logits: list[torch.Tensor], cat_target: torch.Tensor | None,
              cont_mean: torch.Tensor | None, cont_target: torch.Tensor | None, cont_weight: float) -> torch.Tensor:
    """InfoGAN's L_I (Chen et al. 2016), the variational lower bound on I(c; G(z, c)) up to a constant:

    L_I = Σ_k CE(Q_k(x), c_k) + w · ½E[‖c_cont − μ(x)‖²]

    (categorical codes: cross-entropy; continuous codes: a factored Gaussian with unit variance).
    """
    total = torch.zeros((), device=(cat_target if cat_target is not None else cont_target).device)
    for k, logits in enumerate(cat_logits):
        total = total + F.cross_entropy(logits, cat_target[:, k])
    if cont_mean is not None and cont_target is not None and cont_target.shape[1] > 0:
        total = total + cont_weight * 0.5 * ((cont_target - cont_mean) ** 2).sum(1).mean()
    return total


def r1_penalty(d_out: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """R1 (Mescheder et al. 2018): E‖∇_x D(x)‖² on real images (``real`` must require grad)."""
    (grad,) = torch.autograd.grad(d_out.sum(), real, create_graph=True)
    return grad.pow(2).flatten(1).sum(1).mean()
