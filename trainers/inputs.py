"""What a generator takes, described once: the generator-input descriptor.

A family's generator input is a tuple of *parts*. The trainer samples from it, the networks flatten it, the
checkpoint sidecar stores it, ``ganstudio sample/info`` and evaluation read it, and the explorer builds its
controls from it. Nothing else spells out "z ‖ label ‖ codes".

Part kinds:

========== ============================================ ================== ==========================
kind       what                                         latent value       flat vector (``flatten``)
========== ============================================ ================== ==========================
normal     z ~ N(0, I); ``chunks`` splits it per block  float (N, size)    itself
class      a class label (cGAN, BigGAN)                 int64 (N,)         one-hot (N, classes)
categorical InfoGAN categorical codes, one per entry     int64 (N, k)       one-hot per code
continuous InfoGAN continuous codes ~ U[lo, hi]         float (N, k)       itself
image      a conditioning image (Pix2Pix, CycleGAN)     float (N, C, H, W) not flattened
styles     per-layer style vectors (StyleGAN's w+)       float (N, L, D)    flattened (N, L·D)
========== ============================================ ================== ==========================

Sampling draws the parts in order from one ``torch.Generator``, so a seed means the same latent everywhere.
The descriptor itself needs neither torch nor Qt (the app's explorer model reads it before torch is loaded):
only the methods that make tensors import torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

KINDS = ("normal", "class", "categorical", "continuous", "image", "styles")


@dataclass(frozen=True)
class Part:
    """One input of a generator. ``name`` is its key in a latent dict (``z``, ``label``, ``cat``, ``cont``, ...)."""

    name: str
    kind: str
    size: int = 0  # normal / continuous: values; class: classes; styles: layers × dim
    categories: tuple[int, ...] = ()  # categorical: values of each code
    names: tuple[str, ...] = ()  # class names; or the public names of the codes in this part
    range: tuple[float, float] = (-1.0, 1.0)  # continuous codes
    chunks: tuple[int, ...] = ()  # normal: sizes of hierarchical z chunks (BigGAN), summing to size
    shape: tuple[int, ...] = ()  # image: (C, H, W); styles: (L, D)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown input kind {self.kind!r}: one of {', '.join(KINDS)}")
        if self.chunks and sum(self.chunks) != self.size:
            raise ValueError(f"{self.name}: chunks {self.chunks} do not add up to {self.size}")

    @property
    def width(self) -> int:
        """Columns this part takes in the flat vector (0: not part of it)."""
        if self.kind == "categorical":
            return sum(self.categories)
        if self.kind == "image":
            return 0
        if self.kind == "styles":
            return math.prod(self.shape)
        return self.size

    @property
    def count(self) -> int:
        """How many values the latent dict holds per sample for this part (codes: one per code)."""
        if self.kind == "categorical":
            return len(self.categories)
        return self.size

    def sample(self, n: int, g: torch.Generator, device: torch.device) -> torch.Tensor:
        import torch

        if self.kind == "normal":
            return torch.randn(n, self.size, generator=g, device=device)
        if self.kind == "class":
            return torch.randint(0, self.size, (n,), generator=g, device=device)
        if self.kind == "categorical":
            return torch.stack([torch.randint(0, k, (n,), generator=g, device=device) for k in self.categories], 1)
        if self.kind == "continuous":
            lo, hi = self.range
            return torch.rand(n, self.size, generator=g, device=device) * (hi - lo) + lo
        if self.kind == "styles":
            return torch.randn((n,) + self.shape, generator=g, device=device)
        raise ValueError(f"{self.name}: an {self.kind} input is given, not drawn")

    def flatten(self, value: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        import torch
        import torch.nn.functional as F

        if self.kind == "class":
            return F.one_hot(value, self.size).to(dtype)
        if self.kind == "categorical":
            return torch.cat([F.one_hot(value[:, k], c).to(dtype) for k, c in enumerate(self.categories)], 1)
        if self.kind == "styles":
            return value.flatten(1).to(dtype)
        return value.to(dtype)

    def describe(self) -> dict:
        d: dict = {"name": self.name, "kind": self.kind}
        for key in ("size", "categories", "names", "range", "chunks", "shape"):
            v = getattr(self, key)
            default = Part.__dataclass_fields__[key].default
            if v != default:
                d[key] = list(v) if isinstance(v, tuple) else v
        return d

    @classmethod
    def from_description(cls, d: dict) -> "Part":
        kw = {k: (tuple(v) if isinstance(v, list) else v) for k, v in d.items()}
        return cls(**kw)


@dataclass(frozen=True)
class InputSpec:
    """A generator's inputs, in the order they are drawn and concatenated."""

    parts: tuple[Part, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        names = [p.name for p in self.parts]
        if len(set(names)) != len(names):
            raise ValueError(f"input names repeat: {names}")

    # -- lookups ---------------------------------------------------------------------------------------------
    def part(self, name: str) -> Part | None:
        return next((p for p in self.parts if p.name == name), None)

    def of_kind(self, kind: str) -> list[Part]:
        return [p for p in self.parts if p.kind == kind]

    @property
    def in_dim(self) -> int:
        return sum(p.width for p in self.parts)

    def slices(self) -> dict[str, slice]:
        """Where each flattened part sits in the flat vector."""
        out, start = {}, 0
        for p in self.parts:
            if p.width:
                out[p.name] = slice(start, start + p.width)
                start += p.width
        return out

    # the shape most families share: z, an optional class, InfoGAN codes ------------------------------------
    @property
    def z_dim(self) -> int:
        z = self.part("z")
        return z.size if z is not None else 0

    @property
    def num_classes(self) -> int:
        return sum(p.size for p in self.of_kind("class"))

    @property
    def class_names(self) -> tuple[str, ...]:
        return next((p.names for p in self.of_kind("class")), ())

    @property
    def cat_dims(self) -> tuple[int, ...]:
        return tuple(c for p in self.of_kind("categorical") for c in p.categories)

    @property
    def cont_dim(self) -> int:
        return sum(p.size for p in self.of_kind("continuous"))

    def code_names(self) -> list[dict]:
        """The codes a user can set (``ganstudio info``, ``sample --code``, the explorer's code sliders)."""
        return [c for c, _, _ in self.codes()]

    def codes(self) -> list[tuple[dict, str, int]]:
        """(public description, part name, index within the part) of every code, in order."""
        codes: list[tuple[dict, str, int]] = []
        for p in self.of_kind("categorical"):
            for k, n in enumerate(p.categories):
                name = p.names[k] if p.names else ("cat" if len(p.categories) == 1 else f"cat{k + 1}")
                codes.append(({"name": name, "kind": "categorical", "categories": n}, p.name, k))
        for p in self.of_kind("continuous"):
            for k in range(p.size):
                name = p.names[k] if p.names else f"c{k + 1}"
                codes.append(({"name": name, "kind": "continuous", "range": list(p.range)}, p.name, k))
        return codes

    # -- tensors ---------------------------------------------------------------------------------------------
    def sample(self, n: int, generator: torch.Generator, device: torch.device,
               truncation: float | None = None) -> dict[str, torch.Tensor]:
        """A latent dict of ``n`` draws: every drawable part, in order, from ``generator``; with ``truncation``
        ψ the normal parts are truncated to ±ψ (``truncate``)."""
        out = {p.name: p.sample(n, generator, device) for p in self.parts if p.kind != "image"}
        if truncation is not None:
            for p in self.of_kind("normal"):
                out[p.name] = truncate(out[p.name], truncation)
        return out

    def flatten(self, latent: dict[str, torch.Tensor], dtype: torch.dtype | None = None) -> torch.Tensor:
        """The flat input vector (N, in_dim): z ‖ one-hot class ‖ one-hot codes ‖ continuous codes ‖ ..."""
        import torch

        cols = []
        ref = next(latent[p.name] for p in self.parts if p.width and p.name in latent)
        dtype = dtype or (ref.dtype if ref.is_floating_point() else torch.float32)
        for p in self.parts:
            if not p.width:
                continue
            if p.name not in latent:
                what = "a class label" if p.kind == "class" else f"its {p.name!r} input"
                raise ValueError(f"this generator needs {what}")
            cols.append(p.flatten(latent[p.name], dtype))
        return torch.cat(cols, 1)

    def flatten_numpy(self, latent: dict) -> np.ndarray:
        """``flatten`` for numpy latents (the explorer's and latent files' form)."""
        import torch

        t = {k: torch.as_tensor(np.asarray(v)) for k, v in latent.items()}
        return self.flatten(t, torch.float32).numpy()

    # -- descriptions ----------------------------------------------------------------------------------------
    def describe(self) -> list[dict]:
        return [p.describe() for p in self.parts]

    @classmethod
    def from_description(cls, parts: list[dict]) -> "InputSpec":
        return cls(tuple(Part.from_description(d) for d in parts))

    @classmethod
    def from_model_info(cls, info: dict) -> "InputSpec":
        """From a checkpoint's ``model`` description: its ``inputs`` list, or (checkpoints written before the
        descriptor existed) its z_dim, classes and codes."""
        if info.get("inputs"):
            return cls.from_description(info["inputs"])
        codes = info.get("codes") or []
        return latent_layout(int(info["z_dim"]), len(info.get("classes") or []),
                             tuple(c["categories"] for c in codes if c["kind"] == "categorical"),
                             sum(1 for c in codes if c["kind"] == "continuous"),
                             class_names=tuple(info.get("classes") or ()))


def latent_layout(z_dim: int, num_classes: int = 0, cat_dims: tuple[int, ...] = (), cont_dim: int = 0,
                  class_names: tuple[str, ...] = ()) -> InputSpec:
    """The classic layout: z ~ N(0, I) ‖ class label ‖ categorical codes ‖ continuous codes ~ U[-1, 1]."""
    parts = [Part("z", "normal", z_dim)]
    if num_classes:
        parts.append(Part("label", "class", num_classes, names=tuple(class_names)))
    if cat_dims:
        parts.append(Part("cat", "categorical", categories=tuple(cat_dims)))
    if cont_dim:
        parts.append(Part("cont", "continuous", cont_dim))
    return InputSpec(tuple(parts))


def truncate(z, psi: float | None):
    """BigGAN's truncation trick: z ~ N(0, 1) mapped to a normal truncated to [−ψ, ψ] (numpy or torch).

    BigGAN resamples the values outside ±ψ; this maps each value through the inverse CDF instead,
    z ↦ Φ⁻¹(Φ(−ψ) + Φ(z)·(Φ(ψ) − Φ(−ψ))), which gives the same distribution but moves every value smoothly as ψ
    moves (a fixed seed's sample changes gradually under a slider, not in jumps). ψ = 0 gives z = 0 (the
    "average" sample); ψ = None or ∞: z unchanged."""
    if psi is None or math.isinf(psi):
        return z
    if not (psi >= 0):
        raise ValueError(f"truncation ψ must be ≥ 0, got {psi}")
    if isinstance(z, np.ndarray):
        from scipy.special import ndtr, ndtri

        lo = ndtr(-psi)
        out = ndtri(lo + ndtr(z.astype(np.float64)) * (1 - 2 * lo))
        return np.clip(out, -psi, psi).astype(z.dtype)
    import torch

    lo = float(torch.special.ndtr(torch.tensor(-float(psi), dtype=torch.float64)))
    zd = z.detach().to("cpu", torch.float64)  # in float64 on the CPU (MPS has no float64)
    out = torch.special.ndtri(lo + torch.special.ndtr(zd) * (1 - 2 * lo))
    return out.clamp(-psi, psi).to(z.device, z.dtype)


# The name earlier code and tests use for the classic layout: LatentLayout(z_dim, classes, cat_dims, cont_dim).
LatentLayout = latent_layout
