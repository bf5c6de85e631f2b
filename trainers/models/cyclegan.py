"""CycleGAN (Zhu et al. 2017): translation between two domains from unpaired examples.

Two generators, G: A → B and F: B → A, and two discriminators, D_B (is this a real B?) and D_A. Nothing ties a
given a to a given b, so the translation is held in place by cycle consistency: F(G(a)) must give back a and
G(F(b)) must give back b. With least-squares GAN losses (LSGAN), λ = 10 (``--cycle-weight``) and the identity
term at 0.5·λ (G(b) should leave a B image as it is, which keeps colours and tones):

    (1) Update G and F: minimise (D_B(G(a)) − 1)² + (D_A(F(b)) − 1)²
                                 + λ·(|F(G(a)) − a| + |G(F(b)) − b|) + 0.5·λ·(|G(b) − b| + |F(a) − a|)
    (2) Update D_A, D_B: minimise ½·[(D_B(b) − 1)² + D_B(b̃)²] + ½·[(D_A(a) − 1)² + D_A(ã)²]

where b̃, ã are drawn from a pool of the last 50 fakes (half the time the newest fake, half the time an older one
it replaces), so D does not chase only G's latest output. Adam 2e-4, β1 0.5; the learning rates stay until step
``--decay-start`` and then fall linearly to 0 at ``--steps`` (``--lr-decay linear``, the default here). The paper
decays over the second half of its 200 epochs; the default start, 2,500, is half of the default 5,000 steps, and it
is a step count, so a short run and the same run resumed with more steps follow one schedule (the bundled 1,500-step
model passes ``--decay-start 750``).

Small-scale nets (w = ``--width``): G and F are ResNet generators (7×7 conv w → two stride-2 convs to 4w at S/4 →
6 residual blocks → two transposed convs → 7×7 conv, InstanceNorm, reflection padding; the paper's 128 px
generator, with the side 32 its bottleneck is 8×8); D_A and D_B are Pix2Pix's 16×16 PatchGAN without the
condition, with InstanceNorm. The image pool is drawn with the run's noise generator and saved in checkpoints,
so a resumed run continues bit for bit; the step runs eagerly (the pool is host-side control flow).

Batches are two unpaired domains: ``--data digits-plain --data-b digits-bold`` (``trainers/data/domains.py``) or
any two folders of images.
"""

from __future__ import annotations

import torch
from torch import nn

from ..algos.base import Batches, GDAlgorithm, Stats
from ..catalog import FAMILY_TITLES
from ..losses import ls_d, ls_g
from .blocks import dcgan_init
from .pix2pix import PatchDiscriminator, ReferenceInputs, Translator, image_input
from ..registry import ADAM, Family, register

POOL = 50  # past fakes kept per domain
RES_BLOCKS = 6
IDENTITY = 0.5  # the identity term's weight, as a share of λ


def _norm(ch: int) -> nn.Module:
    return nn.InstanceNorm2d(ch, affine=True)


