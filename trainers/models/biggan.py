"""BigGAN (Brock et al. 2018), small: class-conditional BatchNorm, hierarchical z, a projection
discriminator, orthogonal regularisation, EMA of G and the truncation trick.

- **Hierarchical z.** z is split into one chunk per generator block plus one for the first linear layer
  (``InputSpec`` part ``z`` with ``chunks``). Chunk 0 sets the 4×4 (7×7) start; chunk k feeds block k only.
- **Class-conditional BatchNorm.** Every BatchNorm in G normalises without its own affine parameters; its
  gain and bias come from linear maps of [shared class embedding ‖ that block's z chunk]:
  y = BN(x)·(1 + W_γ c) + W_β c. One embedding of the class is shared by all blocks (a linear map of the
  one-hot, so soft blends of classes interpolate it).
- **Projection discriminator** (Miyato & Koyama 2018): D(x, y) = ψ(φ(x)) + ⟨e_y, φ(x)⟩; spectral norm in G and
  D; the hinge loss. φ is SNGAN's standard CNN, not BigGAN's residual D: at this size (width 16, 28 px) the
  residual D (3×3 convs, average-pool downsampling, ReLU) let G collapse to one blob for every class and z within
  400 steps, whether its features were summed, averaged or flattened and whatever the learning rates (G 1e-4 /
  D 4e-4, 2e-4 / 2e-4 with two D steps); BigGAN's G against the standard CNN D drew varied digits at 400 steps,
  and the DCGAN G against the residual D collapsed (digits, seed 0).
- **Orthogonal regularisation** (``--ortho-weight``, the paper's 1e-4; 0 turns it off): β·Σ_W ‖W Wᵀ ⊙ (1 − I)‖²_F
  over G's conv and linear weights (rows = output channels), the off-diagonal form that leaves norms free;
  weights with more rows than columns are left out (``ortho_weights``).
- **EMA of G** (``--ema``, default 0.999) is what samples and evaluation use.
- **Truncation** (``trainers.inputs.truncate``): z drawn from a normal truncated to ±ψ, which trades variety
  for quality as ψ goes from off (the full normal) through 2 (95% of the normal's mass) to 0 (every sample at
  z = 0, the class's "mean" image).

Small-scale nets (w = ``--width``): G: linear → (4w)×s0×s0 → residual up-blocks (upsample, 3×3 convs, CBN) →
BN → ReLU → 3×3 conv → tanh, for 28 px (7 → 14 → 28), 32 px (4 → 8 → 16 → 32) or 64 px. D: strided 4×4 convs
4w → 8w (...), LeakyReLU(0.2), spectral norm, flattened, projection head. No self-attention at this size (the
paper puts one at 64×64 in its 128 px model; see ``sagan`` for attention).

Recipe, scaled down for a CPU: hinge loss, Adam β = (0, 0.9) with G and D at 2e-4 and one D step per G step
(SNGAN's; the paper's G 5e-5 / D 2e-4 with two D steps is for 128 px and hundreds of thousands of steps), width 16
(G 64 → 32 → 16 channels at 28 px), batch 64.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import spectral_norm as sn

from ..algos.adversarial import AdversarialGAN
from ..catalog import FAMILY_TITLES
from ..errors import ConfigError
from ..inputs import InputSpec, Part
from .blocks import Discriminator, Generator
from .dcgan import ConvTrunk, _start_side
from ..registry import CONV_SIZES, Family, register

SHARED_DIM = 32  # the shared class embedding's length


def _blocks(size: int) -> int:
    """Up-blocks of G (and down-blocks of D) for an image side: 28 → 2, 32 → 3, 64 → 4."""
    return int(math.log2(size // _start_side(size)))


def z_chunks(z_dim: int, n_blocks: int) -> tuple[int, ...]:
    """Split z into n_blocks + 1 chunks as evenly as possible (the first takes the remainder)."""
    n = n_blocks + 1
    base = z_dim // n
    return (z_dim - base * (n - 1),) + (base,) * (n - 1)


def with_label_and_chunks(cfg, class_names=()) -> InputSpec:
    """z in per-block chunks ‖ class label."""
    size = cfg.image_size if getattr(cfg, "image_size", None) in CONV_SIZES else 32
    chunks = z_chunks(cfg.z_dim, _blocks(size))
    return InputSpec((Part("z", "normal", cfg.z_dim, chunks=chunks),
                      Part("label", "class", len(class_names), names=tuple(class_names))))


class ConditionalBN(nn.Module):
    """BatchNorm without its own affine parameters; gain 1 + W_γ c and bias W_β c from a condition vector c."""

    def __init__(self, ch: int, cond_dim: int):
        super().__init__()
        self.bn = nn.BatchNorm2d(ch, affine=False)
        self.gain = sn(nn.Linear(cond_dim, ch, bias=False))
        self.bias = sn(nn.Linear(cond_dim, ch, bias=False))

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        return self.bn(x) * (1 + self.gain(cond))[:, :, None, None] + self.bias(cond)[:, :, None, None]


class GBlock(nn.Module):
    """CBN → ReLU → upsample ×2 → conv 3×3 → CBN → ReLU → conv 3×3, plus an upsampled 1×1-conv skip."""

    def __init__(self, in_ch: int, out_ch: int, cond_dim: int):
        super().__init__()
        self.bn1, self.bn2 = ConditionalBN(in_ch, cond_dim), ConditionalBN(out_ch, cond_dim)
        self.conv1 = sn(nn.Conv2d(in_ch, out_ch, 3, 1, 1))
        self.conv2 = sn(nn.Conv2d(out_ch, out_ch, 3, 1, 1))
        self.skip = sn(nn.Conv2d(in_ch, out_ch, 1))

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        h = F.interpolate(F.relu(self.bn1(x, cond)), scale_factor=2.0)
        h = self.conv2(F.relu(self.bn2(self.conv1(h), cond)))
        return h + self.skip(F.interpolate(x, scale_factor=2.0))


class BigGANGenerator(nn.Module):
    """Flat input (z ‖ one-hot class) → image; z chunk 0 starts it, chunk k and the class condition block k."""

    def __init__(self, inputs: InputSpec, size: int, channels: int, width: int = 32, shared_dim: int = SHARED_DIM):
        super().__init__()
        if size not in CONV_SIZES:
            raise ValueError(f"BigGAN generators make {CONV_SIZES} px images, not {size}")
        z = inputs.part("z")
        self.n_blocks = _blocks(size)
        if len(z.chunks) != self.n_blocks + 1:
            raise ValueError(f"z has {len(z.chunks)} chunks; {size} px needs {self.n_blocks + 1}")
        self.chunks = z.chunks
        slices = inputs.slices()
        self.z_slice, self.label_slice = slices["z"], slices["label"]
        self.s0 = _start_side(size)
        chs = [min(4, 2 ** (self.n_blocks - i)) * width for i in range(self.n_blocks + 1)]
        self.shared = nn.Linear(inputs.num_classes, shared_dim, bias=False)  # the shared class embedding
        self.linear = sn(nn.Linear(self.chunks[0], chs[0] * self.s0 * self.s0))
        self.blocks = nn.ModuleList(GBlock(chs[i], chs[i + 1], shared_dim + self.chunks[i + 1])
                                    for i in range(self.n_blocks))
        self.out = nn.Sequential(nn.BatchNorm2d(chs[-1]), nn.ReLU(), sn(nn.Conv2d(chs[-1], channels, 3, 1, 1)),
                                 nn.Tanh())
        self.ch0 = chs[0]
        # orthogonal init everywhere, the class embedding included (BigGAN's "ortho"): each class's embedding
        # has norm 1, so the CBN gains 1 + W_γ c start near 1 (an N(0, 1) embedding of 32 values, norm ≈ 5.7,
        # gave gains of ±5 and a G that drew saturated black or white per class within 300 steps)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.orthogonal_(getattr(m, "weight_orig", m.weight))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        zs = torch.split(h[:, self.z_slice], self.chunks, dim=1)
        y = self.shared(h[:, self.label_slice])
        x = self.linear(zs[0]).view(h.shape[0], self.ch0, self.s0, self.s0)
        for block, zk in zip(self.blocks, zs[1:]):
            x = block(x, torch.cat([y, zk], 1))
        return self.out(x)

    def first_block(self, h: torch.Tensor) -> torch.Tensor:
        zs = torch.split(h[:, self.z_slice], self.chunks, dim=1)
        return self.linear(zs[0])


def networks(cfg, sample_shape: tuple[int, ...], inputs: InputSpec) -> dict[str, nn.Module]:
    c, s, _ = sample_shape
    G = Generator(BigGANGenerator(inputs, s, c, cfg.width), inputs)
    # SNGAN's standard CNN D (strided 4×4 convs, LeakyReLU, spectral norm, no BatchNorm) at 4× G's width, with
    # the projection head: see the module docstring for why not BigGAN's residual D at this size
    D = Discriminator(ConvTrunk(s, c, 4 * cfg.width, norm="none", spectral=True), inputs.num_classes, "projection",
                      spectral=True)
    return {"G": G, "D": D}


def ortho_weights(G: nn.Module) -> list[torch.Tensor]:
    """G's conv and linear weights the regulariser sees: not the shared embedding (BigGAN leaves it out too), and
    not a weight with more rows than columns (its rows cannot all be orthogonal, and the first linear layer's
    rows·rows Gram matrix, 6,272² at 28 px, would cost more than the rest of the step)."""
    out = []
    for name, m in G.named_modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)) and not name.endswith("shared"):
            w = getattr(m, "weight_orig", m.weight)
            if w.shape[0] <= w[0].numel():
                out.append(w)
    return out


def ortho_penalty(weights: list[torch.Tensor]) -> torch.Tensor:
    """Σ_W ‖W Wᵀ ⊙ (1 − I)‖²_F with W reshaped to (out, in·k·k): how far the rows are from orthogonal,
    ignoring their norms."""
    total = weights[0].new_zeros(())
    for w in weights:
        w = w.flatten(1)
        gram = w @ w.t()
        total = total + (gram - torch.diag(torch.diagonal(gram))).pow(2).sum()
    return total


class BigGANAlgorithm(AdversarialGAN):
    """The adversarial algorithm with BigGAN's orthogonal regularisation added to G's loss."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._ortho = ortho_weights(self.G) if self.cfg.ortho_weight else []

    def g_regularizer(self, stats) -> torch.Tensor | None:
        if not self._ortho:
            return None
        penalty = ortho_penalty(self._ortho)
        stats["ortho"] = penalty.detach()
        return self.cfg.ortho_weight * penalty


def check(cfg) -> None:
    if cfg.image_size not in CONV_SIZES:
        raise ConfigError(f"biggan makes 28, 32 or 64 px images, not {cfg.image_size}: pass --image-size 28, 32 or 64",
                          field='image_size')
    n = _blocks(cfg.image_size) + 1
    if cfg.z_dim < n:
        raise ConfigError(f"biggan splits z into {n} chunks at {cfg.image_size} px: --z-dim must be at least {n}",
                          field='z_dim')


register(Family(
    "biggan", FAMILY_TITLES["biggan"], algorithm=BigGANAlgorithm, networks=networks, inputs=with_label_and_chunks,
    batches="labelled", capabilities=frozenset({"z-chunks"}),
    defaults=dict(lr_g=2e-4, lr_d=2e-4, beta1=0.0, beta2=0.9, batch_size=64, n_critic=1, z_dim=96, ema=0.999,
                  ortho_weight=1e-4, width=16),
    stats=("loss_d", "loss_g", "d_real", "d_fake", "ortho"), check=check,
    options={"loss": "hinge", "arch": "conv", "conditioning": "projection", "d_norm": "none", "spectral": True,
             "truncation": "normal"},
))
