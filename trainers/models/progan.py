"""ProGAN (Karras et al. 2017): grow G and D from 4×4 to the full side while training, fading each new block in.

Training starts at 4×4. Every ``--phase-images`` real images the run moves on: a *fade-in* phase adds the next
resolution's block to G and D and blends it in linearly, α from 0 to 1, then a *stable* phase trains at that
resolution with α = 1; then the next one (4 → 8 → 16 → 32). During a fade-in

    G's output  = (1 − α) · upsample(toRGB_{k−1}(h_{k−1})) + α · toRGB_k(block_k(h_{k−1}))      (nearest ×2)
    D's input   = (1 − α) · fromRGB_{k−1}(avgpool(x)) + α · block_k(fromRGB_k(x))            (average-pool ½)
    real images = (1 − α) · upsample(avgpool(x)) + α · x          (so D compares like with like)

toRGB and fromRGB are 1×1 convs. Every layer has an *equalised learning rate*: weights are drawn from N(0, 1) and
scaled at run time by He's constant √(2 / fan_in), so Adam moves every layer at the same pace. G normalises each
pixel's feature vector after every conv (*pixel norm*, x / √(mean_c x² + 1e-8)), and z itself; D's last block
starts with the *minibatch standard deviation*: the standard deviation of each feature over groups of 4 samples,
averaged to one extra channel, so D can see a batch without variety.

The loss is WGAN-GP with λ = 10, plus a drift term 0.001·E[D(x)²] that keeps D's scores near 0:

    (1) Update D: minimise E[D(G(z))] − E[D(x)] + λ·E[(‖∇D(x̂)‖ − 1)²] + 0.001·E[D(x)²]
    (2) Update G: minimise −E[D(G(z))]

(``--loss bce --r1 γ``: StyleGAN's logistic loss and R1 on these nets instead, as its authors later trained them.)
One D step per G step (``--n-critic`` k: k D steps, each on a fresh real batch, as the paper's code's
``D_training_repeats``), Adam 1e-3, β = (0, 0.99), both optimisers reset when a resolution starts, and an EMA of G
(0.999) for sampling. The schedule counts the real images D is shown, so with k D steps a phase lasts 1/k of the
steps. Small scale: channels ``--width`` · 2^(levels − 1 − k) at level k, capped at 8·width (the paper: 512 down to
16 at 1024 px, flat at 512 up to 64 px); ``--arch flat`` keeps ``--width`` channels at every side instead; ``--arch
bilinear`` is the pyramid with G upsampling bilinear (StyleGAN2's [1, 3, 3, 1] low-pass) instead of nearest before
each block's convs. Pixel norm sets every pixel's feature vector to one length, so whatever a pixel shows is carried
by the direction of its features alone: 8 channels at 32 px leave little room for colour. (Measured on the coloured
digits: flat at width 16 collapsed to one image by 8 px; the pyramid at width 8 kept its variety but drew noisy,
rainbow-stroked digits, at 500 steps a phase and at ``--phase-ratio 2`` alike. Its D is too weak there: at 8 px it
scores fakes above reals and G loses the grounds' colours; ``--n-critic 2`` or width 16 fix the low sides, and
longer phases with an EMA of 0.995 give all ten digits, and ``bilinear`` with G at 2e-3 smooth single-hued strokes:
the bundled ``progan-digits-rgb``; see ``assets/models/rebuild.py``.)
An EMA's horizon should fit inside a phase: 0.999 averages over about 1,000 steps, longer than the phases of a
small run, so G's average would lag across the growing; the coloured recipe sets ``--ema 0.995`` (200 steps).
z of 128 values (the paper: 512); ``--phase-images`` 16,000 (the paper: 800,000): at batch 64 each phase is 250
steps, 32 px is reached stable after 1,500 steps. ``--phase-ratio R`` makes each side's phases R times as long as
those of the side above (R 2: 16 px twice, 8 px 4× and 4 px 8× as many images as 32 px): a step at 4 or 8 px costs
a fraction of one at 32 px, so the small sides can train far longer, as the paper's (600,000 images each) do.

G's output is linear, as in the paper's code: D is trained on it as it is, and images are only clipped to [-1, 1]
when shown or scored (``shown``). (The first version squashed them with tanh when sampling, which D never saw: the
background, trained to −1, came out at −0.76: the bundled model's domain FID read 139, recall 0.02, where the same
weights clipped read 83 and 0.32.)

G keeps the level and α it was last trained at as buffers, so a checkpoint renders as it was (smaller sides
shown upsampled, nearest, to the full side) and the explorer can show every toRGB output of one z.
"""

