"""SRGAN (Ledig et al. 2017): super-resolution with a perceptual content loss and an adversarial term.

G is SRResNet: a 9×9 conv and PReLU, B residual blocks (conv 3×3 → BN → PReLU → conv 3×3 → BN, plus the block's
input) with a skip around all of them, then one stage per factor 2 of conv 3×3 to 4w channels → PixelShuffle(2)
(4w × S² → w × (2S)²) → PReLU, and a 9×9 conv out (tanh: images are in [-1, 1] as everywhere in GAN Studio). The
paper has B = 16 blocks of 64 channels; here B = 8 blocks of ``--width`` (default 32) channels, which at 7 → 28 px
trains in minutes on a laptop CPU.

D is the paper's VGG-style critic scaled to 28–32 px: 3×3 convs w, w, 2w, 2w, 4w, 4w with strides 1, 2, 1, 2, 1, 2
(BatchNorm from the second, LeakyReLU 0.2), then dense 16w → LeakyReLU → dense 1. The paper has eight convs up to
512 channels and a dense 1024 on 96 px crops.

Training runs in two phases, as the paper's:

    (1) SRResNet, steps 1 … P (``--pretrain-steps``, default 2,000): minimise E‖G(x_LR) − x_HR‖² (pixels)
    (2) SRGAN, steps P+1 … N, G starting from (1) with a fresh Adam; the learning rates fall ×0.1 after step
        ``--decay-start`` (default P + 1,000). Both are step counts, not shares of ``--steps`` (the paper's are too:
        10⁶ SRResNet iterations, then 10⁵ at 10⁻⁴ and 10⁵ at 10⁻⁵), so a run resumed with more steps continues the
        schedule it started with:
        Update D: minimise −E[log D(x_HR)] − E[log(1 − D(G(x_LR)))]
        Update G: minimise l_content(G(x_LR), x_HR) + 10⁻³ · (−E[log D(G(x_LR))])   (``--adv-weight``)

The content loss is the squared distance of feature maps, divided by the mean square of the real image's features
(the paper divides VGG's by a constant, 1/12.75, for the same purpose: a scale comparable to the pixel MSE's):

    l_content = E‖φ(G(x_LR)) − φ(x_HR)‖² / E‖φ(x_HR)‖²

The paper's φ is VGG19's conv5_4 (after ReLU), an ImageNet network that cannot be downloaded here and would see
little of a 28-px digit. ``--content features`` (the default) uses instead the deepest conv features of the small
classifier GAN Studio trains on the same data for its domain scores (``trainers/metrics/features.py``; for
``digits`` the one shipped in assets/): a frozen copy is kept in the checkpoint, so the run does not depend on the
cache. ``--content mse`` is the paper's SRGAN-MSE (pixels only); ``--content PATH`` takes a torchvision VGG19
weights file the user has (``vgg19-dcbb9e9d.pth``, read with ``torch.load(weights_only=True)``), for RGB data.

The run also keeps the SRResNet of phase (1) (module ``R``, frozen at the switch), so one checkpoint shows
bicubic, SRResNet and SRGAN side by side (the explorer's Enhance tool, ``ganstudio eval``).

Batches: any image set (``--data digits``, ``digits-rgb``, ``cifar10``, a folder), the low-resolution input made by
area downsampling (the mean of each ``--scale`` × ``--scale`` block): ×4 is 7 → 28 and 8 → 32, ×2 is 14 → 28 and
16 → 32. Adam 1e-4, β = (0.9, 0.999), batch 16 as the paper (batch 64 here: small images).
"""

from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F
from torch import nn

from ..algos.base import Batches, GDAlgorithm, Stats
from ..catalog import FAMILY_TITLES
from ..errors import ConfigError
from ..images import bicubic, downsample  # noqa: F401  (the baseline and the LR operator, shared)
from ..inputs import InputSpec, Part
from ..losses import bce_d, nonsaturating_g
from ..perceptual import FeatureContent, VGGContent, content_distance, content_kind, read_vgg19  # noqa: F401
from .pix2pix import ReferenceInputs, Translator
from ..registry import Family, register

