"""UNIT (Liu, Breuel & Kautz 2017): unsupervised image-to-image translation through a shared latent space.

Two VAE-GANs, one per domain. Each encoder E_A, E_B maps an image to a code; the last encoder block is *shared*,
and so is the first decoder block, so both domains must describe a digit with the same code: a plain 3 and a
bold 3 land on the same z. Translation is then decoding with the other domain's decoder: A → B is G_B(E_A(a)).
As in the authors' code the encoder gives the mean μ of a unit-variance Gaussian, z = μ + ε while training (μ when
sampling), and the KL term is E[μ²].

    (1) Update D_A, D_B:  λ0·[BCE(D_A(a), 1) + BCE(D_A(x_ba), 0) + BCE(D_B(b), 1) + BCE(D_B(x_ab), 0)]
    (2) Update E, G:      λ0·[BCE(D_A(x_ba), 1) + BCE(D_B(x_ab), 1)]                          (translation)
                        + λ2·(|x_aa − a| + |x_bb − b|) + λ1·2·E[μ²]                          (VAE: reconstruct)
                        + λ4·(|x_aba − a| + |x_bab − b|) + λ3·(E[μ_ab²] + E[μ_ba²])          (cycle)

with x_ab = G_B(E_A(a)), x_aa = G_A(E_A(a)), x_aba = G_A(E_B(x_ab)), and the paper's weights λ0 = 10,
λ1 = λ3 = 0.1, λ2 = λ4 = 100; Adam 1e-4, β (0.5, 0.999), weight decay 1e-4.

Small-scale nets (w = ``--width``): an encoder is a 7×7 conv to w, two stride-2 convs to 4w at S/4, a residual block
of its own and one shared; a decoder is one shared residual block, one of its own, two transposed convs and a 7×7
conv (InstanceNorm, LeakyReLU). D_A, D_B: Pix2Pix's 16×16 PatchGAN without the condition. ``G`` is the whole
coupled generator: ``G.generate({"x": a})`` translates A → B, ``G.a2b``/``G.b2a`` both ways, ``G.encode``/
``G.decode`` expose the shared space.
"""

from __future__ import annotations

import torch
from torch import nn

from ..algos.base import Batches, GDAlgorithm, Stats
from ..catalog import FAMILY_TITLES
from ..losses import bce_d, nonsaturating_g
from .blocks import dcgan_init
from .cyclegan import ResBlock, TwoWaySteps, _norm
from .pix2pix import PatchDiscriminator, ReferenceInputs, image_input
from ..registry import Family, register

WEIGHTS = {"gan": 10.0, "kl": 0.1, "recon": 100.0, "kl_cycle": 0.1, "cycle": 100.0}  # λ0, λ1, λ2, λ3, λ4


def _encoder_front(channels: int, w: int) -> nn.Sequential:
    """C×S² → w×S² → 2w×(S/2)² → 4w×(S/4)², then a residual block of its own."""
    act = lambda: nn.LeakyReLU(0.2, True)  # noqa: E731
    return nn.Sequential(nn.ReflectionPad2d(3), nn.Conv2d(channels, w, 7), act(),
                         nn.Conv2d(w, 2 * w, 3, 2, 1, bias=False), _norm(2 * w), act(),
                         nn.Conv2d(2 * w, 4 * w, 3, 2, 1, bias=False), _norm(4 * w), act(), ResBlock(4 * w))


def _decoder_back(channels: int, w: int) -> nn.Sequential:
    """A residual block of its own, then 4w×(S/4)² → 2w×(S/2)² → w×S² → C×S² (tanh)."""
    act = lambda: nn.LeakyReLU(0.2, True)  # noqa: E731
    return nn.Sequential(ResBlock(4 * w),
                         nn.ConvTranspose2d(4 * w, 2 * w, 3, 2, 1, output_padding=1, bias=False), _norm(2 * w), act(),
                         nn.ConvTranspose2d(2 * w, w, 3, 2, 1, output_padding=1, bias=False), _norm(w), act(),
                         nn.ReflectionPad2d(3), nn.Conv2d(w, channels, 7), nn.Tanh())


