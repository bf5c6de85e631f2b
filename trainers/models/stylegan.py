"""StyleGAN (Karras et al. 2019), with StyleGAN2's modulated convolutions (Karras et al. 2020), small.

G has two parts. The *mapping network* f turns z into w ∈ W: pixel norm, then ``--mapping-depth`` dense layers
(LeakyReLU 0.2) whose learning rate is 0.01 of the rest (the paper's, so W moves slowly). The *synthesis network*
starts from a learnt constant 4×4 and doubles the side at each block (×2 upsampling then a 3×3 conv; one conv at
4×4, two at every later side); every conv is *modulated* by its own copy of w:

    s = A(w)                                   (a dense "affine" layer per conv, bias 1: the style)
    w'_ijk = s_i · w_ijk                        (scale each input channel i of the weights)
    w''_ijk = w'_ijk / √(Σ_ik w'_ijk² + ε)      (demodulate: each output channel j back to unit scale)

then a per-layer noise image times a learnt strength is added (the stochastic detail: stroke texture), a bias
and LeakyReLU. Each side also has a 1×1 toRGB (modulated, not demodulated) whose outputs are summed up the sides
(StyleGAN2's "skip" generator). Both upsamplings, of the features and of the summed image, are filtered
(``--arch bilinear``, the default): StyleGAN2 zero-inserts and low-passes with the binomial [1, 3, 3, 1], which is
bilinear interpolation, as here. The first version (``--arch nearest``, what runs without an arch were built with)
repeated pixels: the 4- and 8-px toRGB outputs showed as blocks on smooth coloured grounds (figures: README).

The w fed to the layers is one per layer (W+): the same w everywhere, except under *style mixing* (``--mixing``
0.9): a second z's w takes over from a random layer on, so no layer relies on its neighbours' style. Layers 0–1
act at 4 px, 2–3 at 8 px, ...: the coarse layers set shape, the fine ones stroke. The mapping network keeps the
running average w̄ of W; *truncation* moves w towards it: w̄ + ψ(w − w̄).

D is ProGAN's (``progan.py``) at full size: fromRGB, conv blocks, minibatch stddev, dense layers; equalised
learning rates everywhere. The loss is the non-saturating logistic one with a lazy R1 penalty on real images
(every 16 steps, ×16, the optimiser's rate and β adjusted by 16/17 as the paper's code):

    (1) Update D: minimise softplus(D(G(z))) + softplus(−D(x))   [+ every 16 steps: 16 · γ/2 · E‖∇_x D(x)‖²]
    (2) Update G: minimise softplus(−D(G(z)))                     [+ optional path-length regulariser]

Adam 2e-3, β (0, 0.99), EMA of G 0.999. Small scale: z and w of 64 (the paper: 512), 4 mapping layers (the
paper: 8), ``--width`` · 2^(levels − 1 − k) channels at level k, at most 8·width. Noise is drawn afresh while
training and fixed (kept in the checkpoint) when sampling: a seed renders the same image every time.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..algos.base import Batches, GDAlgorithm, Stats
from ..catalog import FAMILY_TITLES
from ..errors import ConfigError
from ..inputs import InputSpec, Part
from ..losses import r1_penalty  # noqa: F401  (zero-centred on reals; tests read it here)
from .blocks import Generator, pixel_norm
from .progan import ProDiscriminator, channels_at
from ..registry import Family, register

SIZES = (16, 32, 64)
R1_EVERY, PL_EVERY = 16, 4  # lazy regularisation intervals of R1 and the path-length term (the paper's)
W_AVG_BETA = 0.995  # w̄ ← lerp(w̄, mean w, 1 − β) every step (the paper's)
SQRT2 = math.sqrt(2)


class MappedLinear(nn.Module):
    """A dense layer with equalised lr and a learning-rate multiplier: w ~ N(0, 1/m²), used as w·m/√fan_in; so
    Adam's steps on it are m times smaller in effect (the mapping network's 0.01)."""

    def __init__(self, cin: int, cout: int, lr_mul: float = 1.0, bias_init: float = 0.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin) / lr_mul)
        self.bias = nn.Parameter(torch.full((cout,), float(bias_init) / lr_mul))
        self.scale, self.lr_mul = lr_mul / math.sqrt(cin), lr_mul

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.scale, self.bias * self.lr_mul)


class Mapping(nn.Module):
    """f: z → w, pixel norm then ``depth`` dense layers at lr × 0.01; keeps w̄ (``w_avg``)."""

    def __init__(self, z_dim: int, w_dim: int, depth: int, lr_mul: float = 0.01):
        super().__init__()
        dims = [z_dim] + [w_dim] * depth
        self.layers = nn.ModuleList([MappedLinear(a, b, lr_mul) for a, b in zip(dims, dims[1:])])
        self.register_buffer("w_avg", torch.zeros(w_dim))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = pixel_norm(z)
        for layer in self.layers:
            h = F.leaky_relu(layer(h), 0.2) * SQRT2
        return h

    def truncate(self, w: torch.Tensor, psi: float) -> torch.Tensor:
        """w̄ + ψ(w − w̄): ψ 1 leaves w, 0 gives the average, above 1 exaggerates."""
        return self.w_avg.to(w.dtype) + psi * (w - self.w_avg.to(w.dtype)) if psi != 1 else w


def modulated_conv(x: torch.Tensor, weight: torch.Tensor, style: torch.Tensor, demodulate: bool = True,
                   padding: int = 0) -> torch.Tensor:
    """conv(x, w'') with w'' the weights scaled per sample by ``style`` (N, C_in) and, with ``demodulate``, each
    output channel divided by its norm.

    Computed as StyleGAN2's non-fused path: scaling the input channels by s before a shared conv equals scaling
    the weights, and demodulation is a per-sample, per-output-channel factor after it; one ordinary batched conv
    instead of a grouped one per sample (several times faster on a CPU, the same numbers)."""
    y = F.conv2d(x * style[:, :, None, None].to(x.dtype), weight, padding=padding)
    if demodulate:
        d = torch.rsqrt((weight[None] * style[:, None, :, None, None]).pow(2).sum((2, 3, 4)) + 1e-8)  # (N, out)
        y = y * d[:, :, None, None].to(y.dtype)
    return y


def modulated_conv_grouped(x: torch.Tensor, weight: torch.Tensor, style: torch.Tensor, demodulate: bool = True,
                           padding: int = 0) -> torch.Tensor:
    """The same as ``modulated_conv``, written as the paper's fused form (per-sample weights, one grouped conv):
    the reference the tests compare with."""
    n, c, h, w = x.shape
    out_c, in_c, kh, kw = weight.shape
    wt = weight[None] * style[:, None, :, None, None]  # (N, out, in, k, k)
    if demodulate:
        wt = wt * torch.rsqrt(wt.pow(2).sum((2, 3, 4), keepdim=True) + 1e-8)
    y = F.conv2d(x.reshape(1, n * c, h, w), wt.reshape(n * out_c, in_c, kh, kw), padding=padding, groups=n)
    return y.reshape(n, out_c, y.shape[-2], y.shape[-1])


def upsample2(x: torch.Tensor, mode: str) -> torch.Tensor:
    """×2: ``bilinear`` (StyleGAN2's [1, 3, 3, 1] low-pass, edges repeated) or ``nearest`` (the first version)."""
    if mode == "nearest":
        return F.interpolate(x, scale_factor=2, mode="nearest")
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


class StyledConv(nn.Module):
    """Modulated 3×3 conv (optionally after a ×2 upsampling), noise × strength, bias, LeakyReLU·√2."""

    def __init__(self, cin: int, cout: int, w_dim: int, side: int, up: bool = False, up_mode: str = "bilinear"):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin, 3, 3))
        self.scale = 1 / math.sqrt(cin * 9)
        self.affine = MappedLinear(w_dim, cin, bias_init=1.0)
        self.bias = nn.Parameter(torch.zeros(cout))
        self.noise_strength = nn.Parameter(torch.zeros(()))
        self.register_buffer("noise_const", torch.randn(1, 1, side, side))
        self.up = up
        self.up_mode = up_mode
        self.side = side

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise: str = "auto") -> torch.Tensor:
        if self.up:
            x = upsample2(x, self.up_mode)
        x = modulated_conv(x, self.weight * self.scale, self.affine(w), padding=1)
        mode = ("random" if self.training else "const") if noise == "auto" else noise
        if mode == "random":
            x = x + self.noise_strength * torch.randn(len(x), 1, self.side, self.side, device=x.device, dtype=x.dtype)
        elif mode == "const":
            x = x + self.noise_strength * self.noise_const.to(x.dtype)
        return F.leaky_relu(x + self.bias.view(1, -1, 1, 1), 0.2) * SQRT2


