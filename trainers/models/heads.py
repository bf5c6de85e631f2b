"""What turns a body into a GAN's G or D: latent assembly (z, class label, InfoGAN codes) and heads."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import spectral_norm


@dataclass(frozen=True)
class LatentLayout:
    """What a generator takes: z, an optional class label, optional InfoGAN codes.

    ``cat_dims``: sizes of the categorical codes; ``cont_dim``: number of continuous codes ~ U[-1, 1].
    """

    z_dim: int
    num_classes: int = 0
    cat_dims: tuple[int, ...] = ()
    cont_dim: int = 0

    @property
    def in_dim(self) -> int:
        return self.z_dim + self.num_classes + sum(self.cat_dims) + self.cont_dim

    def code_names(self) -> list[dict]:
        """Public description of the codes, as ``ganstudio info`` shows them."""
        codes: list[dict] = []
        for k, n in enumerate(self.cat_dims):
            codes.append({"name": "cat" if len(self.cat_dims) == 1 else f"cat{k + 1}", "kind": "categorical",
                          "categories": n})
        for k in range(self.cont_dim):
            codes.append({"name": f"c{k + 1}", "kind": "continuous", "range": [-1.0, 1.0]})
        return codes

    def sample(self, n: int, generator: torch.Generator, device: torch.device) -> dict[str, torch.Tensor]:
        """z ~ N(0, I); label, categorical codes ~ uniform; continuous codes ~ U[-1, 1]."""
        out = {"z": torch.randn(n, self.z_dim, generator=generator, device=device)}
        if self.num_classes:
            out["label"] = torch.randint(0, self.num_classes, (n,), generator=generator, device=device)
        if self.cat_dims:
            out["cat"] = torch.stack([torch.randint(0, k, (n,), generator=generator, device=device)
                                      for k in self.cat_dims], 1)
        if self.cont_dim:
            out["cont"] = torch.rand(n, self.cont_dim, generator=generator, device=device) * 2 - 1
        return out


class Generator(nn.Module):
    """G(z, label, codes): one-hot encodes label and categorical codes, concatenates, runs the body."""

    def __init__(self, body: nn.Module, layout: LatentLayout):
        super().__init__()
        self.body = body
        self.layout = layout

    def forward(self, z: torch.Tensor, label: torch.Tensor | None = None, cat: torch.Tensor | None = None,
                cont: torch.Tensor | None = None) -> torch.Tensor:
        parts = [z]
        if self.layout.num_classes:
            if label is None:
                raise ValueError("this generator is conditional: pass a class label")
            parts.append(F.one_hot(label, self.layout.num_classes).to(z.dtype))
        for k, n in enumerate(self.layout.cat_dims):
            parts.append(F.one_hot(cat[:, k], n).to(z.dtype))
        if self.layout.cont_dim:
            parts.append(cont.to(z.dtype))
        return self.body(torch.cat(parts, 1))

    def generate(self, latent: dict[str, torch.Tensor]) -> torch.Tensor:
        return self(latent["z"], latent.get("label"), latent.get("cat"), latent.get("cont"))


class Discriminator(nn.Module):
    """D(x, y) → one raw score per sample.

    ``conditioning``: "none"; "concat" (cGAN, Mirza & Osindero 2014: the one-hot label joins the input, as
    extra constant channels for images); "projection" (Miyato & Koyama 2018: D(x, y) = ψ(φ(x)) + ⟨e_y, φ(x)⟩).
    """

    def __init__(self, trunk: nn.Module, num_classes: int = 0, conditioning: str = "none", spectral: bool = False,
                 label_as_channels: bool = False):
        super().__init__()
        sn = spectral_norm if spectral else (lambda m: m)
        self.trunk = trunk
        self.head = sn(nn.Linear(trunk.out_dim, 1))
        self.conditioning = conditioning
        self.num_classes = num_classes
        self.label_as_channels = label_as_channels
        if conditioning == "projection":
            self.embed = sn(nn.Embedding(num_classes, trunk.out_dim))

    def features(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if self.conditioning == "concat":
            onehot = F.one_hot(y, self.num_classes).to(x.dtype)
            if self.label_as_channels:
                x = torch.cat([x, onehot[:, :, None, None].expand(-1, -1, x.shape[2], x.shape[3])], 1)
            else:
                x = torch.cat([x.flatten(1), onehot], 1)
        return self.trunk(x)

    def score(self, h: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        out = self.head(h).squeeze(1)
        if self.conditioning == "projection":
            out = out + (self.embed(y) * h).sum(1)
        return out

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.score(self.features(x, y), y)


class QHead(nn.Module):
    """InfoGAN's Q(c | x) on D's features: logits per categorical code and means of the continuous codes."""

    def __init__(self, feat_dim: int, layout: LatentLayout, hidden: int = 128):
        super().__init__()
        self.layout = layout
        self.net = nn.Sequential(nn.Linear(feat_dim, hidden), nn.BatchNorm1d(hidden), nn.LeakyReLU(0.2, True),
                                 nn.Linear(hidden, sum(layout.cat_dims) + layout.cont_dim))

    def forward(self, h: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        out = self.net(h)
        logits, start = [], 0
        for n in self.layout.cat_dims:
            logits.append(out[:, start:start + n])
            start += n
        return logits, out[:, start:]
