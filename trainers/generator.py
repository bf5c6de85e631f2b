"""A trained generator on its own: load it from a checkpoint and render latents (``sample``, the explorer)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import torch

from . import checkpoints as ck
from .config import TrainConfig, resolve, stored_fields
from .errors import CheckpointError, ConfigError
from .inputs import InputSpec
from .models import MODELS, Generator, family_networks
from .registry import capabilities_of, probe_of


@dataclass
class LoadedGenerator:
    path: Path
    meta: dict
    G: Generator
    device: torch.device

    @property
    def input_spec(self) -> InputSpec:
        """The generator-input descriptor: what ``latent`` draws and ``render`` takes."""
        return self.G.inputs

    @property
    def layout(self) -> InputSpec:  # the name earlier code uses
        return self.G.inputs

    @property
    def class_names(self) -> list[str]:
        return list(self.meta["model"].get("classes", []))

    @property
    def codes(self) -> list[dict]:
        return list(self.meta["model"].get("codes", []))

    def latent(self, n: int, seed: int = 0, label: int | str | None = None,
               codes: dict[str, float] | None = None, truncation: float | None = None) -> dict[str, torch.Tensor]:
        """``n`` latents from ``seed``; a fixed class ``label`` (index or name) and/or fixed code values; z
        truncated to ±``truncation`` (BigGAN's trick, ``trainers.inputs.truncate``) when given."""
        g = torch.Generator(device=self.device).manual_seed(seed)
        lat = self.layout.sample(n, g, self.device, truncation)
        if label is not None:
            if not self.layout.num_classes:
                raise ConfigError(f"{self.path.name}: --label needs a conditional model; this one is "
                                  f"{self.meta['model']['family']}")
            lat["label"] = torch.full((n,), self._label_index(label), dtype=torch.long, device=self.device)
        for name, value in (codes or {}).items():
            self._set_code(lat, name, value)
        return lat

    @torch.no_grad()
    def render(self, latent: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.G.generate(latent).float().cpu()

    def can(self, capability: str) -> bool:
        """Whether the generator's family has ``capability`` (``trainers.models.registry.CAPABILITIES``)."""
        return capability in capabilities_of(self.meta["model"].get("family"))

    def module(self, prefix: str, network: str | None = None) -> torch.nn.Module | None:
        """Another module of this generator's checkpoint (eval, CPU, no grad): the family's network ``network``
        (default: ``prefix``) loaded from the tensors under ``prefix`` (CycleGAN's F, Pix2Pix's D, SRGAN's SRResNet
        "R" built as a "G"); None when the file holds none (a generator-only export). What the families' probes
        use, so that a family file never imports the loader."""
        ckpt = ck.read_checkpoint(self.path, prefixes=(prefix,))
        if not ckpt.group(prefix):
            return None
        cfg = resolve(TrainConfig.from_stored(self.meta["config"]))
        nets, _ = family_networks(MODELS[cfg.model], cfg, tuple(self.meta["data"]["shape"]),
                                  tuple(self.meta["data"].get("class_names", [])))
        net = nets[network or prefix]
        ck.load_modules(ckpt, {prefix: net})
        return net.float().eval().requires_grad_(False)

    def probe(self, name: str):
        """The family's probe ``name`` (``Family.probes``: attention maps, the way back, ...); a clear error when
        the family has none."""
        fn = probe_of(self.meta["model"].get("family"), name)
        if fn is None:
            raise ConfigError(f"{self.path.name}: a {self.meta['model'].get('family')} model has no {name.replace('_', ' ')}")
        return fn

    @property
    def translates(self) -> bool:
        """Whether G translates a given image (Pix2Pix) instead of drawing from noise."""
        return bool(self.layout.of_kind("image"))

    @torch.no_grad()
    def translate(self, x: torch.Tensor, batch: int = 256) -> torch.Tensor:
        """G's output for images ``x`` (N, C, H, W) in model range [-1, 1], on the CPU."""
        name = self.layout.of_kind("image")[0].name
        return torch.cat([self.G.generate({name: x[s:s + batch].to(self.device)}).float().cpu()
                          for s in range(0, len(x), batch)]) if len(x) else x.float().cpu()

    @torch.no_grad()
    def render_inputs(self, inputs: np.ndarray | torch.Tensor) -> torch.Tensor:
        """G on raw input vectors (N, in_dim) = z ‖ class (soft one-hot) ‖ categorical codes ‖ continuous codes.

        The explorer works in this space: blends between classes or code values are soft one-hots."""
        h = torch.from_numpy(np.array(inputs, dtype=np.float32)).to(self.device)
        lay = self.input_spec
        if h.ndim != 2 or h.shape[1] != lay.in_dim:
            raise ConfigError(f"{self.path.name}: a latent of {h.shape[-1]} values, but this generator takes "
                              f"{lay.in_dim} (" + ", ".join(f"{p.name} {p.width}" for p in lay.parts if p.width)
                              + ")")
        return self.G.from_flat(h).float().cpu()

    def inputs(self, latent: dict[str, torch.Tensor]) -> np.ndarray:
        """A ``latent()`` dict as raw input vectors (N, in_dim), the form ``render_inputs`` takes."""
        return latent_to_inputs(self.layout, latent)

    @cached_property
    def weights_hash(self) -> str:
        """sha256 of G's weights (names, shapes, bytes): the same generator, whatever file it came from."""
        h = hashlib.sha256()
        for name, t in sorted(self.G.state_dict().items()):
            h.update(name.encode())
            h.update(str(tuple(t.shape)).encode())
            h.update(t.detach().cpu().contiguous().numpy().tobytes())
        return h.hexdigest()[:16]

    @cached_property
    def lineage(self) -> str:
        """Identifies the run a checkpoint belongs to (its recipe and data, not its step): latents saved on one
        checkpoint of a run still mean something on the others."""
        return run_lineage(self.meta)

    @cached_property
    def directions(self) -> dict:
        """GANSpace-style principal directions in z (computed once per generator)."""
        return principal_directions(self)

    def _label_index(self, label: int | str) -> int:
        names = self.class_names
        if isinstance(label, str) and not label.lstrip("-").isdigit():
            if label not in names:
                raise ConfigError(f"unknown class {label!r}: this model knows {', '.join(names)}")
            return names.index(label)
        k = int(label)
        if not 0 <= k < self.layout.num_classes:
            raise ConfigError(f"--label {k} is out of range: this model has classes 0..{self.layout.num_classes - 1}")
        return k

    def _set_code(self, lat: dict, name: str, value: float) -> None:
        codes = {c["name"]: (c, part, index) for c, part, index in self.input_spec.codes()}
        if name not in codes:
            known = ", ".join(codes) or "none"
            raise ConfigError(f"unknown code {name!r}: this model's codes are {known}")
        c, part, index = codes[name]
        if c["kind"] == "categorical":
            k = int(value)
            if k != value or not 0 <= k < c["categories"]:
                raise ConfigError(f"code {name} is categorical: give an integer in 0..{c['categories'] - 1}")
            lat[part][:, index] = k
        else:
            lat[part][:, index] = float(value)


def load_generator(path: str | Path, device: str | torch.device = "cpu") -> LoadedGenerator:
    """Rebuild G from a checkpoint's description and load its weights (eval mode, no grad)."""
    p, meta = ck.read_meta(path)
    try:
        cfg = resolve(TrainConfig.from_stored(meta["config"]))
        shape = tuple(meta["data"]["shape"])
        nets, _ = family_networks(MODELS[cfg.model], cfg, shape, tuple(meta["data"].get("class_names", [])))
    except ConfigError as exc:
        raise CheckpointError(f"{p}: its stored config is not usable here ({exc})") from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RuntimeError) as exc:
        raise CheckpointError(f"{p}: its description does not build a model ({type(exc).__name__}: {exc}); the file "
                              "is damaged or foreign: use another checkpoint") from None
    G = nets["G"]
    # a run that keeps an EMA of G samples from the average (what it rendered and evaluated while training)
    ckpt = ck.read_checkpoint(p, prefixes=("G", "G_ema"))
    ck.load_modules(ckpt, {"G_ema" if ckpt.group("G_ema") else "G": G})
    dev = torch.device(device)
    G.to(dev).eval().requires_grad_(False)
    return LoadedGenerator(p, meta, G, dev)


def describe(meta: dict) -> dict:
    """What ``ganstudio info --json`` prints: enough for a script to drive ``ganstudio sample``."""
    try:
        return _describe(meta)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise CheckpointError(f"the checkpoint's description is incomplete ({type(exc).__name__}: {exc}); the file "
                              "is damaged or foreign: use another checkpoint") from None


def _describe(meta: dict) -> dict:
    cfg = meta["config"]
    shape = meta["data"]["shape"]
    is_image = len(shape) == 3
    return {
        "family": meta["model"]["family"],
        "title": meta["model"].get("title", ""),
        "capabilities": sorted(capabilities_of(meta["model"]["family"])),
        "kind": "image" if is_image else "points",
        "image_size": shape[1] if is_image else None,
        "channels": shape[0] if is_image else None,
        "z_dim": meta["model"]["z_dim"],
        "classes": meta["model"].get("classes", []),
        "codes": meta["model"].get("codes", []),
        "inputs": InputSpec.from_model_info(meta["model"]).describe(),  # the generator-input descriptor
        "step": meta["step"],
        "dataset": meta["data"]["name"],
        "dataset_fingerprint": meta["data"].get("fingerprint"),
        "loss": meta["model"].get("loss"),
        # how z is truncated: "normal" (BigGAN: a normal truncated to ±ψ, sample --truncation) or "scale" (ψ·z)
        "truncation": "normal" if meta["model"].get("truncation") == "normal" else "scale",
        "seed": cfg.get("seed"),
        "saved_at": meta.get("saved_at"),
    }


def latent_to_inputs(inputs: InputSpec, latent: dict[str, torch.Tensor]) -> np.ndarray:
    """A latent dict as flat input vectors (N, in_dim), on the CPU."""
    return inputs.flatten({k: v.cpu() for k, v in latent.items()}, torch.float32).numpy()


_NOT_LINEAGE = ("steps", "out", "device", "sample_every", "checkpoint_every", "keep_every", "log_window_s",
                "tensorboard", "download", "data_root", "eval_every", "eval_samples")


# settings added later, at the value that means "off": a run from before they existed is the same run
_OFF = {"ema": (None, 0, 0.0), "lr_decay": (None, "none"), "data_b": (None,), "lr_q": (None, 0, 0.0)}


def run_lineage(meta: dict) -> str:
    stored = meta.get("config", {})
    if isinstance(stored, dict):
        stored = stored_fields(stored)  # as TrainConfig.from_stored reads it
    cfg = {k: v for k, v in stored.items() if k not in _NOT_LINEAGE and not (k in _OFF and v in _OFF[k])}
    if cfg.get("lr_q") is not None and cfg.get("lr_q") == cfg.get("lr_d"):
        del cfg["lr_q"]  # InfoGAN's Q at D's rate: what every run before --lr-q was
    model = {k: v for k, v in meta.get("model", {}).items() if k != "inputs"}  # derived from the rest
    ident = {"config": cfg, "data": meta.get("data", {}).get("fingerprint"), "model": model}
    return hashlib.sha256(json.dumps(ident, sort_keys=True, default=str).encode()).hexdigest()[:16]


@torch.no_grad()
def principal_directions(gen: LoadedGenerator, k: int = 8, n: int = 2000, seed: int = 0) -> dict:
    """GANSpace (Härkönen et al. 2020) for a z-input generator: PCA of the first block's activations over
    ``n`` random latents, then each principal component carried back to z by least squares
    (u_i = argmin_U Σ_j ‖U x_j − z_j‖², x_j the PCA coordinates of sample j).

    Returns ``{"dirs": (k, z_dim) unit vectors, "sigma": (k,) std of z along each, "explained": (k,)
    fraction of activation variance}``; z moves by ``a · sigma_i · dirs_i`` for a slider value ``a``."""
    g = torch.Generator().manual_seed(seed)
    latent = gen.layout.sample(n, g, torch.device("cpu"))
    x = torch.as_tensor(latent_to_inputs(gen.layout, latent)).to(gen.device)
    feats = gen.G.first_features(x).flatten(1).float().cpu()
    feats = feats - feats.mean(0, keepdim=True)
    k = max(1, min(k, gen.layout.z_dim, feats.shape[1], n - 1))
    _, s, v = torch.pca_lowrank(feats, q=min(k + 4, feats.shape[1], n), center=False, niter=3)
    coords = feats @ v[:, :k]
    z = latent["z"].float()
    u = torch.linalg.lstsq(coords, z).solution  # (k, z_dim)
    u = u / u.norm(dim=1, keepdim=True).clamp_min(1e-8)
    sigma = (z @ u.T).std(0)
    total = feats.pow(2).sum() / max(1, n - 1)
    explained = (s[:k] ** 2 / max(1, n - 1)) / total
    return {"dirs": u.numpy().astype(np.float32), "sigma": sigma.numpy().astype(np.float32),
            "explained": explained.numpy().astype(np.float32)}


def seed_latent(layout, n: int, seed: int) -> dict[str, np.ndarray]:
    """What ``LoadedGenerator.latent(n, seed)`` draws, as numpy, from the layout alone (no weights needed)."""
    g = torch.Generator().manual_seed(seed)
    lat = layout.sample(n, g, torch.device("cpu"))
    return {k: v.numpy() for k, v in lat.items()}


def layout_from_info(info: dict) -> InputSpec:
    """The generator-input descriptor a checkpoint's ``model`` description stands for."""
    return InputSpec.from_model_info(info)
