"""CoGAN (Liu & Tuzel 2016): two GANs, one per domain, that share weights, so one z draws a *pair* of
corresponding images (the same digit, drawn plain and bold) without ever seeing a pair.

The two generators share every layer but the last: the layers that decide what to draw (the digit, its slant)
are one set of weights, and only the last layer, which decides how it looks in its domain, is separate. The two
discriminators mirror it: every layer but the first is shared. Each GAN is trained on its own domain with the
usual losses; the sharing alone ties the pair together.

    (1) Update D_A, D_B: minimise BCE(D_A(a), 1) + BCE(D_A(G_A(z)), 0) + BCE(D_B(b), 1) + BCE(D_B(G_B(z)), 0)
    (2) Update G_A, G_B: minimise BCE(D_A(G_A(z)), 1) + BCE(D_B(G_B(z)), 1)         (non-saturating)

The nets are the paper's MNIST ones, which are the DCGAN authors' MNIST nets (``dcgan --arch mnist``) split at
the sharing line: G: z → fc 16w → fc 2w·(S/4)² → deconv w (shared) → deconv C per domain; D: conv w per domain →
conv 2w → fc 16w → score (shared). Adam 2e-4, β1 0.5. Batches are two unpaired domains (``--data digits-plain
--data-b digits-negative``, ``trainers/data/domains.py``). ``G`` draws domain A, ``G.body.pair(h)`` both.
"""

from __future__ import annotations

import torch
from torch import nn

from ..algos.base import Batches, GDAlgorithm, Stats
from ..catalog import FAMILY_TITLES
from ..inputs import InputSpec
from ..losses import bce_d, nonsaturating_g
from .blocks import Generator, dcgan_init
from .dcgan import FCGenerator, FCTrunk, z_only
from ..registry import ADAM, Family, register