class ToRGB(nn.Module):
    """Modulated 1×1 conv to image channels, no demodulation, bias."""

    def __init__(self, cin: int, channels: int, w_dim: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(channels, cin, 1, 1))
        self.scale = 1 / math.sqrt(cin)
        self.affine = MappedLinear(w_dim, cin, bias_init=1.0)
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return modulated_conv(x, self.weight * self.scale, self.affine(w), demodulate=False) + self.bias.view(1, -1, 1, 1)


class Synthesis(nn.Module):
    """W+ (N, num_ws, w_dim) → image: const 4×4, StyledConvs doubling the side, toRGB summed (skip architecture).

    Layer l of ``convs`` reads ws[:, l]; the toRGB of a side reads the w after its last conv (ws[:, l + 1])."""

    def __init__(self, size: int, channels: int, width: int, w_dim: int, up_mode: str = "bilinear"):
        super().__init__()
        self.up_mode = up_mode
        self.levels = int(math.log2(size)) - 1
        ch = [channels_at(k, self.levels, width) for k in range(self.levels)]
        self.const = nn.Parameter(torch.randn(1, ch[0], 4, 4))
        self.convs = nn.ModuleList([StyledConv(ch[0], ch[0], w_dim, 4)])
        self.to_rgb = nn.ModuleList([ToRGB(ch[0], channels, w_dim)])
        self.rgb_layer = [0]  # index of the conv whose w the toRGB of each side follows
        for k in range(1, self.levels):
            side = 4 * 2 ** k
            self.convs.append(StyledConv(ch[k - 1], ch[k], w_dim, side, up=True, up_mode=up_mode))
            self.convs.append(StyledConv(ch[k], ch[k], w_dim, side))
            self.to_rgb.append(ToRGB(ch[k], channels, w_dim))
            self.rgb_layer.append(len(self.convs) - 1)
        self.num_ws = len(self.convs) + 1

    def layer_sides(self) -> list[int]:
        """The side each w of W+ acts at (the last one: the final toRGB)."""
        return [c.side for c in self.convs] + [self.convs[-1].side]

    def forward(self, ws: torch.Tensor, noise: str | list[str] = "auto", features_of: int | None = None):
        """The image (raw, not squashed); or, with ``features_of`` = l, conv layer l's feature maps."""
        modes = [noise] * len(self.convs) if isinstance(noise, str) else list(noise)
        x = self.const.expand(len(ws), -1, -1, -1)
        rgb = None
        side_index = 0
        for i, conv in enumerate(self.convs):
            x = conv(x, ws[:, i], modes[i])
            if features_of == i:
                return x
            if i == self.rgb_layer[side_index]:
                y = self.to_rgb[side_index](x, ws[:, i + 1])
                rgb = y if rgb is None else upsample2(rgb, self.up_mode) + y
                side_index = min(side_index + 1, len(self.rgb_layer) - 1)
        return rgb