class ResBlock(nn.Module):
    """x + (reflect-pad → conv 3×3 → IN → ReLU → reflect-pad → conv 3×3 → IN)(x)."""

    def __init__(self, ch: int):
        super().__init__()
        self.body = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(ch, ch, 3, bias=False), _norm(ch), nn.ReLU(True),
                                  nn.ReflectionPad2d(1), nn.Conv2d(ch, ch, 3, bias=False), _norm(ch))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResNetGenerator(nn.Module):
    """C×S² → w×S² (7×7) → 2w×(S/2)² → 4w×(S/4)² → 6 residual blocks → 2w×(S/2)² → w×S² → C×S² (7×7, tanh)."""

    def __init__(self, channels: int, width: int = 64, blocks: int = RES_BLOCKS):
        super().__init__()
        w = width
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(channels, w, 7, bias=False), _norm(w),
                                   nn.ReLU(True)]
        for mult in (1, 2):  # down: w → 2w → 4w
            layers += [nn.Conv2d(w * mult, w * mult * 2, 3, 2, 1, bias=False), _norm(w * mult * 2), nn.ReLU(True)]
        layers += [ResBlock(4 * w) for _ in range(blocks)]
        for mult in (4, 2):  # up: 4w → 2w → w
            layers += [nn.ConvTranspose2d(w * mult, w * mult // 2, 3, 2, 1, output_padding=1, bias=False),
                       _norm(w * mult // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(w, channels, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class ImagePool:
    """The last ``size`` fakes of a domain (Shrivastava et al. 2017, as CycleGAN uses it). ``query(fakes)``: while
    not full, store each fake and return it; then, for each fake, with probability ½ return it as it is, else
    return a stored one picked at random and store the fake in its place. Random draws come from ``generator``."""

    def __init__(self, size: int | None = None):
        self.size = POOL if size is None else size
        self.images: torch.Tensor | None = None  # (k ≤ size, C, H, W)

    def query(self, fakes: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        if self.size == 0:
            return fakes
        out = []
        for img in fakes.detach():
            k = 0 if self.images is None else len(self.images)
            if k < self.size:
                self.images = img[None].clone() if self.images is None else torch.cat([self.images, img[None]])
                out.append(img)
                continue
            coin, pick = torch.rand((), generator=generator, device=generator.device), torch.randint(
                self.size, (), generator=generator, device=generator.device)
            if float(coin) > 0.5:
                old = self.images[int(pick)].clone()
                self.images[int(pick)] = img
                out.append(old)
            else:
                out.append(img)
        return torch.stack(out)

    def state(self) -> torch.Tensor:
        return self.images.clone() if self.images is not None else torch.zeros(0)

    def load(self, images: torch.Tensor) -> None:
        self.images = images.clone() if images.numel() else None


def networks(cfg, sample_shape: tuple[int, ...], inputs) -> dict[str, nn.Module]:
    c = sample_shape[0]
    disc = lambda: PatchDiscriminator(c, 0, cfg.width, norm="instance")  # noqa: E731
    return {"G": Translator(ResNetGenerator(c, cfg.width), inputs), "F": Translator(ResNetGenerator(c, cfg.width),
            inputs), "D_A": disc(), "D_B": disc()}


class TwoWaySteps:
    """The step of a two-domain translator (CycleGAN, UNIT): (1) the generators, which also give each domain's
    fakes, then (2) the discriminators on those fakes. Manual steps (the app's Step D / Step G) do one of the two.
    The class provides ``both_ways(a, b)`` → (fakes of A, fakes of B), ``_g_update(a, b)`` → stats holding the
    fakes under ``_fake_a``/``_fake_b``, and ``_d_update(a, b, fake_a, fake_b)``."""

    players = ("D", "D_A", "D_B", "G")  # "D" updates both discriminators, "G" both directions of the generator
    step_player = "G"

    def train_step(self, batches: Batches, step: int) -> Stats:
        a, b = self._fmt(batches["A"]), self._fmt(batches["B"])
        stats = self._g_update(a, b)
        stats.update(self._d_update(a, b, stats.pop("_fake_a"), stats.pop("_fake_b")))
        self.after_step(step)
        return stats

    def manual_step(self, player: str, batches: Batches) -> Stats:
        a, b = self._fmt(batches["A"]), self._fmt(batches["B"])
        if player in ("D", "D_A", "D_B"):
            with torch.no_grad():
                fake_a, fake_b = self.both_ways(a, b)
            return self._d_update(a, b, fake_a, fake_b, only=player[2:] or None)
        if player == "G":
            stats = self._g_update(a, b)
            del stats["_fake_a"], stats["_fake_b"]
            self.after_step(-1)
            return stats
        raise ValueError(f"unknown player {player!r}: this algorithm has {', '.join(self.players)}")

    def _fmt(self, t: torch.Tensor) -> torch.Tensor:
        return t.contiguous(memory_format=self.speed.memory_format)


class CycleGAN(TwoWaySteps, ReferenceInputs, GDAlgorithm):
    """G: A → B and F: B → A against D_B and D_A, held together by cycle consistency (module docstring)."""

    input_key = "A"
    module_names = ("G", "F", "D_A", "D_B")
    domains = 2

    def __init__(self, cfg, family, nets: dict[str, nn.Module], inputs, device: torch.device, class_names=(),
                 dist=None, speed=None):
        super().__init__(cfg, family, inputs, device, class_names, dist, speed)
        run = self.runner
        self.G, self.F = run.prepare(nets["G"]), run.prepare(nets["F"])
        self.D_A, self.D_B = run.prepare(nets["D_A"]), run.prepare(nets["D_B"])
        self.opt_g = self.adam([*self.G.parameters(), *self.F.parameters()], cfg.lr_g)
        self.opt_d = self.adam([*self.D_A.parameters(), *self.D_B.parameters()], cfg.lr_d)
        self._g, self._f = run.wrap(self.G), run.wrap(self.F)
        self._da, self._db = run.wrap(self.D_A), run.wrap(self.D_B)
        self.pools = {"A": ImagePool(), "B": ImagePool()}
        self.reference: Batches = {}
        self.keep_ema(self.G, cfg.ema)

    def describe_more(self) -> dict:
        return {"cycle_weight": self.cfg.cycle_weight, "identity_weight": IDENTITY * self.cfg.cycle_weight,
                "pool": POOL}

    def rng_state(self) -> dict[str, torch.Tensor]:
        return {**super().rng_state(), **{f"pool_{k}": p.state() for k, p in self.pools.items()}}

    def load_rng_state(self, tensors: dict[str, torch.Tensor]) -> None:
        super().load_rng_state(tensors)
        for k, p in self.pools.items():
            p.load(tensors[f"pool_{k}"].to(self.device))

    def grid(self, latent: dict[str, torch.Tensor]) -> torch.Tensor:
        """The sample grid: a | G(a) | F(G(a)) for each of the grid's A images."""
        fake = self.render(latent)
        was = self.F.training
        self.F.eval()
        with torch.no_grad():
            back = self.F(fake.to(self.device)).float().cpu()
        self.F.train(was)
        return torch.stack([latent["x"].float().cpu(), fake, back], 1).flatten(0, 1)

    def both_ways(self, a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(F(b), G(a)): each domain's fakes."""
        return self.F(b), self.G(a)

    def _g_update(self, a: torch.Tensor, b: torch.Tensor) -> Stats:
        """(1) G and F: the LSGAN terms through the frozen Ds, cycle consistency both ways, identity."""
        with self.frozen(self.D_A, self.D_B):
            lam = self.cfg.cycle_weight
            fake_b, fake_a = self._g(a), self._f(b)
            gan = ls_g(self._db(fake_b).float()) + ls_g(self._da(fake_a).float())
            cycle = (self._f(fake_b) - a).abs().mean() + (self._g(fake_a) - b).abs().mean()
            idt = (self._g(b) - b).abs().mean() + (self._f(a) - a).abs().mean()
            loss = gan + lam * cycle + IDENTITY * lam * idt
            self.update(self.opt_g, loss)
        return {"loss_g": loss.detach(), "loss_gan": gan.detach(), "loss_cycle": cycle.detach(),
                "loss_idt": idt.detach(), "_fake_a": fake_a.detach(), "_fake_b": fake_b.detach()}

    def _d_update(self, a: torch.Tensor, b: torch.Tensor, fake_a: torch.Tensor, fake_b: torch.Tensor,
                  only: str | None = None) -> Stats:
        """(2) D_A and D_B: real against a fake from the pool, each loss halved (``only`` "A" or "B": that D alone,
        the app's Step D_A / Step D_B; the other D gets no gradient and its Adam skips it)."""
        real, fakes = {}, {}
        for dom, x, fake, d in (("A", a, fake_a, self._da), ("B", b, fake_b, self._db)):
            if only in (None, dom):
                f = self.pools[dom].query(fake, self.noise)
                real[dom], fakes[dom] = d(x).float(), d(f).float()
        loss = sum(ls_d(real[k], fakes[k]) for k in real)  # each ½E(r − 1)² + ½E f²: the paper's halved D loss
        self.update(self.opt_d, loss)
        return {"loss_d": loss.detach(), "d_real": torch.cat(list(real.values())).detach().mean(),
                "d_fake": torch.cat(list(fakes.values())).detach().mean()}


def way_back(gen) -> Translator | None:
    """The probe the Translate tool and ``ganstudio eval`` call for B → A: F (eval, CPU) from the generator's
    checkpoint, or None when the file holds none."""
    return gen.module("F") if getattr(gen, "path", None) is not None else None


register(Family(
    "cyclegan", FAMILY_TITLES["cyclegan"], algorithm=CycleGAN, networks=networks, inputs=image_input,
    batches="unpaired", data="digits-plain", data_b="digits-bold", capabilities=frozenset({"way-back"}),
    probes={"way_back": way_back},
    defaults=dict(ADAM, batch_size=16, lr_decay="linear", decay_start=2500, cycle_weight=10.0),
    players=("D", "D_A", "D_B", "G"),
    image_sizes=(28, 32, 64), stats=("loss_d", "loss_g", "loss_gan", "loss_cycle", "loss_idt", "d_real", "d_fake"),
    options={"loss": "ls", "translation": True},
))