class UNITGenerator(nn.Module):
    """E_A, E_B, G_A, G_B with the shared blocks; ``forward(x)`` (what sampling calls) translates A → B."""

    def __init__(self, channels: int, width: int = 64, inputs=None):
        super().__init__()
        self.inputs = inputs
        self.enc = nn.ModuleList([_encoder_front(channels, width), _encoder_front(channels, width)])
        self.enc_shared = ResBlock(4 * width)
        self.dec_shared = ResBlock(4 * width)
        self.dec = nn.ModuleList([_decoder_back(channels, width), _decoder_back(channels, width)])
        self.apply(dcgan_init)

    def encode(self, x: torch.Tensor, domain: int) -> torch.Tensor:
        """μ: the code of ``x`` (domain 0 = A, 1 = B) in the shared space, 4w × S/4 × S/4."""
        return self.enc_shared(self.enc[domain](x))

    def decode(self, z: torch.Tensor, domain: int) -> torch.Tensor:
        return self.dec[domain](self.dec_shared(z))

    def a2b(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x, 0), 1)

    def b2a(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x, 1), 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.a2b(x)

    def generate(self, latent: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.a2b(latent["x"])


def networks(cfg, sample_shape: tuple[int, ...], inputs) -> dict[str, nn.Module]:
    c = sample_shape[0]
    disc = lambda: PatchDiscriminator(c, 0, cfg.width, norm="instance")  # noqa: E731
    return {"G": UNITGenerator(c, cfg.width, inputs), "D_A": disc(), "D_B": disc()}


class _Step(nn.Module):
    """Everything G's update computes from (a, b, ε), as one module call (what DDP wraps)."""

    def __init__(self, G: UNITGenerator):
        super().__init__()
        self.G = G

    def forward(self, a: torch.Tensor, b: torch.Tensor, eps: torch.Tensor):
        G = self.G
        mu_a, mu_b = G.encode(a, 0), G.encode(b, 1)
        z_a, z_b = mu_a + eps[:len(a)], mu_b + eps[len(a):]
        x_aa, x_ab = G.decode(z_a, 0), G.decode(z_a, 1)
        x_bb, x_ba = G.decode(z_b, 1), G.decode(z_b, 0)
        mu_ab, mu_ba = G.encode(x_ab, 1), G.encode(x_ba, 0)  # back through the other encoder
        x_aba, x_bab = G.decode(mu_ab, 0), G.decode(mu_ba, 1)
        return mu_a, mu_b, x_aa, x_ab, x_bb, x_ba, mu_ab, mu_ba, x_aba, x_bab


class UNIT(TwoWaySteps, ReferenceInputs, GDAlgorithm):
    """Two VAE-GANs with a shared latent space (module docstring)."""

    input_key = "A"
    module_names = ("G", "D_A", "D_B")
    domains = 2

    def __init__(self, cfg, family, nets: dict[str, nn.Module], inputs, device: torch.device, class_names=(),
                 dist=None, speed=None):
        super().__init__(cfg, family, inputs, device, class_names, dist, speed)
        run = self.runner
        self.G = run.prepare(nets["G"])
        self.D_A, self.D_B = run.prepare(nets["D_A"]), run.prepare(nets["D_B"])
        self.opt_g = self.adam(self.G.parameters(), cfg.lr_g, weight_decay=1e-4)
        self.opt_d = self.adam([*self.D_A.parameters(), *self.D_B.parameters()], cfg.lr_d, weight_decay=1e-4)
        self._step = run.wrap(_Step(self.G))
        self._da, self._db = run.wrap(self.D_A), run.wrap(self.D_B)
        self.reference: Batches = {}
        self.keep_ema(self.G, cfg.ema)

    def describe_more(self) -> dict:
        return {"weights": WEIGHTS}

    def grid(self, latent: dict[str, torch.Tensor]) -> torch.Tensor:
        """The sample grid: a | A → B | back to A, for each of the grid's A images."""
        G = self.sampling_generator()
        was = G.training
        G.eval()
        try:
            with torch.no_grad():
                x = latent["x"]
                ab = G.a2b(x)
                aba = G.b2a(ab)
        finally:
            G.train(was)
        return torch.stack([x.float().cpu(), ab.float().cpu(), aba.float().cpu()], 1).flatten(0, 1)

    def both_ways(self, a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(x_ba, x_ab): each domain's fakes, decoded from the other domain's codes."""
        return self.G.b2a(b), self.G.a2b(a)

    def _eps(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """ε ~ N(0, I) for both batches' codes, from the run's noise generator."""
        w = self.G.dec_shared.body[1].in_channels
        side = a.shape[-1] // 4
        return torch.randn((len(a) + len(b), w, side, side), generator=self.noise, device=self.device)

    def _g_update(self, a: torch.Tensor, b: torch.Tensor) -> Stats:
        """(2) Encoders and decoders: translation through the frozen Ds, reconstruction, cycle, and the KL terms."""
        lam = WEIGHTS
        with self.frozen(self.D_A, self.D_B):
            mu_a, mu_b, x_aa, x_ab, x_bb, x_ba, mu_ab, mu_ba, x_aba, x_bab = self._step(a, b, self._eps(a, b))
            gan = nonsaturating_g(self._da(x_ba).float()) + nonsaturating_g(self._db(x_ab).float())
            recon = (x_aa - a).abs().mean() + (x_bb - b).abs().mean()
            cycle = (x_aba - a).abs().mean() + (x_bab - b).abs().mean()
            kl = mu_a.pow(2).mean() + mu_b.pow(2).mean()
            kl_cycle = mu_ab.pow(2).mean() + mu_ba.pow(2).mean()
            loss = (lam["gan"] * gan + lam["recon"] * recon + lam["kl"] * kl + lam["cycle"] * cycle
                    + lam["kl_cycle"] * kl_cycle)
            self.update(self.opt_g, loss)
        return {"loss_g": loss.detach(), "loss_gan": gan.detach(), "loss_recon": recon.detach(),
                "loss_cycle": cycle.detach(), "loss_kl": kl.detach(), "loss_kl_cycle": kl_cycle.detach(),
                "_fake_a": x_ba.detach(), "_fake_b": x_ab.detach()}

    def _d_update(self, a, b, x_ba, x_ab, only: str | None = None) -> Stats:  # x_ba: the fakes of A, x_ab: of B
        """(1) D_A and D_B: each domain's real images against the translations into it (``only`` "A" or "B": that D
        alone, the app's Step D_A / Step D_B)."""
        real, fake = [], []
        for dom, x, f, d in (("A", a, x_ba, self._da), ("B", b, x_ab, self._db)):
            if only in (None, dom):
                real.append(d(x).float())
                fake.append(d(f).float())
        loss = WEIGHTS["gan"] * sum(bce_d(r, f) for r, f in zip(real, fake))
        self.update(self.opt_d, loss)
        r, f = torch.cat([t.flatten() for t in real]).detach(), torch.cat([t.flatten() for t in fake]).detach()
        return {"loss_d": loss.detach(), "d_real": torch.sigmoid(r).mean(), "d_fake": torch.sigmoid(f).mean()}


def way_back(gen):
    """B → A: UNIT's one coupled generator translates both ways."""
    return gen.G.b2a


register(Family(
    "unit", FAMILY_TITLES["unit"], algorithm=UNIT, networks=networks, inputs=image_input, batches="unpaired",
    data="digits-plain", data_b="digits-bold", capabilities=frozenset({"way-back", "shared-code"}),
    probes={"way_back": way_back},
    players=("D", "D_A", "D_B", "G"),
    defaults={"lr_g": 1e-4, "lr_d": 1e-4, "beta1": 0.5, "beta2": 0.999, "batch_size": 16, "n_critic": 1,
              "z_dim": 100},
    image_sizes=(28, 32, 64),
    stats=("loss_d", "loss_g", "loss_gan", "loss_recon", "loss_cycle", "loss_kl", "loss_kl_cycle", "d_real", "d_fake"),
    options={"loss": "bce", "translation": True},
))