from __future__ import annotations

import math
from functools import partial

import torch
import torch.nn.functional as F
from torch import nn

from ..algos.base import Batches, GDAlgorithm, Stats
from ..catalog import FAMILY_TITLES
from ..errors import ConfigError
from ..inputs import InputSpec, Part
from ..losses import bce_d, gradient_penalty, nonsaturating_g, r1_penalty
from .blocks import MBSTD_GROUP, EqConv2d, EqLinear, Generator, minibatch_stddev, pixel_norm  # noqa: F401
from ..registry import Family, register

SIZES = (16, 32, 64)
DRIFT = 1e-3


# -- the paper's building blocks (the layers StyleGAN reuses are in blocks.py) ---------------------------------
def _act(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.2)


def channels_at(level: int, levels: int, width: int, flat: bool = False) -> int:
    """Feature channels at level k (side 4·2^k): width · 2^(levels − 1 − k), at most 8·width; ``flat``: width."""
    return width if flat else min(8 * width, width * 2 ** (levels - 1 - level))


def shown(x: torch.Tensor) -> torch.Tensor:
    """G's linear output as an image: clipped to [-1, 1] (the paper's code clips when it saves or scores)."""
    return x.clamp(-1.0, 1.0)


def fade(low: torch.Tensor, high: torch.Tensor, alpha: torch.Tensor | float) -> torch.Tensor:
    """(1 − α)·low + α·high: the blend of a fade-in."""
    return low + (high - low) * alpha


def upsample(x: torch.Tensor, mode: str = "nearest") -> torch.Tensor:
    return F.interpolate(x, scale_factor=2, mode=mode)