class CoupledGenerator(nn.Module):
    """Two generators sharing all but their last layer: ``forward(h)`` draws domain A, ``pair(h)`` (A, B)."""

    def __init__(self, in_dim: int, size: int, channels: int, width: int = 64):
        super().__init__()
        body = FCGenerator(in_dim, size, channels, width)  # fc, fc, deconv w (+ BN, ReLU), deconv C, tanh
        self.s0, self.ch = body.s0, body.ch
        self.fc, self.shared = body.fc, nn.Sequential(*body.net[:3])
        self.heads = nn.ModuleList([nn.Sequential(*body.net[3:]), nn.Sequential(nn.ConvTranspose2d(width, channels, 4, 2, 1),
                                                                nn.Tanh())])
        self.heads[1].apply(dcgan_init)

    def features(self, h: torch.Tensor) -> torch.Tensor:
        """The shared part's output, w × S/2 × S/2: what both images are drawn from."""
        return self.shared(self.fc(h).view(h.shape[0], self.ch, self.s0, self.s0))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.heads[0](self.features(h))

    def pair(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.features(h)
        return self.heads[0](f), self.heads[1](f)

    def first_block(self, h: torch.Tensor) -> torch.Tensor:
        return self.fc[:3](h)


class CoupledDiscriminator(nn.Module):
    """Two discriminators sharing all but their first layer: ``forward(x, domain)`` → one score per image."""

    def __init__(self, size: int, channels: int, width: int = 64):
        super().__init__()
        trunk = FCTrunk(size, channels, width)  # conv w, LReLU | conv 2w, BN, LReLU, flatten, fc 16w, BN, LReLU
        self.firsts = nn.ModuleList([trunk.net[:2], nn.Sequential(nn.Conv2d(channels, width, 4, 2, 1),
                                                                  nn.LeakyReLU(0.2, True))])
        self.firsts[1].apply(dcgan_init)
        self.shared = nn.Sequential(*trunk.net[2:])
        self.head = nn.Linear(trunk.out_dim, 1)

    def forward(self, x: torch.Tensor, domain: int | None = 0) -> torch.Tensor:
        return self.head(self.shared(self.firsts[domain or 0](x))).squeeze(1)


class _Pair(nn.Module):
    """The coupled generator with ``pair`` as its forward: what the step calls (DDP averages its gradients)."""

    def __init__(self, body: CoupledGenerator):
        super().__init__()
        self.body = body

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.body.pair(h)


def networks(cfg, sample_shape: tuple[int, ...], inputs: InputSpec) -> dict[str, nn.Module]:
    c, s, _ = sample_shape
    return {"G": Generator(CoupledGenerator(inputs.in_dim, s, c, cfg.width), inputs),
            "D": CoupledDiscriminator(s, c, cfg.width)}


class CoGAN(GDAlgorithm):
    """Two coupled GANs (module docstring): D is both discriminators, G both generators."""

    players = ("D", "G")
    step_player = "G"
    domains = 2

    def __init__(self, cfg, family, nets: dict[str, nn.Module], inputs, device: torch.device, class_names=(),
                 dist=None, speed=None):
        super().__init__(cfg, family, inputs, device, class_names, dist, speed)
        run = self.runner
        self.G, self.D = run.prepare(nets["G"]), run.prepare(nets["D"])
        self.opt_g, self.opt_d = self.adam(self.G.parameters(), cfg.lr_g), self.adam(self.D.parameters(), cfg.lr_d)
        self._pair, self._d = run.wrap(_Pair(self.G.body)), run.wrap(self.D)
        self._d_frozen = run.wrap(self.D, distributed=False)
        self.keep_ema(self.G, cfg.ema)

    def pair(self, latent: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """(A images, B images) of the sampling generator for ``latent``, in eval mode, on the CPU."""
        G = self.sampling_generator()
        was = G.training
        G.eval()
        try:
            with torch.no_grad():
                a, b = G.body.pair(self.inputs.flatten(latent, torch.float32))
        finally:
            G.train(was)
        return a.float().cpu(), b.float().cpu()

    def grid_latent(self, n: int, seed: int) -> tuple[dict[str, torch.Tensor], int]:
        g = torch.Generator(device=self.device).manual_seed(seed)
        return self.sample_latent(max(1, n // 2), g), 8

    def grid(self, latent: dict[str, torch.Tensor]) -> torch.Tensor:
        """The sample grid: each z's A image next to its B image, four pairs a row."""
        a, b = self.pair(latent)
        return torch.stack([a, b], 1).flatten(0, 1)

    def train_step(self, batches: Batches, step: int) -> Stats:
        n = batches["A"].shape[0]
        h = self.inputs.flatten(self.sample_latent(n), torch.float32)
        stats = self._d_update(batches["A"], batches["B"], *[f.detach() for f in self._pair(h)])
        stats.update(self._g_update(h))
        self.after_step(step)
        return stats

    def manual_step(self, player: str, batches: Batches) -> Stats:
        if player == "D":
            n = batches["A"].shape[0]
            h = self.inputs.flatten(self.sample_latent(n), torch.float32)
            with torch.no_grad():
                fa, fb = self.G.body.pair(h)
            return self._d_update(batches["A"], batches["B"], fa, fb)
        if player == "G":
            stats = self._g_update(self.inputs.flatten(self.sample_latent(self.cfg.batch_size), torch.float32))
            self.after_step(-1)
            return stats
        raise ValueError(f"unknown player {player!r}: this algorithm has {', '.join(self.players)}")

    def _d_update(self, a, b, fa, fb) -> Stats:
        """(1) Both Ds, each on its own domain's real images and its generator's fakes."""
        ra, sa, rb, sb = self._d(a, 0), self._d(fa, 0), self._d(b, 1), self._d(fb, 1)
        loss = bce_d(ra, sa) + bce_d(rb, sb)
        self.update(self.opt_d, loss)
        r, f = torch.cat([ra, rb]).detach(), torch.cat([sa, sb]).detach()
        return {"loss_d": loss.detach(), "d_real": torch.sigmoid(r).mean(), "d_fake": torch.sigmoid(f).mean()}

    def _g_update(self, h: torch.Tensor) -> Stats:
        """(2) Both Gs through the frozen Ds (the shared layers get both domains' gradients)."""
        with self.frozen(self.D):
            fa, fb = self._pair(h)
            loss = nonsaturating_g(self._d_frozen(fa, 0)) + nonsaturating_g(self._d_frozen(fb, 1))
            self.update(self.opt_g, loss)
        return {"loss_g": loss.detach()}


register(Family(
    "cogan", FAMILY_TITLES["cogan"], algorithm=CoGAN, networks=networks, inputs=z_only, batches="unpaired",
    data="digits-plain", data_b="digits-negative", capabilities=frozenset({"pair-samples"}),
    defaults=dict(ADAM, batch_size=64), image_sizes=(28, 32, 64), stats=("loss_d", "loss_g", "d_real", "d_fake"),
    options={"loss": "bce", "pairs": True},
))
