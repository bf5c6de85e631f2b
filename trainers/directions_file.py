"""A generator's named directions as a file, and the one call that finds and measures them (``ganstudio directions``,
the explorer's Find directions).

Kept beside the checkpoint as ``<name>.directions.safetensors`` (each direction's vector and its step carried back
to z) + ``<name>.directions.json`` (names, methods, σ, measures; nothing unpickled), bound to the generator by its
weights hash like the text model: a file made for another generator is refused with a line that says so. Where the
checkpoint's folder cannot be written, the user cache keeps it under the hash.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from . import companions
from .atomic import atomic_write, atomic_write_text
from .directions import Direction, LatentWalk, Progress, factors_of, find_interfacegan
from .directions_refine import STEPS as REFINE_STEPS
from .errors import CheckpointError, ConfigError

SCHEMA = "ganstudio-directions/1"
METHODS = ("interfacegan", "sefa", "ganspace")


@dataclass
class DirectionSet:
    """The directions found for one generator (``generator_hash``), with how they were found (``info``)."""

    generator_hash: str
    directions: list[Direction]
    info: dict = field(default_factory=dict)

    def of(self, method: str) -> list[Direction]:
        return [d for d in self.directions if d.method == method]

    def named(self, name: str) -> Direction:
        """The direction called ``name`` (its name, or an unambiguous start of one: "width", "slant (SeFa 3)")."""
        exact = [d for d in self.directions if d.name == name]
        if exact:
            return exact[0]
        starts = [d for d in self.directions if d.name.startswith(name)]
        if len(starts) >= 1 and len({d.name.split(" (")[0] for d in starts}) == 1:
            return starts[0]
        known = ", ".join(d.name for d in self.directions)
        raise ConfigError(f"no direction {name!r}: this generator's are {known}")

    @property
    def has_factors(self) -> bool:
        """Whether the data's factors named them (InterFaceGAN's) rather than only the weights (SeFa's)."""
        return bool(self.of("interfacegan"))


def directions_path(checkpoint: str | Path) -> Path:
    """Beside the checkpoint: ``<name>.directions.safetensors`` (a run folder: its last checkpoint's)."""
    return companions.beside(checkpoint, "directions")


def cached_directions_path(gen) -> Path:
    return companions.in_cache(gen, "directions")


def find_directions_file(gen) -> Path | None:
    """The stored directions of a loaded checkpoint: beside it, else in the cache (None: not found yet)."""
    return companions.find(gen, "directions")


def save_directions(ds: DirectionSet, path: str | Path) -> Path:
    from safetensors.torch import save_file

    path = Path(path)
    tensors = {}
    for i, d in enumerate(ds.directions):
        tensors[f"{i}.vector"] = torch.from_numpy(np.ascontiguousarray(d.vector, dtype=np.float32))
        tensors[f"{i}.z_step"] = torch.from_numpy(np.ascontiguousarray(d.z_step, dtype=np.float32))
    meta = {"schema": SCHEMA, "generator_hash": ds.generator_hash, **ds.info,
            "directions": [{"name": d.name, "method": d.method, "factor": d.factor, "sigma": d.sigma,
                            "space": d.space, "layers": [int(i) for i in d.layers], "note": d.note,
                            "measures": d.measures} for d in ds.directions]}
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: save_file(tensors, str(tmp)))
    atomic_write_text(path.with_suffix(".json"), json.dumps(meta, indent=1))
    return path