class StyleGenerator(nn.Module):
    """z → w (mapping) → W+ (broadcast, or mixed) → image. ``forward`` is what sampling and the engine call."""

    def __init__(self, z_dim: int, w_dim: int, depth: int, size: int, channels: int, width: int,
                 up_mode: str = "bilinear"):
        super().__init__()
        self.mapping = Mapping(z_dim, w_dim, depth)
        self.synthesis = Synthesis(size, channels, width, w_dim, up_mode)
        self.num_ws = self.synthesis.num_ws

    def ws(self, z: torch.Tensor, psi: float = 1.0) -> torch.Tensor:
        """W+ of z: its w (truncated by ψ) at every layer, (N, num_ws, w_dim)."""
        w = self.mapping.truncate(self.mapping(z), psi)
        return w[:, None].expand(-1, self.num_ws, -1)

    def render(self, ws: torch.Tensor, noise: str | list[str] = "auto") -> torch.Tensor:
        return torch.tanh(self.synthesis(ws, noise))

    def forward(self, z: torch.Tensor, z2: torch.Tensor | None = None,
                cutoff: torch.Tensor | None = None) -> torch.Tensor:
        """The image of z; with ``z2`` and ``cutoff``, style-mixed (what the training step calls, through DDP)."""
        if z2 is None:
            return self.render(self.ws(z))
        ws = mix(self.mapping(z)[:, None].expand(-1, self.num_ws, -1),
                 self.mapping(z2)[:, None].expand(-1, self.num_ws, -1), cutoff)
        return self.render(ws)


def mix(ws: torch.Tensor, other: torch.Tensor, cutoff: torch.Tensor) -> torch.Tensor:
    """Style mixing: sample n takes ``other``'s styles from layer ``cutoff[n]`` on (cutoff = num_ws: no mixing)."""
    layer = torch.arange(ws.shape[1], device=ws.device)[None, :, None]
    return torch.where(layer < cutoff[:, None, None], ws, other)


# -- the family ---------------------------------------------------------------------------------------------------
def noise_input(cfg, class_names=()) -> InputSpec:
    return InputSpec((Part("z", "normal", cfg.z_dim),))


