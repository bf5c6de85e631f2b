"""Find the latent a generator draws an image from (GAN inversion by optimisation, Zhu et al. 2016; Creswell &
Bharath 2018): the explorer's "Invert image" and ``ganstudio invert``.

The generator's input is read from its input descriptor: z is optimised directly; a class or categorical code
as logits whose softmax is the soft one-hot the network takes; continuous codes through tanh into their range.

    minimise ‖G(z, softmax(ℓ_y), softmax(ℓ_c), c_cont) − x‖² + λ‖z‖²/d      (λ = 1e-3: z stays where G was trained)

Several restarts run side by side in one batch (G in eval mode, so they do not interact); the best is kept.
Then the discrete parts are snapped to their argmax (the form a latent file and the explorer's buttons hold)
and z is refined for a few more steps with them fixed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from .errors import ConfigError
from .generator import LoadedGenerator
from .latentfile import latent_file

Z_PRIOR = 1e-3


@dataclass
class Inversion:
    """The latent found: ``z`` (z_dim,), ``label`` (or None), ``cat`` / ``cont`` per code, the reconstruction
    (C, S, S) in [-1, 1], and the mean squared error before (G at the best random start) and after."""

    z: np.ndarray
    label: int | None
    cat: tuple[int, ...]
    cont: tuple[float, ...]
    recon: torch.Tensor
    mse: float
    start_mse: float
    steps: int


def load_target(path: str | Path, shape: tuple[int, ...]) -> torch.Tensor:
    """An image file as the generator's output would be: (C, S, S) in [-1, 1], centre-cropped and resized as
    image folders are for training (``trainers.data.real.read_image``)."""
    from .data.real import image_errors, read_image

    c, s, _ = shape
    try:
        arr = read_image(path, s, c)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such image file") from None
    except image_errors() as exc:
        raise ConfigError(f"{path}: not a readable image ({exc}); give a PNG or JPEG") from None
    return torch.from_numpy(arr.astype(np.float32) / 127.5 - 1.0)


def invert(gen: LoadedGenerator, target: torch.Tensor, steps: int = 300, restarts: int = 8, seed: int = 0,
           lr: float = 0.05, progress: Callable[[int, int], None] | None = None,
           cancelled: Callable[[], bool] | None = None) -> Inversion:
    """Optimise the generator's input to reproduce ``target`` (C, S, S) in [-1, 1]."""
    spec = gen.input_spec
    shape = tuple(gen.meta["data"]["shape"])
    if len(shape) != 3:
        raise ConfigError("inversion needs an image generator; this one draws 2D points")
    if tuple(target.shape) != shape:
        raise ConfigError(f"the target is {tuple(target.shape)}, the generator makes {shape}")
    unsupported = [p.name for p in spec.parts if p.kind in ("image", "styles")]
    if unsupported:
        raise ConfigError(f"inversion does not handle {', '.join(unsupported)} inputs yet")
    if not (1 <= steps <= 100_000 and 1 <= restarts <= 256):
        raise ConfigError("inversion: steps must be in 1..100000 and restarts in 1..256")
    dev = gen.device
    x = target.to(dev, torch.float32)[None]
    g = torch.Generator(device=dev).manual_seed(seed)
    params: dict[str, torch.Tensor] = {}
    for p in spec.parts:
        if p.kind == "normal":
            params[p.name] = torch.randn(restarts, p.size, generator=g, device=dev)
        elif p.kind in ("class", "categorical"):
            params[p.name] = torch.zeros(restarts, p.width, device=dev)  # logits: uniform blends to start
        elif p.kind == "continuous":
            params[p.name] = torch.zeros(restarts, p.size, device=dev)  # tanh⁻¹ of the range's middle
    for v in params.values():
        v.requires_grad_(True)

    def flat(snap: bool = False) -> torch.Tensor:
        cols = []
        for p in spec.parts:
            v = params[p.name]
            if p.kind == "normal":
                cols.append(v)
            elif p.kind == "class" or p.kind == "categorical":
                groups = [p.size] if p.kind == "class" else list(p.categories)
                for block in torch.split(v, groups, dim=1):
                    cols.append(torch.nn.functional.one_hot(block.argmax(1), block.shape[1]).float() if snap
                                else block.softmax(1))
            else:
                lo, hi = p.range
                cols.append(lo + (hi - lo) * (torch.tanh(v) + 1) / 2)
        return torch.cat(cols, 1)

    def loss_of(h: torch.Tensor) -> torch.Tensor:
        err = (gen.G.from_flat(h) - x).pow(2).flatten(1).mean(1)
        return err + Z_PRIOR * params["z"].pow(2).mean(1) if "z" in params else err

    G = gen.G
    G.eval()
    with torch.no_grad():
        start = float((G.from_flat(flat()) - x).pow(2).flatten(1).mean(1).min())
    refine = max(1, steps // 5)
    opt = torch.optim.Adam(list(params.values()), lr=lr)
    total = steps + refine
    with torch.enable_grad():
        for i in range(steps):  # (1) everything free, discrete parts relaxed
            opt.zero_grad(set_to_none=True)
            loss_of(flat()).sum().backward()
            opt.step()
            if progress is not None and (i + 1) % 10 == 0:
                progress(i + 1, total)
            if cancelled is not None and cancelled():
                break
        for name in [p.name for p in spec.parts if p.kind != "normal"]:  # (2) snap, refine z alone
            params[name].requires_grad_(False)
        opt = torch.optim.Adam([params["z"]], lr=lr / 2) if "z" in params else None
        for i in range(refine if opt is not None else 0):
            opt.zero_grad(set_to_none=True)
            loss_of(flat(snap=True)).sum().backward()
            opt.step()
            if progress is not None and (i + 1) % 10 == 0:
                progress(steps + i + 1, total)
            if cancelled is not None and cancelled():
                break
    with torch.no_grad():
        h = flat(snap=True)
        recon = G.from_flat(h)
        err = (recon - x).pow(2).flatten(1).mean(1)
        best = int(err.argmin())
    label, cat, cont = None, [], []
    for p in spec.parts:
        v = params[p.name][best].detach()
        if p.kind == "class":
            label = int(v.argmax())
        elif p.kind == "categorical":
            cat += [int(b.argmax()) for b in torch.split(v, list(p.categories))]
        elif p.kind == "continuous":
            lo, hi = p.range
            cont += [float(lo + (hi - lo) * (math.tanh(float(c)) + 1) / 2) for c in v]
    z = params["z"][best].detach().cpu().numpy().astype(np.float32) if "z" in params else np.zeros(0, np.float32)
    return Inversion(z, label, tuple(cat), tuple(cont), recon[best].float().cpu(), float(err[best]), start, total)


def inversion_file(gen: LoadedGenerator, inv: Inversion) -> dict:
    """The latent file of an inversion (what the explorer's Load latent reads, Ctrl+Shift+O)."""
    spec = gen.input_spec
    names = [c["name"] for c in spec.code_names()]
    n_cat = len(spec.cat_dims)
    codes = {**{n: int(v) for n, v in zip(names[:n_cat], inv.cat)},
             **{n: float(v) for n, v in zip(names[n_cat:], inv.cont)}}
    classes = list(gen.class_names)
    latent = {"z": inv.z[None]}
    if inv.label is not None:
        latent["label"] = np.array([inv.label])
    if inv.cat:
        latent["cat"] = np.array([inv.cat])
    if inv.cont:
        latent["cont"] = np.array([inv.cont], dtype=np.float32)
    vector = spec.flatten_numpy(latent)[0] if spec.in_dim else np.zeros(0)
    model = {"hash": gen.weights_hash, "lineage": gen.lineage, "family": gen.meta["model"]["family"],
             "title": gen.meta["model"].get("title"), "step": gen.meta["step"], "checkpoint": str(gen.path),
             "dataset": gen.meta["data"]["name"]}
    return latent_file(model, z=inv.z, label=inv.label, label_name=classes[inv.label] if inv.label is not None
                       and inv.label < len(classes) else None, codes=codes, vector=vector,
                       note=f"inverted: mean squared error {inv.mse:.4f} (random start {inv.start_mse:.4f})")