def real_at(x: torch.Tensor, level: int, levels: int, alpha: torch.Tensor | float, fading: bool) -> torch.Tensor:
    """Real images as D sees them at ``level``: average-pooled to its side and, while fading in, blended with the
    previous side's (pooled once more and upsampled back)."""
    side = 4 * 2 ** level
    if x.shape[-1] != side:
        x = F.adaptive_avg_pool2d(x, side) if x.shape[-1] % side else F.avg_pool2d(x, x.shape[-1] // side)
    if fading:
        x = fade(upsample(F.avg_pool2d(x, 2)), x, alpha)
    return x


# -- the networks ---------------------------------------------------------------------------------------------
class ProGenerator(nn.Module):
    """z → image, grown level by level (level k makes side 4·2^k); ``level``/``alpha`` buffers say how far."""

    def __init__(self, z_dim: int, size: int, channels: int, width: int, flat: bool = False, up: str = "nearest"):
        super().__init__()
        self.up = up  # how the trunk doubles a side before a block's convs (``--arch bilinear``: filtered)
        self.levels = int(math.log2(size)) - 1  # 4 px is level 0
        self.size = size
        ch = [channels_at(k, self.levels, width, flat) for k in range(self.levels)]
        self.first = EqLinear(z_dim, ch[0] * 16, gain=math.sqrt(2) / 4)  # the paper's 4×4 "dense as deconv"
        self.first_conv = EqConv2d(ch[0], ch[0], 3, 1)
        self.blocks = nn.ModuleList([nn.Identity()] + [
            nn.ModuleList([EqConv2d(ch[k - 1], ch[k], 3, 1), EqConv2d(ch[k], ch[k], 3, 1)])
            for k in range(1, self.levels)])
        self.to_rgb = nn.ModuleList([EqConv2d(c, channels, 1, gain=1.0) for c in ch])
        self.register_buffer("level", torch.tensor(self.levels - 1))
        self.register_buffer("alpha", torch.tensor(1.0))

    def trunk(self, z: torch.Tensor, level: int) -> list[torch.Tensor]:
        """The features of every level up to ``level`` (ch_k × side_k²)."""
        h = self.first(pixel_norm(z)).view(len(z), -1, 4, 4)
        h = pixel_norm(_act(self.first_conv(pixel_norm(_act(h)))))
        feats = [h]
        for k in range(1, level + 1):
            c1, c2 = self.blocks[k]
            h = pixel_norm(_act(c1(upsample(h, self.up))))
            h = pixel_norm(_act(c2(h)))
            feats.append(h)
        return feats

    def at(self, z: torch.Tensor, level: int, alpha: torch.Tensor | float = 1.0, fading: bool = False) -> torch.Tensor:
        """The image at level ``level`` (its own side), blended with the level below while ``fading``."""
        feats = self.trunk(z, level)
        out = self.to_rgb[level](feats[level])
        if fading and level > 0:
            out = fade(upsample(self.to_rgb[level - 1](feats[level - 1])), out, alpha)
        return out

    def outputs(self, z: torch.Tensor, level: int | None = None) -> list[torch.Tensor]:
        """Every toRGB output of ``z`` up to ``level`` (default: the trained one), each at its own side."""
        level = int(self.level) if level is None else level
        feats = self.trunk(z, level)
        return [shown(self.to_rgb[k](f)) for k, f in enumerate(feats)]

    def forward(self, z: torch.Tensor, level: int | None = None, alpha: torch.Tensor | float = 1.0,
                fading: bool = False) -> torch.Tensor:
        """The image at the trained level and α, shown at the full side (nearest) and clipped to [-1, 1]; with a
        ``level``, the raw training output ``at(z, level, alpha, fading)`` (how the step calls it, through DDP)."""
        if level is not None:
            return self.at(z, level, alpha, fading)
        level = int(self.level)
        alpha = self.alpha
        out = self.at(z, level, alpha, fading=bool(alpha < 1))
        return full_side(shown(out), self.size)


def full_side(x: torch.Tensor, size: int) -> torch.Tensor:
    """An image of a smaller level shown at the full side, each pixel repeated (what the sample grids show)."""
    return x if x.shape[-1] == size else F.interpolate(x, size=(size, size), mode="nearest")


class ProDiscriminator(nn.Module):
    """image at level k → one score; fromRGB at every level, blocks conv 3×3 → conv 3×3 → avg-pool ½, and the
    4×4 block: minibatch stddev → conv 3×3 → dense → dense 1."""

    def __init__(self, size: int, channels: int, width: int, flat: bool = False):
        super().__init__()
        self.levels = int(math.log2(size)) - 1
        ch = [channels_at(k, self.levels, width, flat) for k in range(self.levels)]
        self.from_rgb = nn.ModuleList([EqConv2d(channels, c, 1) for c in ch])
        self.blocks = nn.ModuleList([nn.Identity()] + [
            nn.ModuleList([EqConv2d(ch[k], ch[k], 3, 1), EqConv2d(ch[k], ch[k - 1], 3, 1)])
            for k in range(1, self.levels)])
        self.last_conv = EqConv2d(ch[0] + 1, ch[0], 3, 1)
        self.dense = EqLinear(ch[0] * 16, ch[0])
        self.out = EqLinear(ch[0], 1, gain=1.0)

    def _block(self, k: int, h: torch.Tensor) -> torch.Tensor:
        c1, c2 = self.blocks[k]
        return F.avg_pool2d(_act(c2(_act(c1(h)))), 2)

    def forward(self, x: torch.Tensor, level: int, alpha: torch.Tensor | float = 1.0,
                fading: bool = False) -> torch.Tensor:
        h = _act(self.from_rgb[level](x))
        if level > 0:
            h = self._block(level, h)
            if fading:
                h = fade(_act(self.from_rgb[level - 1](F.avg_pool2d(x, 2))), h, alpha)
        for k in range(level - 1, 0, -1):
            h = self._block(k, h)
        h = _act(self.last_conv(minibatch_stddev(h)))
        return self.out(_act(self.dense(h.flatten(1))))


# -- the schedule ---------------------------------------------------------------------------------------------
def phase_length(level: int, phase_images: int, levels: int, ratio: float = 1.0) -> int:
    """Real images in each phase of ``level``: ``phase_images`` at the top level, ``ratio`` times more at each level
    below it (``--phase-ratio``)."""
    return max(1, round(phase_images * ratio ** (levels - 1 - level)))


def schedule(images: int, phase_images: int, levels: int, ratio: float = 1.0) -> tuple[int, float, bool]:
    """(level, α, fading) after ``images`` real images: phase 0 is 4×4 stable; phase 2k − 1 fades level k in (α
    from 0 to 1 over the phase), phase 2k trains it stable; the last level stays stable to the end. Each phase of
    level k lasts ``phase_length(k)`` images."""
    last = levels - 1
    start, p = 0, 0
    while p < 2 * last:
        level = (p + 1) // 2
        n = phase_length(level, phase_images, levels, ratio)
        if images < start + n:
            if p % 2 == 1:
                return level, (images - start) / n, True
            return level, 1.0, False
        start, p = start + n, p + 1
    return last, 1.0, False


# -- the family -------------------------------------------------------------------------------------------------
def noise_input(cfg, class_names=()) -> InputSpec:
    return InputSpec((Part("z", "normal", cfg.z_dim),))


def networks(cfg, sample_shape: tuple[int, ...], inputs: InputSpec, flat: bool = False,
             up: str = "nearest") -> dict[str, nn.Module]:
    c, s, _ = sample_shape
    return {"G": Generator(ProGenerator(cfg.z_dim, s, c, cfg.width, flat, up), inputs),
            "D": ProDiscriminator(s, c, cfg.width, flat)}


def flat_networks(cfg, sample_shape: tuple[int, ...], inputs: InputSpec) -> dict[str, nn.Module]:
    """``--arch flat``: ``--width`` channels at every side, as the paper's nets up to 64 px (512 each)."""
    return networks(cfg, sample_shape, inputs, flat=True)


def check(cfg) -> None:
    if not (isinstance(cfg.phase_images, int) and 1 <= cfg.phase_images <= 10 ** 9):
        raise ConfigError(f"--phase-images must be a positive number of images, got {cfg.phase_images}",
                          field='phase_images')
    per_step = cfg.batch_size * (cfg.n_critic or 1)
    if cfg.phase_images < per_step:
        raise ConfigError(f"--phase-images {cfg.phase_images} is less than one step's real images ({per_step}: "
                          "batch × D steps per G step): a phase would last no step", field='phase_images')
    ratio = cfg.phase_ratio
    if not (isinstance(ratio, (int, float)) and math.isfinite(ratio) and 0.25 <= ratio <= 16):
        raise ConfigError(f"--phase-ratio must be a number from 0.25 to 16 (1: every phase as long), got {ratio}",
                          field='phase_ratio')


class ProGAN(GDAlgorithm):
    """Progressive growing with WGAN-GP and drift (module docstring)."""

    players = ("D", "G")
    step_player = "G"
    augments = True
    repeats_d = True
    remedies = frozenset({"loss:bce", "r1"})  # of the remedies (``remedies.py``): the logistic loss and R1 only

    def __init__(self, cfg, family, nets: dict[str, nn.Module], inputs, device: torch.device, class_names=(),
                 dist=None, speed=None):
        super().__init__(cfg, family, inputs, device, class_names, dist, speed)
        run = self.runner
        self.G = run.prepare(nets["G"], channels_last=False)
        self.D = run.prepare(nets["D"], channels_last=False)
        self.levels = self.G.body.levels
        self.batches_per_step = cfg.n_critic  # k real batches a step: one for each D update
        self.opt_g, self.opt_d = self.adam(self.G.parameters(), cfg.lr_g), self.adam(self.D.parameters(), cfg.lr_d)
        # the step calls G's body (its level and α as arguments); the levels not yet grown sit out under torchrun
        self._g_train = run.wrap(self.G.body, unused=True)
        self._d_train = run.wrap(self.D, unused=True)
        self._d_frozen = run.wrap(self.D, distributed=False)
        self.keep_ema(self.G, cfg.ema)
        # --loss bce (--r1 γ): StyleGAN's logistic loss with R1 on ProGAN's nets, in place of WGAN-GP + drift
        self.logistic, self.r1 = getattr(cfg, "loss", "family") == "bce", float(getattr(cfg, "r1", None) or 0)
        self._shape = None  # (level, fading) the last step ran with

    def describe_more(self) -> dict:
        return {"phase_images": self.cfg.phase_images, "phase_ratio": self.cfg.phase_ratio, "levels": self.levels,
                "gp_weight": self.cfg.gp_weight, "n_critic": self.cfg.n_critic}

    @property
    def images_per_step(self) -> int:
        return self.cfg.batch_size * self.cfg.n_critic

    def state_at(self, step: int) -> tuple[int, float, bool]:
        """(level, α, fading) of training step ``step`` (1-based): the real images shown before it decide."""
        return schedule((step - 1) * self.images_per_step, self.cfg.phase_images, self.levels, self.cfg.phase_ratio)

    def _enter(self, step: int) -> tuple[int, torch.Tensor, bool]:
        level, alpha, fading = self.state_at(step)
        if step > 1 and self.state_at(step - 1)[0] != level:  # a resolution starts: both Adams afresh
            self.opt_g.state.clear()
            self.opt_d.state.clear()
        if self._shape != (level, fading):
            self._shape = (level, fading)
            self.forget_graph()
        body = self.G.body
        body.level.fill_(level)
        body.alpha.fill_(alpha)
        return level, torch.tensor(alpha, device=self.device), fading

    # -- one iteration ------------------------------------------------------------------------------------
    def train_step(self, batches: Batches, step: int) -> Stats:
        level, alpha, fading = self._enter(step)
        n = len(batches["x"])  # this process's share of the k batches (all of them without torchrun)
        z = self.inputs.sample(n, self.noise, self.device)["z"]
        eps = torch.rand(n, 1, 1, 1, generator=self.noise, device=self.device)
        inputs = {"x": batches["x"], "z": z, "eps": eps, "alpha": alpha}
        stats = self.runner.run(lambda t: self._iteration(t, level, fading), inputs)
        self.after_step(step)
        return stats

    def _iteration(self, t: dict[str, torch.Tensor], level: int, fading: bool) -> Stats:
        """k D updates, each on its own real batch, z and ε; G's output on the last z is what the last D update
        learns to reject and then what G learns from."""
        k = self.cfg.n_critic
        reals, zs, epss = t["x"].chunk(k), t["z"].chunk(k), t["eps"].chunk(k)
        alpha = t["alpha"]
        for i in range(k - 1):
            with torch.no_grad():
                fake = self.G.body.at(zs[i], level, alpha, fading)
            self._d_update(real_at(reals[i], level, self.levels, alpha, fading), fake, epss[i], level, alpha, fading)
        real = real_at(reals[-1], level, self.levels, alpha, fading)
        fake = self._g_train(zs[-1], level, alpha, fading)
        stats = self._d_update(real, fake.detach(), epss[-1], level, alpha, fading)
        stats.update(self._g_update(fake, level, alpha, fading))
        stats["resolution"] = torch.tensor(float(4 * 2 ** level), device=real.device)
        stats["alpha"] = alpha.float() if fading else torch.ones((), device=real.device)
        return stats

    def manual_step(self, player: str, batches: Batches) -> Stats:
        """One update of one player while paused, at the level and α the run is at."""
        body = self.G.body
        level, fading = int(body.level), bool(body.alpha < 1)
        alpha = body.alpha.clone()
        n = self.cfg.batch_size // (self.dist.world if self.dist is not None else 1)
        if player == "D":
            real = real_at(batches["x"], level, self.levels, alpha, fading)
            z = self.inputs.sample(len(real), self.noise, self.device)["z"]
            eps = torch.rand(len(real), 1, 1, 1, generator=self.noise, device=self.device)
            with torch.no_grad():
                fake = body.at(z, level, alpha, fading)
            return self._d_update(real, fake, eps, level, alpha, fading)
        if player == "G":
            z = self.inputs.sample(n, self.noise, self.device)["z"]
            stats = self._g_update(self._g_train(z, level, alpha, fading), level, alpha, fading)
            self.after_step(-1)
            return stats
        raise ValueError(f"unknown player {player!r}: this algorithm has {', '.join(self.players)}")

    def _d_update(self, real, fake, eps, level: int, alpha, fading: bool) -> Stats:
        """(1) Update D: minimise E[D(G(z))] − E[D(x)] + λ·GP + 0.001·E[D(x)²] (on what ``--augment`` makes of the
        batches); with ``--loss bce`` the logistic loss + γ/2·R1 instead."""
        real, fake = self.aug(real), self.aug(fake)
        if self.logistic:
            real = real.detach().requires_grad_(self.r1 > 0)
        r = self._d_train(real, level, alpha, fading).float()
        f = self._d_train(fake, level, alpha, fading).float()
        if self.logistic:
            pen = r1_penalty(r, real) if self.r1 > 0 else torch.zeros((), device=r.device)
            adv = bce_d(r, f)
            self.update(self.opt_d, adv + self.r1 / 2 * pen)
            return {"loss_d": adv.detach(), "wdist": (r.mean() - f.mean()).detach(), "r1": pen.detach(),
                    **self.aug.seen(r)}
        gp = gradient_penalty(lambda x: self.D(x, level, alpha, fading), real.float(), fake.float(), eps=eps)
        drift = r.pow(2).mean()
        loss = f.mean() - r.mean() + self.cfg.gp_weight * gp + DRIFT * drift
        self.update(self.opt_d, loss)
        return {"loss_d": loss.detach(), "wdist": (r.mean() - f.mean()).detach(), "gp": gp.detach(),
                "drift": drift.detach(), **self.aug.seen(r)}

    def _g_update(self, fake, level: int, alpha, fading: bool) -> Stats:
        """(2) Update G: minimise −E[D(G(z))], D frozen."""
        with self.frozen(self.D):
            f = self._d_frozen(self.aug(fake), level, alpha, fading).float()
            loss = nonsaturating_g(f) if self.logistic else -f.mean()
            self.update(self.opt_g, loss)
        return {"loss_g": loss.detach()}


register(Family(
    "progan", FAMILY_TITLES["progan"], algorithm=ProGAN, networks=networks, inputs=noise_input,
    defaults=dict(lr_g=1e-3, lr_d=1e-3, beta1=0.0, beta2=0.99, batch_size=64, n_critic=1, z_dim=128, width=16,
                  gp_weight=10.0, ema=0.999, phase_images=16000, phase_ratio=1.0, arch="pyramid"),
    variants={"pyramid": networks, "flat": flat_networks, "bilinear": partial(networks, up="bilinear")},
    legacy_arch="pyramid",
    image_sizes=SIZES, check=check, capabilities=frozenset({"growth", "swd"}),
    probes={"shown": shown, "sefa_weight": lambda G: G.body.first.weight.detach()},  # SeFa's A: the dense 4×4 layer
    fields={"phase_images": "Images per phase", "phase_ratio": "Lower sides ×"},
    stats=("loss_d", "loss_g", "wdist", "gp", "drift", "r1", "resolution", "alpha"),
    options={"loss": "wgan-gp"},
))