def networks(cfg, sample_shape: tuple[int, ...], inputs: InputSpec, up_mode: str = "bilinear") -> dict[str, nn.Module]:
    c, s, _ = sample_shape
    body = StyleGenerator(cfg.z_dim, cfg.z_dim, cfg.mapping_depth, s, c, cfg.width, up_mode)
    return {"G": Generator(body, inputs), "D": ProDiscriminator(s, c, cfg.width)}


def nearest_networks(cfg, sample_shape: tuple[int, ...], inputs: InputSpec) -> dict[str, nn.Module]:
    return networks(cfg, sample_shape, inputs, up_mode="nearest")


def check(cfg) -> None:
    if not (isinstance(cfg.mapping_depth, int) and 1 <= cfg.mapping_depth <= 16):
        raise ConfigError(f"--mapping-depth must be 1 to 16 layers (the paper's 8), got {cfg.mapping_depth}",
                          field='mapping_depth')
    if not (isinstance(cfg.mixing, (int, float)) and 0 <= cfg.mixing <= 1):
        raise ConfigError(f"--mixing must be a probability in [0, 1] (the paper's 0.9), got {cfg.mixing}",
                          field='mixing')
    for key in ("r1_gamma", "pl_weight"):
        v = getattr(cfg, key)
        if not (isinstance(v, (int, float)) and math.isfinite(v) and 0 <= v <= 1e4):
            raise ConfigError(f"--{key.replace('_', '-')} must be a non-negative number, got {v}", field=key)