def load_directions(path: str | Path, gen=None) -> DirectionSet:
    """Directions from ``path`` (safetensors + JSON; nothing unpickled). With ``gen``, they must have been found for
    its weights (hash), else a ``CheckpointError`` that says so."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path)
    side = path.with_suffix(".json")
    try:
        meta = json.loads(side.read_text())
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no directions here (its {side.name} is missing); find them with "
                              "`ganstudio directions CKPT` or the Latent tool's Find directions") from None
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{side}: not readable as directions ({exc}); find them again") from None
    if not isinstance(meta, dict) or meta.get("schema") != SCHEMA:
        raise CheckpointError(f"{side}: not a GAN Studio directions file; find them again with `ganstudio directions`")
    if gen is not None and meta.get("generator_hash") != gen.weights_hash:
        raise CheckpointError(f"{path}: found for another generator (weights hash {meta.get('generator_hash')}, this "
                              f"one {gen.weights_hash}); find them again for this checkpoint with `ganstudio "
                              "directions`")
    try:
        tensors = load_file(str(path))
        dirs = [Direction(d["name"], d["method"], tensors[f"{i}.vector"].numpy(), float(d["sigma"]),
                          tensors[f"{i}.z_step"].numpy(), d.get("factor"), d.get("measures") or {},
                          d.get("note", ""), d.get("space", "z"), tuple(int(i) for i in d.get("layers") or ()))
                for i, d in enumerate(meta["directions"])]
    except (OSError, SafetensorError, KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{path}: damaged ({type(exc).__name__}: {exc}); find the directions again") from None
    info = {k: v for k, v in meta.items() if k not in ("schema", "generator_hash", "directions")}
    return DirectionSet(meta["generator_hash"], dirs, info)


def store_directions(ds: DirectionSet, gen, out: str | Path | None = None) -> Path:
    """Save to ``out``, else beside the checkpoint, else (that folder not writable) in the cache."""
    if out is not None:
        return save_directions(ds, out)
    try:
        return save_directions(ds, directions_path(gen.path))
    except OSError:
        return save_directions(ds, cached_directions_path(gen))


def stored_directions(gen) -> DirectionSet | None:
    """The directions stored for ``gen`` (None: none yet; a file for another generator raises)."""
    path = find_directions_file(gen)
    return load_directions(path, gen) if path is not None else None


def parse_moves(ds: DirectionSet, items: list[str]) -> list[tuple[Direction, float]]:
    """``NAME=VALUE`` items (``sample --direction width=2``) as (direction, steps in σ)."""
    import math

    moves = []
    for item in items:
        name, sep, value = item.rpartition("=")
        try:
            a = float(value)
        except ValueError:
            sep = ""
        if not sep or not name.strip() or not math.isfinite(a):
            raise ConfigError(f"--direction {item!r}: write NAME=STEPS, e.g. --direction width=2 (steps in σ)")
        moves.append((ds.named(name.strip()), a))
    if len({d.space for d, _ in moves}) > 1:
        raise ConfigError("--direction: these directions live in different spaces (z and W); move along one kind")
    return moves


def render_moved(gen, latent: dict, moves: list[tuple[Direction, float]]) -> torch.Tensor:
    """The images of ``latent`` (``gen.latent(...)``) moved by a·σ along each (direction, a), at its W+ layers only
    where it has some."""
    flat = torch.from_numpy(gen.inputs(latent))
    if not moves:
        return gen.render(latent)
    walk = LatentWalk(gen, moves[0][0].space)
    points = walk.points(flat)
    for d, a in moves:
        points = walk.moved(points, float(a) * float(d.sigma) * torch.as_tensor(d.vector, dtype=torch.float32),
                            d.layers)
    return walk.render(points, flat)


# -- finding and measuring -----------------------------------------------------------------------------------
def reader_for(gen):
    """(data, classifier, ink-measure calibration) for a generator's dataset, or (data, None, {}) when the data has no
    classes to train a classifier on."""
    from .directions_measure import calibrate
    from .metrics.evaluate import dataset_for
    from .metrics.features import get_extractor

    data = dataset_for(gen.meta)
    if data.labels is None or not data.is_image or data.num_classes < 2:
        return data, None, {}
    return data, get_extractor(data), calibrate(data)


def find_directions(gen, n: int = 6000, n_measure: int = 200, methods=METHODS, seed: int = 0,
                    progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
                    reader=None, refine_steps: int = REFINE_STEPS) -> DirectionSet:
    """InterFaceGAN's directions (when the data has factors; in W, each on the W+ layers that measure best:
    ``directions_layers``; then refined through G and the classifier where that measures better, ``refine_steps``
    Adam steps each: ``directions_refine``), SeFa's (when the family has a first layer or styles) and GANSpace's,
    each measured (``directions_measure.measure``) from ``n_measure`` starts. Raises ``InterruptedError`` once
    ``cancelled()``; writes nothing (``store_directions`` does)."""
    from .directions_layers import choose_layers
    from .directions_refine import refine
    from .directions_measure import measure
    from .directions_sefa import find_ganspace, find_sefa, has_sefa

    t0 = time.time()
    tick = progress or (lambda stage, done, total: None)

    def check() -> None:
        if cancelled is not None and cancelled():
            raise InterruptedError("cancelled")

    tick("reading the data", 0, 1)
    data, extractor, calib = reader or reader_for(gen)
    walk = LatentWalk(gen)
    dirs: list[Direction] = []
    notes = []
    if "interfacegan" in methods:
        if extractor is not None and factors_of(extractor):
            found = find_interfacegan(walk, extractor, n=n, seed=seed, progress=tick, cancelled=cancelled)
            if calib:
                found = choose_layers(walk, found, extractor, calib, progress=tick, cancelled=cancelled)
                found = refine(walk, found, extractor, calib, refine_steps, seed, tick, cancelled)
            dirs += found
        else:
            notes.append(f"{data.name} has no factors the classifier reads: no InterFaceGAN directions")
    check()
    if "sefa" in methods:
        if has_sefa(gen):
            tick("SeFa", 0, 1)
            dirs += find_sefa(gen, extractor if calib else None)
        else:
            notes.append("SeFa does not apply: the family does not say which layer reads its latent first")
    check()
    if "ganspace" in methods:
        tick("GANSpace", 0, 1)
        dirs += find_ganspace(gen, extractor if calib else None)
    if extractor is not None and n_measure:
        walks = {walk.space: walk}
        for i, d in enumerate(dirs):
            check()
            tick("measuring", i, len(dirs))
            if d.factor is not None:
                w = walks.setdefault(d.space, LatentWalk(gen, d.space))
                d.measures = measure(w, d, extractor, calib, n=n_measure, cancelled=cancelled)
        tick("measuring", len(dirs), len(dirs))
    info = {"checkpoint": gen.path.name, "dataset": data.name, "space": walk.space, "fit_samples": n,
            **({"num_ws": int(walk.body.num_ws)} if walk.body is not None else {}),
            "measure_starts": n_measure, "seed": seed, "refine_steps": refine_steps,
            "seconds": round(time.time() - t0, 1),
            "calibration": calib, "notes": notes,
            "classifier": {"accuracy": round(extractor.accuracy, 4)} if extractor is not None else None}
    return DirectionSet(gen.weights_hash, dirs, info)