BLOCKS = 8  # residual blocks of G (the paper: 16)
SCALES = (2, 4)
SIZES = (28, 32, 64)
LR_DROP = 0.1  # the learning rates' factor for the second half of the adversarial phase


# -- networks -----------------------------------------------------------------------------------------------
class ResidualBlock(nn.Module):
    """x + (conv 3×3 → BN → PReLU → conv 3×3 → BN)(x)."""

    def __init__(self, ch: int):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(ch, ch, 3, 1, 1, bias=False), nn.BatchNorm2d(ch), nn.PReLU(),
                                  nn.Conv2d(ch, ch, 3, 1, 1, bias=False), nn.BatchNorm2d(ch))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class SRResNet(nn.Module):
    """C × s² → C × (f·s)²: the paper's generator with ``blocks`` residual blocks of ``width`` channels."""

    def __init__(self, channels: int, scale: int, width: int = 32, blocks: int = BLOCKS):
        super().__init__()
        if scale not in SCALES:
            raise ValueError(f"scale must be one of {SCALES}, got {scale}")
        self.scale = scale
        self.head = nn.Sequential(nn.Conv2d(channels, width, 9, 1, 4), nn.PReLU())
        self.body = nn.Sequential(*[ResidualBlock(width) for _ in range(blocks)],
                                  nn.Conv2d(width, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width))
        self.up = nn.Sequential(*[nn.Sequential(nn.Conv2d(width, 4 * width, 3, 1, 1), nn.PixelShuffle(2), nn.PReLU())
                                  for _ in range(int(math.log2(scale)))])
        self.tail = nn.Conv2d(width, channels, 9, 1, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.head(x)
        h = h + self.body(h)
        return torch.tanh(self.tail(self.up(h)))


class SRDiscriminator(nn.Module):
    """D(x_HR) → one logit: the paper's VGG-style critic, six convs instead of eight (see the module docstring)."""

    def __init__(self, channels: int, width: int = 32):
        super().__init__()
        plan = [(width, 1), (width, 2), (2 * width, 1), (2 * width, 2), (4 * width, 1), (4 * width, 2)]
        layers: list[nn.Module] = []
        prev = channels
        for i, (ch, stride) in enumerate(plan):
            layers.append(nn.Conv2d(prev, ch, 3, stride, 1, bias=i == 0))
            if i:
                layers.append(nn.BatchNorm2d(ch))
            layers.append(nn.LeakyReLU(0.2, True))
            prev = ch
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(4), nn.Flatten())
        self.head = nn.Sequential(nn.Linear(prev * 16, 16 * width), nn.LeakyReLU(0.2, True), nn.Linear(16 * width, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


# -- the family ---------------------------------------------------------------------------------------------
def low_input(cfg, class_names=()) -> InputSpec:
    """One input: the low-resolution image, (C, S/f, S/f)."""
    s = cfg.image_size // (cfg.scale or 4)
    return InputSpec((Part("x", "image", shape=(cfg.channels, s, s)),))


def networks(cfg, sample_shape: tuple[int, ...], inputs: InputSpec) -> dict[str, nn.Module]:
    c = sample_shape[0]
    nets = {"G": Translator(SRResNet(c, cfg.scale, cfg.width), inputs), "D": SRDiscriminator(c, cfg.width)}
    if content_kind(cfg) == "features":
        nets["Phi"] = FeatureContent(c)
    return nets


def check(cfg) -> None:
    from ..data import native_shape

    if native_shape(cfg.data).kind != "image":
        raise ConfigError(f"srgan upscales images; {cfg.data!r} is a 2D set: use --data digits, digits-rgb, cifar10 or "
                          "a folder of images", field='data')
    if cfg.scale not in SCALES:
        raise ConfigError(f"--scale must be 2 or 4, got {cfg.scale}", field='scale')
    if cfg.image_size % cfg.scale:
        raise ConfigError(f"--image-size {cfg.image_size} is not a multiple of --scale {cfg.scale}", field='image_size')
    if isinstance(cfg.pretrain_steps, bool) or not (isinstance(cfg.pretrain_steps, int) and cfg.pretrain_steps >= 0):
        raise ConfigError(f"--pretrain-steps must be a number of steps ≥ 0, got {cfg.pretrain_steps}",
                          field='pretrain_steps')
    if cfg.decay_start is not None and cfg.decay_start < cfg.pretrain_steps:
        raise ConfigError(f"--decay-start {cfg.decay_start} comes before the adversarial phase (after step "
                          f"{cfg.pretrain_steps}, --pretrain-steps): give a later step, or leave it out",
                          field='decay_start')
    if not (isinstance(cfg.adv_weight, (int, float)) and math.isfinite(cfg.adv_weight) and 0 <= cfg.adv_weight <= 10):
        raise ConfigError(f"--adv-weight must be in [0, 10] (the paper's 1e-3), got {cfg.adv_weight}",
                          field='adv_weight')
    if content_kind(cfg) == "vgg19":
        read_vgg19(cfg.content)  # a clear error now rather than at the first step
    elif content_kind(cfg) == "features":
        info = native_shape(cfg.data)
        if not info.classes:
            raise ConfigError(f"--content features needs the classifier GAN Studio trains on a labelled dataset; "
                              f"{cfg.data!r} has no labels: use --content mse, or --content PATH of a VGG19 weights "
                              "file", field='content')
    if cfg.lr_decay in ("linear", "anneal"):
        raise ConfigError("srgan has the paper's schedule (the learning rates ×0.1 after --decay-start, in the adversarial "
                          "phase): leave --lr-decay out", field='lr_decay')


class SRGAN(ReferenceInputs, GDAlgorithm):
    """SRResNet pre-training, then SRResNet against a VGG-style D with a content loss (module docstring)."""

    players = ("D", "G")
    step_player = "G"
    input_key = "low"
    GRID_INPUTS = 16  # four images per input (LR | bicubic | SR | HR), two inputs to a row of eight

    def __init__(self, cfg, family, nets: dict[str, nn.Module], inputs, device: torch.device, class_names=(),
                 dist=None, speed=None):
        super().__init__(cfg, family, inputs, device, class_names, dist, speed)
        run = self.runner
        self.G = run.prepare(nets["G"])
        self.D = run.prepare(nets["D"])
        # the SRResNet of phase (1), frozen at the switch (until then: G's initial weights)
        self.R = copy.deepcopy(self.G).requires_grad_(False).eval()
        kind = content_kind(cfg)
        self.Phi: FeatureContent | None = None
        if kind == "features":
            self.Phi = nets["Phi"].to(device)
        elif kind == "vgg19":
            self.Phi = VGGContent(cfg.content).to(device)
        self.module_names = ("G", "D", "R") + (("Phi",) if kind == "features" else ())
        self.opt_g, self.opt_d = self.adam(self.G.parameters(), cfg.lr_g), self.adam(self.D.parameters(), cfg.lr_d)
        self._g_train = run.wrap(self.G)
        self._d_train = run.wrap(self.D)
        self._d_frozen = run.wrap(self.D, distributed=False)
        self.reference: Batches = {}
        self.data = None  # the training set (``prepare``): where a fresh run's φ comes from
        self._content_ready = False  # φ checked (filled, or loaded with a resumed run's checkpoint)
        self.last_step = torch.zeros((), dtype=torch.long)  # the last step trained (kept with the RNG state)
        self.keep_ema(self.G, cfg.ema)

    def prepare(self, data) -> None:
        self.data = data

    # -- phases ---------------------------------------------------------------------------------------------
    def phase(self, step: int) -> str:
        """"mse" for steps 1 … P, "gan" after."""
        return "mse" if step <= self.cfg.pretrain_steps else "gan"

    def lr_factor(self, step: int) -> float:
        """1 until ``decay_start`` (in the adversarial phase), then ``LR_DROP`` (the paper: 1e-4, then 1e-5)."""
        return LR_DROP if step > self.cfg.pretrain_steps and step > self.cfg.decay_start else 1.0

    def _enter(self, step: int) -> None:
        """What changes at a step: the switch to SRGAN (R keeps SRResNet; G's Adam starts afresh), the lr drop."""
        if step == self.cfg.pretrain_steps + 1:
            self.R.load_state_dict(self.G.state_dict())
            self.opt_g.state.clear()
            self.forget_graph()
        f = self.lr_factor(step)
        for opt, lr in ((self.opt_g, self.cfg.lr_g), (self.opt_d, self.cfg.lr_d)):
            for group in opt.param_groups:
                if group["lr"] != lr * f:
                    group["lr"] = lr * f
                    self.forget_graph()
        self.last_step.fill_(step)

    def _fill_content(self) -> None:
        """φ's weights from the data's classifier, its energy from the fixed reference batch (a fresh run). Checked
        once: after that a Python flag answers, so the step never reads a device tensor back (a sync on a GPU)."""
        if self._content_ready:
            return
        self._content_ready = True
        if self.Phi is None or bool(self.Phi.filled):
            if isinstance(self.Phi, VGGContent) and float(self.Phi.energy) == 1.0:
                self.Phi.set_energy(self.reference["x"])
            return
        from ..metrics.features import get_extractor

        if self.data is None:
            raise ConfigError("srgan: the content network needs the training set (the loop hands it over)")
        data = self.data
        if self.cfg.data_limit:  # the classifier of the whole set (for digits: the one shipped), not of a part
            from ..data import load_dataset

            data = load_dataset(self.cfg.data, root=self.cfg.data_root, channels=self.cfg.channels)
        ex = get_extractor(data, "cpu")
        self.Phi.fill(ex.net.trunk.to(self.device), self.reference["x"])

    def describe_more(self) -> dict:
        c = self.cfg
        return {"scale": c.scale, "blocks": BLOCKS, "pretrain_steps": c.pretrain_steps, "adv_weight": c.adv_weight,
                "content": content_kind(c)}

    def rng_state(self) -> dict[str, torch.Tensor]:
        return {**super().rng_state(), "last_step": self.last_step.clone()}

    def load_rng_state(self, tensors: dict[str, torch.Tensor]) -> None:
        super().load_rng_state(tensors)
        self.last_step = tensors["last_step"].clone().cpu()

    # -- grids ----------------------------------------------------------------------------------------------
    def grid_latent(self, n: int, seed: int) -> tuple[dict[str, torch.Tensor], int]:
        k = min(self.GRID_INPUTS, len(self.reference[self.input_key]))
        return {"x": self.reference[self.input_key][:k]}, 8

    def grid(self, latent: dict[str, torch.Tensor]) -> torch.Tensor:
        """LR (nearest) | bicubic | SR | HR for each of the grid's inputs."""
        x = latent["x"].float().cpu()
        s = self.cfg.scale
        sr = self.render(latent)
        hr = self.reference["x"][:len(x)].float().cpu()
        near = F.interpolate(x, scale_factor=s, mode="nearest")
        return torch.stack([near, bicubic(x, s), sr, hr], 1).flatten(0, 1)

    # -- one iteration ----------------------------------------------------------------------------------------
    def train_step(self, batches: Batches, step: int) -> Stats:
        self._fill_content()
        self._enter(step)
        fn = self._mse_iteration if self.phase(step) == "mse" else self._gan_iteration
        stats = self.runner.run(fn, {"low": batches["low"], "x": batches["x"]})
        self.after_step(step)
        return stats

    def _mse_iteration(self, inputs: dict[str, torch.Tensor]) -> Stats:
        low, hr = self._fmt(inputs["low"]), self._fmt(inputs["x"])
        with self._autocast():
            fake = self._g_train(low)
        return self._g_pixels(hr, fake)

    def _gan_iteration(self, inputs: dict[str, torch.Tensor]) -> Stats:
        low, hr = self._fmt(inputs["low"]), self._fmt(inputs["x"])
        with self._autocast():
            fake = self._g_train(low)
        stats = self._d_update(hr, fake.detach())
        stats.update(self._g_update(hr, fake))
        return stats

    def manual_step(self, player: str, batches: Batches) -> Stats:
        """One update of one player while paused, in the phase the run is in."""
        self._fill_content()
        low, hr = self._fmt(batches["low"]), self._fmt(batches["x"])
        gan = self.phase(int(self.last_step) + 1) == "gan"
        if player == "D":
            with torch.no_grad(), self._autocast():
                fake = self.G(low)
            return self._d_update(hr, fake)
        if player == "G":
            with self._autocast():
                fake = self._g_train(low)
            stats = self._g_update(hr, fake) if gan else self._g_pixels(hr, fake)
            self.after_step(-1)
            return stats
        raise ValueError(f"unknown player {player!r}: this algorithm has {', '.join(self.players)}")

    def _g_pixels(self, hr: torch.Tensor, fake: torch.Tensor) -> Stats:
        """(1) SRResNet: minimise E‖G(x_LR) − x_HR‖²."""
        mse = (fake.float() - hr.float()).pow(2).mean()
        self.update(self.opt_g, mse)
        return {"loss_g": mse.detach(), "loss_mse": mse.detach(), "phase": torch.zeros((), device=mse.device)}

    def _d_update(self, hr: torch.Tensor, fake: torch.Tensor) -> Stats:
        """(2) Update D: minimise −E[log D(x_HR)] − E[log(1 − D(G(x_LR)))]."""
        with self._autocast():
            r = self._d_train(hr).float()
            f = self._d_train(fake).float()
        loss = bce_d(r, f)
        self.update(self.opt_d, loss)
        r, f = r.detach(), f.detach()
        return {"loss_d": loss.detach(), "d_real": torch.sigmoid(r).mean(), "d_fake": torch.sigmoid(f).mean()}

    def _g_update(self, hr: torch.Tensor, fake: torch.Tensor) -> Stats:
        """(2) Update G: minimise l_content + w_adv · (−E[log D(G(x_LR))]), D frozen."""
        with self.frozen(self.D):
            with self._autocast():
                f = self._d_frozen(fake).float()
            adv = nonsaturating_g(f)
            content = content_distance(self.Phi, fake, hr)
            loss = content + self.cfg.adv_weight * adv
            self.update(self.opt_g, loss)
        mse = (fake.detach().float() - hr.float()).pow(2).mean()
        return {"loss_g": loss.detach(), "loss_content": content.detach(), "loss_adv": adv.detach(),
                "loss_mse": mse, "phase": torch.ones((), device=mse.device)}

    def _fmt(self, t: torch.Tensor) -> torch.Tensor:
        return t.contiguous(memory_format=self.speed.memory_format)


def srresnet(gen) -> Translator | None:
    """The SRResNet of a run's phase (1) (module ``R``: eval, CPU), or None when the checkpoint holds none or the
    run had not reached the adversarial phase (then G itself is still the SRResNet)."""
    cfg = gen.meta["config"]
    if int(gen.meta.get("step") or 0) <= int(cfg.get("pretrain_steps") or 0):
        return None
    return gen.module("R", network="G")


GAN_STEPS_AT_FULL_LR = 1000  # the default --decay-start is this many steps into the adversarial phase


def settle(cfg) -> None:
    """The lr drop's step, when not given: ``GAN_STEPS_AT_FULL_LR`` after the SRResNet phase."""
    if cfg.decay_start is None and isinstance(cfg.pretrain_steps, int):
        cfg.decay_start = cfg.pretrain_steps + GAN_STEPS_AT_FULL_LR


register(Family(
    "srgan", FAMILY_TITLES["srgan"], algorithm=SRGAN, networks=networks, inputs=low_input, batches="lowhigh",
    defaults=dict(lr_g=1e-4, lr_d=1e-4, beta1=0.9, beta2=0.999, batch_size=64, width=32, scale=4, adv_weight=1e-3,
                  content="features", pretrain_steps=2000),
    image_sizes=SIZES, check=check, settle=settle,
    probes={"srresnet": srresnet, "downsample": downsample, "bicubic": bicubic},
    stats=("loss_d", "loss_g", "loss_content", "loss_adv", "loss_mse", "d_real", "d_fake", "phase"),
    options={"loss": "bce", "translation": True, "superres": True},
))