class StyleGAN(GDAlgorithm):
    """Mapping + modulated synthesis against ProGAN's D, logistic loss, lazy R1, style mixing (module docstring)."""

    augments = True  # --augment: D sees reals (R1 through it) and fakes augmented (players: D and G, as the base)

    def __init__(self, cfg, family, nets: dict[str, nn.Module], inputs, device: torch.device, class_names=(),
                 dist=None, speed=None):
        super().__init__(cfg, family, inputs, device, class_names, dist, speed)
        run = self.runner
        self.G = run.prepare(nets["G"], channels_last=False)
        self.D = run.prepare(nets["D"], channels_last=False)
        self.body: StyleGenerator = self.G.body
        self.top = self.D.levels - 1
        c = R1_EVERY / (R1_EVERY + 1)  # lazy regularisation: the paper's optimiser adjustment
        self.opt_g = self.adam(self.G.parameters(), cfg.lr_g)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=cfg.lr_d * c, betas=(cfg.beta1 ** c, cfg.beta2 ** c),
                                      **self.runner.optimizer_options("adam"))
        self._g_train = run.wrap(self.body)  # the step calls G's body with the mixing inputs
        self._d_train = run.wrap(self.D, unused=True)  # ProGAN's D: the fromRGBs of smaller sides sit out
        self._d_frozen = run.wrap(self.D, distributed=False)
        self.register_pl = torch.zeros(())  # path-length target (running mean), kept with the RNG state
        self.keep_ema(self.G, cfg.ema)

    def describe_more(self) -> dict:
        c = self.cfg
        return {"w_dim": c.z_dim, "num_ws": self.body.num_ws, "layer_sides": self.body.synthesis.layer_sides(),
                "mapping_depth": c.mapping_depth, "mixing": c.mixing, "r1_gamma": c.r1_gamma, "pl_weight": c.pl_weight}

    def rng_state(self) -> dict[str, torch.Tensor]:
        return {**super().rng_state(), "pl_mean": self.register_pl.clone()}

    def load_rng_state(self, tensors: dict[str, torch.Tensor]) -> None:
        super().load_rng_state(tensors)
        self.register_pl = tensors["pl_mean"].clone()

    # -- one iteration ------------------------------------------------------------------------------------
    def _draw(self, n: int) -> dict[str, torch.Tensor]:
        """z, a second z for mixing, and each sample's crossover layer (num_ws: none), from the run's noise."""
        z = self.inputs.sample(n, self.noise, self.device)["z"]
        z2 = self.inputs.sample(n, self.noise, self.device)["z"]
        num = self.body.num_ws
        mixed = torch.rand(n, generator=self.noise, device=self.device) < self.cfg.mixing
        cut = torch.randint(1, num, (n,), generator=self.noise, device=self.device)
        return {"z": z, "z2": z2, "cutoff": torch.where(mixed, cut, torch.full_like(cut, num))}

    def _fake(self, t: dict[str, torch.Tensor]) -> torch.Tensor:
        return self._g_train(t["z"], t["z2"], t["cutoff"])

    @property
    def local_batch(self) -> int:
        """This process's share of the batch (all of it without torchrun)."""
        return self.cfg.batch_size // (self.dist.world if self.dist is not None else 1)

    def train_step(self, batches: Batches, step: int) -> Stats:
        t = self._draw(len(batches["x"]))
        t["x"] = batches["x"]
        stats = self._d_update(t, r1=self.cfg.r1_gamma > 0 and step % R1_EVERY == 0)
        stats.update(self._g_update(self._draw(len(batches["x"])),
                                    pl=self.cfg.pl_weight > 0 and step % PL_EVERY == 0))
        self.after_step(step)
        return stats

    def manual_step(self, player: str, batches: Batches) -> Stats:
        if player == "D":
            t = self._draw(len(batches["x"]))
            t["x"] = batches["x"]
            return self._d_update(t, r1=False)
        if player == "G":
            stats = self._g_update(self._draw(self.local_batch), pl=False)
            self.after_step(-1)
            return stats
        raise ValueError(f"unknown player {player!r}: this algorithm has {', '.join(self.players)}")

    def _d_update(self, t: dict[str, torch.Tensor], r1: bool) -> Stats:
        """(1) Update D: minimise softplus(D(G(z))) + softplus(−D(x)) [+ lazy R1]."""
        with torch.no_grad():
            fake = self._fake(t)
            self.body.mapping.w_avg.lerp_(self.body.mapping(t["z"]).mean(0).float(), 1 - W_AVG_BETA)
        real = t["x"].detach().requires_grad_(r1)
        r = self._d_train(self.aug(real), self.top).float()
        f = self._d_train(self.aug(fake), self.top).float()
        loss = F.softplus(f).mean() + F.softplus(-r).mean()
        stats = {"d_real": torch.sigmoid(r).mean().detach(), "d_fake": torch.sigmoid(f).mean().detach(),
                 **self.aug.seen(r)}
        if r1:
            penalty = r1_penalty(r, real)
            loss = loss + self.cfg.r1_gamma / 2 * penalty * R1_EVERY
            stats["r1"] = penalty.detach()
        self.update(self.opt_d, loss)
        stats["loss_d"] = loss.detach()
        return stats

    def _g_update(self, t: dict[str, torch.Tensor], pl: bool) -> Stats:
        """(2) Update G: minimise softplus(−D(G(z))) [+ path length every 4 steps]."""
        with self.frozen(self.D):
            fake = self._fake(t)
            loss = F.softplus(-self._d_frozen(self.aug(fake), self.top).float()).mean()
            stats = {"loss_g": loss.detach()}
            if pl:
                loss = loss + self._path_length(t, stats) * self.cfg.pl_weight * PL_EVERY
            self.update(self.opt_g, loss)
        return stats

    def _path_length(self, t: dict[str, torch.Tensor], stats: Stats) -> torch.Tensor:
        """StyleGAN2's path-length regulariser: (‖J_wᵀ y‖ − a)², y ~ N(0, I)/√(pixels), a the running mean."""
        body = self.body
        ws = body.mapping(t["z"][: max(1, len(t["z"]) // 2)])[:, None].expand(-1, body.num_ws, -1)
        ws = ws.detach().requires_grad_(True)
        img = body.render(ws)
        y = torch.randn(img.shape, generator=self.noise, device=img.device) / math.sqrt(img.shape[2] * img.shape[3])
        (grad,) = torch.autograd.grad((img * y).sum(), ws, create_graph=True)
        lengths = grad.pow(2).sum(2).mean(1).sqrt()
        self.register_pl = self.register_pl.to(lengths.device).lerp(lengths.mean().detach(), 0.01).detach()
        stats["pl"] = lengths.mean().detach()
        return (lengths - self.register_pl).pow(2).mean()


register(Family(
    "stylegan", FAMILY_TITLES["stylegan"], algorithm=StyleGAN, networks=networks, inputs=noise_input,
    defaults=dict(lr_g=2e-3, lr_d=2e-3, beta1=0.0, beta2=0.99, batch_size=32, n_critic=1, z_dim=64, width=16,
                  ema=0.999, mapping_depth=4, mixing=0.9, r1_gamma=1.0, pl_weight=0.0, arch="bilinear"),
    variants={"bilinear": networks, "nearest": nearest_networks}, legacy_arch="nearest",
    capabilities=frozenset({"styles", "text", "swd"}), stats=("loss_d", "loss_g", "d_real", "d_fake", "r1", "pl"),
    fields={"mapping_depth": "Mapping layers", "mixing": "Style mixing", "r1_gamma": "R1 γ",
            "pl_weight": "Path length weight"}, options={"loss": "logistic"}, image_sizes=SIZES, check=check,
))
