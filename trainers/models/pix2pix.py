"""Pix2Pix (Isola et al. 2017): image-to-image translation from paired examples.

G is a U-Net: an encoder halves the side down to 1×1, a decoder doubles it back, and each decoder block also
gets the encoder's output of the same side (a skip), so detail the input already has (where the strokes are)
need not squeeze through the bottleneck. Dropout in the first decoder blocks is G's only noise; the paper keeps
it on at test time, this project samples in eval mode (dropout off, BatchNorm's running statistics), so one
input gives one output, as most re-implementations do.

D is a conditional PatchGAN: it sees the input and an output side by side (2C channels) and scores every patch
of the pair as real or fake. At 32 px it is conv(s2) → conv(s1) → conv(s1), 4×4 kernels: each score sees a
16×16 patch (half the side) and there are 14×14 of them. The paper's 70×70 patches are about a quarter of
256 px; a quarter of 32 px would see little more than one stroke of a digit.

The objective, with x the input and y its target:

    (1) Update D: minimise ½·[BCE(D(x, y), 1) + BCE(D(x, G(x)), 0)]        (the paper halves D's loss)
    (2) Update G: minimise BCE(D(x, G(x)), 1) + λ·E|y − G(x)|,  λ = 100       (``--l1-weight``)

Adam 2e-4, β = (0.5, 0.999), as the paper. Batches are image pairs (``--data digits-edges`` and the other
paired sets of ``trainers/data/paired.py``); G's one input is the image to translate.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..algos.base import Batches, GDAlgorithm, Stats
from ..catalog import FAMILY_TITLES
from ..errors import ConfigError
from ..inputs import InputSpec, Part
from ..losses import bce_d, nonsaturating_g
from .blocks import dcgan_init
from ..registry import ADAM, Family, register

SIZES = (32, 64)
DROPOUT_BLOCKS = 2  # decoder blocks nearest the bottleneck with dropout (the paper: 3 of 8 at 256 px)


class UNetGenerator(nn.Module):
    """U-Net: log2(S) encoder blocks down to 1×1 and as many decoder blocks back, with skips.

    32 px, w = width:  C×32² → w×16² → 2w×8² → 4w×4² → 8w×2² → 8w×1²  (encoder; LeakyReLU 0.2, BN but the first
    and the innermost)  → 8w×2² ‖ skip → 4w×4² ‖ skip → 2w×8² ‖ skip → w×16² ‖ skip → C×32² (decoder; ReLU,
    transposed convs, BN, dropout 0.5 in the first two, tanh out)
    """

    def __init__(self, size: int, channels_in: int, channels_out: int, width: int = 64):
        super().__init__()
        depth = int(math.log2(size))
        chans = [min(width * 2 ** i, width * 8) for i in range(depth)]  # encoder outputs: w, 2w, 4w, 8w, 8w, ...
        self.down = nn.ModuleList()
        prev = channels_in
        for i, ch in enumerate(chans):
            layers: list[nn.Module] = [] if i == 0 else [nn.LeakyReLU(0.2, True)]
            layers.append(nn.Conv2d(prev, ch, 4, 2, 1, bias=i in (0, depth - 1)))
            if 0 < i < depth - 1:
                layers.append(nn.BatchNorm2d(ch))
            self.down.append(nn.Sequential(*layers))
            prev = ch
        self.up = nn.ModuleList()
        for j in range(depth - 1):  # from the bottleneck out; block j feeds the skip of encoder depth-2-j
            out = chans[depth - 2 - j]
            cin = prev if j == 0 else 2 * prev
            layers = [nn.ReLU(True), nn.ConvTranspose2d(cin, out, 4, 2, 1, bias=False), nn.BatchNorm2d(out)]
            if j < DROPOUT_BLOCKS:
                layers.append(nn.Dropout(0.5))
            self.up.append(nn.Sequential(*layers))
            prev = out
        self.out = nn.Sequential(nn.ReLU(True), nn.ConvTranspose2d(2 * prev, channels_out, 4, 2, 1), nn.Tanh())
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        h = x
        for block in self.down:
            h = block(h)
            skips.append(h)
        skips.pop()  # the bottleneck itself is not a skip
        for block in self.up:
            h = torch.cat([block(h), skips.pop()], 1)
        return self.out(h)


class Translator(nn.Module):
    """G as the engine calls it: ``generate({"x": image})``, ``forward(x=image)``."""

    def __init__(self, body: nn.Module, inputs: InputSpec):
        super().__init__()
        self.body = body
        self.inputs = inputs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def generate(self, latent: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.body(latent["x"])


class PatchDiscriminator(nn.Module):
    """D(x, y): a score per 16×16 patch of the pair (x ‖ y): conv(2C→w, s2) → conv(w→2w, s1) + norm → conv(2w→1,
    s1), LeakyReLU 0.2. 32 px in → 14×14 scores. Unconditional (CycleGAN) with ``channels_out`` 0: D(y) alone.
    ``norm``: "batch" (Pix2Pix) or "instance" (CycleGAN)."""

    def __init__(self, channels_in: int, channels_out: int = 0, width: int = 64, norm: str = "batch"):
        super().__init__()
        make_norm = nn.BatchNorm2d if norm == "batch" else (lambda c: nn.InstanceNorm2d(c, affine=True))
        self.net = nn.Sequential(
            nn.Conv2d(channels_in + channels_out, width, 4, 2, 1), nn.LeakyReLU(0.2, True),  # w × S/2
            nn.Conv2d(width, 2 * width, 4, 1, 1, bias=False), make_norm(2 * width), nn.LeakyReLU(0.2, True),
            nn.Conv2d(2 * width, 1, 4, 1, 1))  # 1 × (S/2 − 2)
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(x if y is None else torch.cat([x, y], 1))


def receptive_field() -> int:
    """The side of the input patch one score of ``PatchDiscriminator`` sees (16 px)."""
    rf = 1
    for k, s in reversed(((4, 2), (4, 1), (4, 1))):
        rf = (rf - 1) * s + k
    return rf


def patch_critic(gen) -> PatchDiscriminator | None:
    """The D of a Pix2Pix checkpoint (eval mode, CPU), or None when the file holds none (a G-only export)."""
    return gen.module("D")


@torch.no_grad()
def realness(D: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """σ(D(x, y)) per patch, (N, h, w) in [0, 1]: how real D finds each patch of the output ``y`` for the input
    ``x`` (both in model range). Cell (i, j) sees the ``receptive_field()``-px patch whose top-left pixel is
    (2i − 5, 2j − 5) in the image (padding puts the first and last patches partly outside)."""
    return torch.sigmoid(D(x.float(), y.float()).float())[:, 0]


def image_input(cfg, class_names=()) -> InputSpec:
    """One input: the image to translate, (C, S, S)."""
    return InputSpec((Part("x", "image", shape=(cfg.channels, cfg.image_size, cfg.image_size)),))


def networks(cfg, sample_shape: tuple[int, ...], inputs: InputSpec) -> dict[str, nn.Module]:
    c, s, _ = sample_shape
    return {"G": Translator(UNetGenerator(s, c, c, cfg.width), inputs),
            "D": PatchDiscriminator(c, c, cfg.width)}


def check(cfg) -> None:
    from ..catalog import DATASETS
    from ..data import native_shape

    info = native_shape(cfg.data)
    folder = cfg.data not in DATASETS  # native_shape knows no other name: a folder of images
    if folder and not cfg.data_b:
        raise ConfigError(f"pix2pix learns from image pairs: with the folder of inputs {cfg.data!r}, give the folder "
                          "of their targets with --data-b (an input and its target share a file name)", field='data_b')
    if folder:
        if cfg.data_b in DATASETS:
            raise ConfigError(f"--data-b {cfg.data_b!r}: pix2pix's targets are a folder of images named like the "
                              "inputs, not a dataset name", field='data_b')
        native_shape(cfg.data_b)  # a folder it can read: else what is wrong with it
    elif not info.paired:
        raise ConfigError(f"pix2pix learns from image pairs; {cfg.data!r} has none: use --data digits-edges, "
                          "digits-thick or digits-hole, or a folder of inputs with --data-b a folder of targets",
                          field='data')
    if cfg.image_size not in SIZES:
        raise ConfigError(f"pix2pix's U-Net takes 32 or 64 px images, not {cfg.image_size}: pass --image-size 32",
                          field='image_size')


class ReferenceInputs:
    """For an algorithm whose G translates images: its "latents" are images drawn from a fixed batch of real
    inputs (``reference[input_key]``, handed over by the loop), for sample grids and the live pixel proxy."""

    needs_reference = True
    reference_size = 256
    input_key = "x"  # where the inputs are in a batch (CycleGAN: "A")
    GRID_PAIRS = 21  # three images per input, three inputs to a row of nine
    reference: Batches
    noise: torch.Generator

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        ref = self.reference[self.input_key]
        g = generator or self.noise
        idx = torch.randint(len(ref), (n,), generator=g, device=g.device).to(ref.device)
        return {"x": ref[idx]}

    def grid_latent(self, n: int, seed: int) -> tuple[dict[str, torch.Tensor], int]:
        k = min(self.GRID_PAIRS, len(self.reference[self.input_key]))
        return {"x": self.reference[self.input_key][:k]}, 9


class Pix2PixGAN(ReferenceInputs, GDAlgorithm):
    """A U-Net G against a conditional PatchGAN D, with the L1 term (see the module docstring)."""

    players = ("D", "G")
    step_player = "G"

    def __init__(self, cfg, family, nets: dict[str, nn.Module], inputs, device: torch.device, class_names=(),
                 dist=None, speed=None):
        super().__init__(cfg, family, inputs, device, class_names, dist, speed)
        run = self.runner
        self.G = run.prepare(nets["G"])
        self.D = run.prepare(nets["D"])
        self.opt_g, self.opt_d = self.adam(self.G.parameters(), cfg.lr_g), self.adam(self.D.parameters(), cfg.lr_d)
        self._g_train = run.wrap(self.G)
        self._d_train = run.wrap(self.D)
        self._d_frozen = run.wrap(self.D, distributed=False)
        self.reference: Batches = {}
        self.keep_ema(self.G, cfg.ema)

    def describe_more(self) -> dict:
        return {"l1_weight": self.cfg.l1_weight, "patch": receptive_field()}

    def grid(self, latent: dict[str, torch.Tensor]) -> torch.Tensor:
        """The sample grid: input | output | target for each of the grid's inputs."""
        x = latent["x"]
        out = self.render(latent)
        target = self.reference["target"][:len(x)].float().cpu()
        return torch.stack([x.float().cpu(), out, target], 1).flatten(0, 1)

    # -- one iteration -----------------------------------------------------------------------------------
    def train_step(self, batches: Batches, step: int) -> Stats:
        stats = self.runner.run(self._iteration, {"x": batches["x"], "target": batches["target"]})
        self.after_step(step)
        return stats

    def _iteration(self, inputs: dict[str, torch.Tensor]) -> Stats:
        x, y = self._fmt(inputs["x"]), self._fmt(inputs["target"])
        with self._autocast():
            fake = self._g_train(x)
        stats = self._d_update(x, y, fake.detach())
        stats.update(self._g_update(x, y, fake))
        return stats

    def manual_step(self, player: str, batches: Batches) -> Stats:
        """One update of one player while paused: D on fresh outputs, or G alone."""
        x, y = self._fmt(batches["x"]), self._fmt(batches["target"])
        if player == "D":
            with torch.no_grad(), self._autocast():
                fake = self.G(x)
            return self._d_update(x, y, fake)
        if player == "G":
            with self._autocast():
                fake = self._g_train(x)
            stats = self._g_update(x, y, fake)
            self.after_step(-1)
            return stats
        raise ValueError(f"unknown player {player!r}: this algorithm has {', '.join(self.players)}")

    def _d_update(self, x: torch.Tensor, y: torch.Tensor, fake: torch.Tensor) -> Stats:
        """(1) Update D: minimise ½·[BCE(D(x, y), 1) + BCE(D(x, G(x)), 0)] over every patch."""
        with self._autocast():
            r = self._d_train(x, y).float()
            f = self._d_train(x, fake).float()
        loss = 0.5 * bce_d(r, f)
        self.update(self.opt_d, loss)
        r, f = r.detach(), f.detach()
        return {"loss_d": loss.detach(), "d_real": torch.sigmoid(r).mean(), "d_fake": torch.sigmoid(f).mean(),
                "d_acc": ((r > 0).float().mean() + (f < 0).float().mean()) / 2}

    def _g_update(self, x: torch.Tensor, y: torch.Tensor, fake: torch.Tensor) -> Stats:
        """(2) Update G: minimise BCE(D(x, G(x)), 1) + λ·E|y − G(x)|, D frozen."""
        with self.frozen(self.D):
            with self._autocast():
                f = self._d_frozen(x, fake).float()
            gan = nonsaturating_g(f)
            l1 = (y - fake.float()).abs().mean()
            loss = gan + self.cfg.l1_weight * l1
            self.update(self.opt_g, loss)
        return {"loss_g": loss.detach(), "loss_gan": gan.detach(), "loss_l1": l1.detach()}

    def _fmt(self, t: torch.Tensor) -> torch.Tensor:
        return t.contiguous(memory_format=self.speed.memory_format)


register(Family(
    "pix2pix", FAMILY_TITLES["pix2pix"], algorithm=Pix2PixGAN, networks=networks, inputs=image_input,
    batches="pairs", data="digits-edges", defaults=dict(ADAM, batch_size=64, l1_weight=100.0), image_sizes=SIZES,
    check=check, probes={"critic": patch_critic, "realness": realness, "receptive_field": receptive_field},
    stats=("loss_d", "loss_g", "loss_gan", "loss_l1", "d_real", "d_fake", "d_acc"),
    options={"loss": "bce", "translation": True},
))
