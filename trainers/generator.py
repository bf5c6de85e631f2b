"""A trained generator on its own: load it from a checkpoint and render latents (``sample``, the explorer)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from . import checkpoints as ck
from .config import TrainConfig, resolve
from .errors import CheckpointError, ConfigError
from .models import MODELS, Generator, build_networks


@dataclass
class LoadedGenerator:
    path: Path
    meta: dict
    G: Generator
    device: torch.device

    @property
    def layout(self):
        return self.G.layout

    @property
    def class_names(self) -> list[str]:
        return list(self.meta["model"].get("classes", []))

    @property
    def codes(self) -> list[dict]:
        return list(self.meta["model"].get("codes", []))

    def latent(self, n: int, seed: int = 0, label: int | str | None = None,
               codes: dict[str, float] | None = None) -> dict[str, torch.Tensor]:
        """``n`` latents from ``seed``; a fixed class ``label`` (index or name) and/or fixed code values."""
        g = torch.Generator(device=self.device).manual_seed(seed)
        lat = self.layout.sample(n, g, self.device)
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
        codes = {c["name"]: (i, c) for i, c in enumerate(self.codes)}
        if name not in codes:
            known = ", ".join(codes) or "none"
            raise ConfigError(f"unknown code {name!r}: this model's codes are {known}")
        _, c = codes[name]
        if c["kind"] == "categorical":
            k = int(value)
            if k != value or not 0 <= k < c["categories"]:
                raise ConfigError(f"code {name} is categorical: give an integer in 0..{c['categories'] - 1}")
            idx = [x["name"] for x in self.codes if x["kind"] == "categorical"].index(name)
            lat["cat"][:, idx] = k
        else:
            idx = [x["name"] for x in self.codes if x["kind"] == "continuous"].index(name)
            lat["cont"][:, idx] = float(value)


def load_generator(path: str | Path, device: str | torch.device = "cpu") -> LoadedGenerator:
    """Rebuild G from a checkpoint's description and load its weights (eval mode, no grad)."""
    p, meta = ck.read_meta(path)
    try:
        cfg = resolve(TrainConfig.from_dict(meta["config"]))
    except ConfigError as exc:
        raise CheckpointError(f"{p}: its stored config is not usable here ({exc})") from None
    shape = tuple(meta["data"]["shape"])
    num_classes = len(meta["data"].get("class_names", []))
    nets = build_networks(MODELS[cfg.model], sample_shape=shape, num_classes=num_classes, z_dim=cfg.z_dim,
                          width=cfg.width, cat_codes=cfg.cat_codes, cont_codes=cfg.cont_codes)
    G = nets["G"]
    ckpt = ck.read_checkpoint(p, prefixes=("G",))
    ck.load_modules(ckpt, {"G": G})
    dev = torch.device(device)
    G.to(dev).eval().requires_grad_(False)
    return LoadedGenerator(p, meta, G, dev)


def describe(meta: dict) -> dict:
    """What ``ganstudio info --json`` prints: enough for a script to drive ``ganstudio sample``."""
    cfg = meta["config"]
    shape = meta["data"]["shape"]
    is_image = len(shape) == 3
    return {
        "family": meta["model"]["family"],
        "title": meta["model"].get("title", ""),
        "kind": "image" if is_image else "points",
        "image_size": shape[1] if is_image else None,
        "channels": shape[0] if is_image else None,
        "z_dim": meta["model"]["z_dim"],
        "classes": meta["model"].get("classes", []),
        "codes": meta["model"].get("codes", []),
        "step": meta["step"],
        "dataset": meta["data"]["name"],
        "dataset_fingerprint": meta["data"].get("fingerprint"),
        "loss": meta["model"].get("loss"),
        "seed": cfg.get("seed"),
        "saved_at": meta.get("saved_at"),
    }
