"""SAGAN (Zhang et al. 2018): self-attention in G and D, spectral norm in both, the hinge loss and TTUR.

A self-attention block lets every position of a feature map draw on every other one, not only on its 3×3
neighbourhood: with f(x) = W_q·x and g(x) = W_k·x at C/8 channels, the attention of query position i on key
position j is β_ij = softmax_j(f(x_i)ᵀ g(x_j)), and the block adds o_i = W_o·Σ_j β_ij·W_v·x_j back to its input
scaled by a learned γ that starts at 0: y = γ·o + x. At γ = 0 the network is the plain conv net; γ leaving 0
during training is the network choosing to use attention (logged per layer as ``gamma_g1``, ``gamma_g2``,
``gamma_d``).

Two network designs (``--arch``; w = ``--width``), both with spectral norm on every layer of G and D:

    mnist (the default): the DCGAN authors' MNIST nets (``FCGenerator``/``FCTrunk`` in dcgan.py) with attention
       G: in → fc 16w → fc 2w·(S/4)² → [attention at S/4] → deconv w → [attention at S/2] → deconv C → tanh
          (BatchNorm + ReLU after each hidden layer)
       D: C×S×S → conv w → [attention at S/2] → conv 2w → fc 16w → linear score; LeakyReLU(0.1), no BatchNorm
    conv: DCGAN's LSUN-style conv nets (``ConvGenerator``), what every SAGAN before the variants was built with
       (a stored config without ``arch`` still builds them)
       G: in → (w·k)×s0×s0 → ... → [attention at S/4] → ... → [attention at S/2] → C×S×S, transposed convs
       D: C×S×S → w×S/2×S/2 → [attention] → 2w×S/4×S/4 → ... → linear score

The recipe is the paper's: hinge loss, Adam β = (0, 0.9), TTUR with G at 1e-4 and D at 4e-4, one D step per G
step; ``--ema`` keeps an average of G for sampling as the paper's later runs do. On small data and a short CPU
budget G at 1e-4 lags (the paper trained a million steps): the bundled model trains the MNIST nets at width 32
with G at 1e-3 (DCGAN's rate for these nets) and ``--ema 0.995``; the conv nets with G at 2e-4 reached domain FID
47.8 in 3,000 steps (see assets/models/rebuild.py and the README's SAGAN-against-DCGAN table). The attention
blocks keep their last map when asked (``keep_maps``), which is what the explorer's Attention tool shows.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..algos.adversarial import AdversarialGAN
from ..catalog import FAMILY_TITLES
from .blocks import Discriminator, Generator, dcgan_init
from .dcgan import ConvGenerator, _start_side, sefa_weight, z_only
from .registry import CONV_SIZES, Family, register


class SelfAttention(nn.Module):
    """y = γ·W_o(W_v(x)·βᵀ) + x with β = softmax over keys of (W_q x)ᵀ(W_k x); γ starts at 0.

    Query and key at C/8 channels, value at C/2 (as the authors' code), all 1×1 convs. With ``keep_map`` set,
    ``last_map`` holds β of the last forward: (N, HW queries, HW keys), each row summing to 1."""

    def __init__(self, ch: int, spectral: bool = True):
        super().__init__()
        sn = nn.utils.spectral_norm if spectral else (lambda m: m)
        qk, v = max(1, ch // 8), max(1, ch // 2)
        self.query = sn(nn.Conv2d(ch, qk, 1, bias=False))
        self.key = sn(nn.Conv2d(ch, qk, 1, bias=False))
        self.value = sn(nn.Conv2d(ch, v, 1, bias=False))
        self.out = sn(nn.Conv2d(v, ch, 1, bias=False))
        self.gamma = nn.Parameter(torch.zeros(1))
        self.keep_map = False
        self.last_map: torch.Tensor | None = None

    def attention(self, x: torch.Tensor) -> torch.Tensor:
        """β: (N, HW, HW), row i = where query position i (row-major) attends."""
        q = self.query(x).flatten(2)  # N × C/8 × HW
        k = self.key(x).flatten(2)
        return torch.softmax(q.transpose(1, 2) @ k, dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        v = self.value(x).flatten(2)  # N × C/2 × HW
        if self.keep_map:
            beta = self.attention(x)
            self.last_map = beta.detach()
            o = v @ beta.transpose(1, 2)  # o_i = Σ_j β_ij v_j
        else:
            # the same sum through PyTorch's fused attention (no β kept, ~1.7× faster on the CPU at 14×14): one
            # head, no 1/√d scale (the paper has none), query and key zero-padded to the value's width, which
            # leaves every dot product as it was
            q, k = self.query(x).flatten(2), self.key(x).flatten(2)
            pad = v.shape[1] - q.shape[1]
            if pad > 0:
                q, k = F.pad(q, (0, 0, 0, pad)), F.pad(k, (0, 0, 0, pad))
            o = F.scaled_dot_product_attention(q.transpose(1, 2)[:, None], k.transpose(1, 2)[:, None],
                                               v.transpose(1, 2)[:, None], scale=1.0)[:, 0].transpose(1, 2)
        return x + self.gamma * self.out(o.reshape(n, -1, h, w))


class SAGANGenerator(ConvGenerator):
    """DCGAN's transposed-conv generator with spectral norm and self-attention at S/4 and S/2."""

    def __init__(self, in_dim: int, size: int, channels: int, width: int = 64):
        super().__init__(in_dim, size, channels, width, spectral=True,
                         extra=lambda side, ch: [SelfAttention(ch)] if side in (size // 4, size // 2) else [])


class SAGANTrunk(nn.Module):
    """D's body: spectrally normalised strided convs + LeakyReLU(0.1), self-attention at S/2, flattened."""

    def __init__(self, size: int, channels: int, width: int = 64):
        super().__init__()
        if size not in CONV_SIZES:
            raise ValueError(f"SAGAN discriminators take {CONV_SIZES} px images, not {size}")
        sn = nn.utils.spectral_norm
        s0 = _start_side(size)
        n_down = int(math.log2(size // s0))
        layers: list[nn.Module] = [sn(nn.Conv2d(channels, width, 4, 2, 1)), nn.LeakyReLU(0.1, True),
                                   SelfAttention(width)]
        ch = width
        for _ in range(n_down - 1):
            layers += [sn(nn.Conv2d(ch, ch * 2, 4, 2, 1)), nn.LeakyReLU(0.1, True)]
            ch *= 2
        layers.append(nn.Flatten())
        self.net = nn.Sequential(*layers)
        self.out_dim = ch * s0 * s0
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class SAGANFCGenerator(nn.Module):
    """The DCGAN authors' MNIST generator (``FCGenerator``, DCGAN's ``--arch mnist``) with SAGAN's additions: spectral
    norm on every layer and self-attention on the S/4 and S/2 feature maps. One ``net`` holds it all, input side first.

    in → fc 16w → BN → ReLU → fc 2w·(S/4)² → BN → ReLU → (2w × S/4 × S/4) → [attention]
       → deconv w → BN → ReLU → (w × S/2 × S/2) → [attention] → deconv C → tanh
    """

    def __init__(self, in_dim: int, size: int, channels: int, width: int = 64):
        super().__init__()
        if size not in CONV_SIZES:
            raise ValueError(f"SAGAN's MNIST generator makes {CONV_SIZES} px images, not {size}")
        sn = nn.utils.spectral_norm
        s0, ch = size // 4, 2 * width
        self.net = nn.Sequential(
            sn(nn.Linear(in_dim, 16 * width)), nn.BatchNorm1d(16 * width), nn.ReLU(True),
            sn(nn.Linear(16 * width, ch * s0 * s0)), nn.BatchNorm1d(ch * s0 * s0), nn.ReLU(True),
            nn.Unflatten(1, (ch, s0, s0)), SelfAttention(ch),  # S/4
            sn(nn.ConvTranspose2d(ch, width, 4, 2, 1)), nn.BatchNorm2d(width), nn.ReLU(True),
            SelfAttention(width),  # S/2
            sn(nn.ConvTranspose2d(width, channels, 4, 2, 1)), nn.Tanh())
        self.apply(dcgan_init)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.net(h)

    def first_block(self, h: torch.Tensor) -> torch.Tensor:
        """The 16w units after the first fully connected layer (GANSpace's PCA space)."""
        return self.net[:3](h)


class SAGANFCTrunk(nn.Module):
    """The DCGAN authors' MNIST discriminator body (``FCTrunk``) as SAGAN has it: spectral norm in place of BatchNorm,
    LeakyReLU(0.1), self-attention on the S/2 feature map.

    conv w → LReLU → [attention] → conv 2w → LReLU → fc 16w → LReLU
    """

    def __init__(self, size: int, channels: int, width: int = 64):
        super().__init__()
        if size not in CONV_SIZES:
            raise ValueError(f"SAGAN discriminators take {CONV_SIZES} px images, not {size}")
        sn = nn.utils.spectral_norm
        s4 = size // 4
        self.net = nn.Sequential(
            sn(nn.Conv2d(channels, width, 4, 2, 1)), nn.LeakyReLU(0.1, True), SelfAttention(width),  # S/2
            sn(nn.Conv2d(width, 2 * width, 4, 2, 1)), nn.LeakyReLU(0.1, True),  # S/4
            nn.Flatten(), sn(nn.Linear(2 * width * s4 * s4, 16 * width)), nn.LeakyReLU(0.1, True))
        self.out_dim = 16 * width
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def mnist_networks(cfg, sample_shape: tuple[int, ...], inputs) -> dict[str, nn.Module]:
    """SAGAN on the DCGAN authors' MNIST nets (``--arch mnist``)."""
    c, s, _ = sample_shape
    g_body = SAGANFCGenerator(inputs.in_dim, s, c, cfg.width)
    trunk = SAGANFCTrunk(s, c, cfg.width)
    return {"G": Generator(g_body, inputs), "D": Discriminator(trunk, spectral=True)}


def networks(cfg, sample_shape: tuple[int, ...], inputs) -> dict[str, nn.Module]:
    c, s, _ = sample_shape
    g_body = SAGANGenerator(inputs.in_dim, s, c, cfg.width)
    trunk = SAGANTrunk(s, c, cfg.width)
    return {"G": Generator(g_body, inputs), "D": Discriminator(trunk, spectral=True)}


def attention_layers(module: nn.Module) -> list[SelfAttention]:
    """The self-attention blocks of a network, input side first."""
    return [m for m in module.modules() if isinstance(m, SelfAttention)]


def gamma_stats(G: nn.Module, D: nn.Module) -> dict[str, torch.Tensor]:
    """γ of every attention layer: ``gamma_g1``, ``gamma_g2``, ... and ``gamma_d`` (``gamma_d1``, ... if several)."""
    stats = {}
    for prefix, net in (("gamma_g", G), ("gamma_d", D)):
        layers = attention_layers(net)
        for i, layer in enumerate(layers, 1):
            key = prefix if len(layers) == 1 else f"{prefix}{i}"
            stats[key] = layer.gamma.detach().float().reshape(()).clone()
    return stats


@torch.no_grad()
def attention_maps(G: nn.Module, latent: dict[str, torch.Tensor]) -> tuple[torch.Tensor, list[dict]]:
    """G's images for ``latent`` (eval mode) and, per attention layer, its γ, feature side and map β
    (N, side², side²) as float32 on the CPU: row ``y·side + x`` is where the query at (x, y) attends."""
    layers = attention_layers(G)
    was = G.training
    G.eval()
    for layer in layers:
        layer.keep_map = True
    try:
        images = G.generate(latent).float().cpu()
        maps = []
        for i, layer in enumerate(layers, 1):
            beta = layer.last_map.float().cpu()
            maps.append({"name": f"G layer {i}", "gamma": float(layer.gamma.detach()), "side": int(round(beta.shape[1] ** 0.5)),
                         "map": beta})
    finally:
        for layer in layers:
            layer.keep_map = False
            layer.last_map = None
        G.train(was)
    return images, maps


class SelfAttentionGAN(AdversarialGAN):
    """The adversarial algorithm, reporting each attention layer's γ with the step's stats."""

    def train_step(self, batches, step):
        stats = super().train_step(batches, step)
        stats.update(gamma_stats(self.G, self.D))
        return stats

    def manual_step(self, player, batches):
        stats = super().manual_step(player, batches)
        stats.update(gamma_stats(self.G, self.D))
        return stats


register(Family(
    "sagan", FAMILY_TITLES["sagan"], algorithm=SelfAttentionGAN, networks=networks, inputs=z_only,
    defaults=dict(lr_g=1e-4, lr_d=4e-4, beta1=0.0, beta2=0.9, batch_size=64, n_critic=1, z_dim=128, arch="mnist"),
    stats=("loss_d", "loss_g", "d_real", "d_fake", "gamma_g1", "gamma_g2", "gamma_d"),
    options={"loss": "hinge", "arch": "conv", "d_norm": "none", "spectral": True, "attention": True},
    probes={"attention_maps": attention_maps, "sefa_weight": sefa_weight},
    variants={"conv": networks, "mnist": mnist_networks}, legacy_arch="conv",
    # the bundled sagan-digits' recipe (assets/models/rebuild.py): the paper's TTUR 1e-4 is for a million steps
    recipes={"digits": dict(lr_g=1e-3, ema=0.995, width=32)},
))
