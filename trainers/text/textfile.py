"""A TediGAN text model as data and as a file (``tedigan.py`` trains and uses it): the trained parts for one StyleGAN
generator (``TextModel``), and where it lives — beside the checkpoint as ``<name>.text.safetensors`` + JSON
(nothing unpickled; bound to the generator by its weights hash), else in the user cache — and the data it trains
on (the generator's own digits, whose known factors its captions are written from)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .. import companions
from ..atomic import atomic_write, atomic_write_text
from ..errors import CheckpointError, ConfigError
from . import captions as cap
from .encoders import Clip, ImageEncoder, TextMapper

SCHEMA = "ganstudio-text/1"
DIM = 64


@dataclass
class TextModel:
    """The trained parts of TediGAN for one StyleGAN generator (module docstring)."""

    clip: Clip
    inverter: ImageEncoder
    mapper: TextMapper
    generator_hash: str
    w_spread: float
    info: dict = field(default_factory=dict)  # how it was trained, figures

    def to(self, device) -> "TextModel":
        for m in (self.clip, self.inverter, self.mapper):
            m.to(device)
        return self

    def modules(self) -> dict[str, torch.nn.Module]:
        return {"clip": self.clip, "inverter": self.inverter, "mapper": self.mapper}

    def eval(self) -> "TextModel":
        for m in self.modules().values():
            m.eval().requires_grad_(False)
        return self

    @property
    def device(self) -> torch.device:
        return next(self.clip.parameters()).device

    def tokens(self, texts: list[str], strict: bool = True) -> torch.Tensor:
        return torch.from_numpy(cap.encode(texts, strict=strict)).to(self.device)

    @torch.no_grad()
    def text_embedding(self, texts: list[str], strict: bool = True) -> torch.Tensor:
        return self.clip.embed_text(self.tokens(texts, strict))

    @torch.no_grad()
    def text_w(self, texts: list[str], strict: bool = True) -> torch.Tensor:
        """T(t): the w each text is mapped to, (N, w_dim)."""
        return self.mapper(self.clip.text(self.tokens(texts, strict)))

    def similarity(self, images: torch.Tensor, text_emb: torch.Tensor) -> torch.Tensor:
        """cos(I(image), text) per image, (N,) (differentiable in the images)."""
        return (self.clip.embed_image(images) * text_emb).sum(-1)


def require_digits(data) -> None:
    missing = [a for a in cap.ATTRIBUTES if a not in (data.factor_names or ())]
    if data.labels is None or missing:
        raise ConfigError("the text model needs a StyleGAN trained on the embedded digits: its captions are written "
                          "from each digit's known factors (class, stroke width, slant, size, aspect), which "
                          f"{data.name!r} does not have")


def text_model_path(checkpoint: str | Path) -> Path:
    """Where the text model of a checkpoint lives: beside it, ``<name>.text.safetensors``."""
    return companions.beside(checkpoint, "text")


def save_text_model(model: TextModel, path: str | Path) -> Path:
    from safetensors.torch import save_file

    path = Path(path)
    tensors = {f"{name}.{k}": v.detach().cpu().contiguous() for name, m in model.modules().items()
               for k, v in m.state_dict().items()}
    meta = {"schema": SCHEMA, "generator_hash": model.generator_hash, "w_spread": model.w_spread, "dim": DIM,
            "vocab": list(cap.VOCAB), "templates": {"train": list(cap.TRAIN_TEMPLATES),
                                                    "held_out": list(cap.HELD_OUT_TEMPLATES)},
            **model.info}
    atomic_write(path, lambda tmp: save_file(tensors, str(tmp)))
    atomic_write_text(path.with_suffix(".json"), json.dumps(meta, indent=1))
    return path


def load_text_model(path: str | Path, gen=None, device: str | torch.device = "cpu") -> TextModel:
    """A text model from ``path`` (safetensors + JSON; nothing unpickled). With ``gen``, its weights hash must
    match the one the model was trained for."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path)
    side = path.with_suffix(".json")
    try:
        meta = json.loads(side.read_text())
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no text model here (its {side.name} is missing); train one with "
                              "`ganstudio text CKPT --train` or the Text tool") from None
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{side}: not readable as a text model description ({exc}); train it again") from None
    if meta.get("schema") != SCHEMA:
        raise CheckpointError(f"{side}: not a GAN Studio text model (schema {meta.get('schema')!r}); train it again")
    if list(meta.get("vocab", [])) != list(cap.VOCAB):
        raise CheckpointError(f"{path}: trained with another vocabulary; train it again for this version")
    if gen is not None and meta.get("generator_hash") and getattr(gen, "weights_hash", None) not in (
            None, meta["generator_hash"]):
        raise CheckpointError(f"{path}: trained for another generator (hash {meta['generator_hash']}, this one "
                              f"{gen.weights_hash}); train it again for this checkpoint")
    try:
        tensors = load_file(str(path))
    except (OSError, SafetensorError) as exc:
        raise CheckpointError(f"{path}: not a readable safetensors file ({exc}); train the text model again") from None
    c, w_dim = int(meta["channels"]), int(meta["w_dim"])
    model = TextModel(Clip(c, int(meta["dim"])), ImageEncoder(c, w_dim), TextMapper(int(meta["dim"]), w_dim),
                      meta.get("generator_hash", ""), float(meta["w_spread"]), meta)
    for name, m in model.modules().items():
        part = {k[len(name) + 1:]: v for k, v in tensors.items() if k.startswith(name + ".")}
        try:
            m.load_state_dict(part)
        except RuntimeError as exc:
            raise CheckpointError(f"{path}: its {name} does not fit ({str(exc).splitlines()[0]}); train the text "
                                  "model again") from None
    return model.to(device).eval()


def cached_text_model_path(gen) -> Path:
    """The fallback when the checkpoint's folder is not writable: the user cache, by the generator's hash."""
    return companions.in_cache(gen, "text")


def find_text_model(gen) -> Path | None:
    """The text model of a loaded checkpoint: beside it, else in the cache (None: not trained yet)."""
    return companions.find(gen, "text")


def training_data(gen):
    """The data a text model of ``gen`` trains on: the generator's own dataset, as its run loaded it."""
    from ..metrics.evaluate import dataset_for

    data = dataset_for(gen.meta)
    require_digits(data)
    return data


def store_text_model(model: TextModel, gen) -> Path:
    """Save beside the checkpoint, or in the cache when that folder cannot be written."""
    try:
        return save_text_model(model, text_model_path(gen.path))
    except OSError:
        path = cached_text_model_path(gen)
        path.parent.mkdir(parents=True, exist_ok=True)
        return save_text_model(model, path)
