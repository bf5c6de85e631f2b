"""Latent files in the explorer: the open state as a document (``trainers.latentfile`` holds the format and its
checks), written atomically, and read back into a state of the open model's layout. A file of another model, or
one whose values do not fit this model, is refused with a message and changes nothing."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from trainers.atomic import atomic_write_text
from trainers.latentfile import LatentFileError, latent_file, read_latent

from .latent import PSI_MAX, ExplorerState, Space, Styles

__all__ = ["LatentFileError", "latent_document", "load_latent", "save_latent"]


def latent_document(state: ExplorerState, space: Space, model: dict, directions: dict | None = None) -> dict:
    """The JSON a latent file holds (``trainers.latentfile``). ``model``: hash, lineage, family, step, ..."""
    codes: dict[str, float] = {}
    cat_names = [n for n in space.code_names][: len(space.cat_dims)]
    cont_names = [n for n in space.code_names][len(space.cat_dims):]
    for name, v in zip(cat_names, state.cat):
        codes[name] = int(v)
    for name, v in zip(cont_names, state.cont):
        codes[name] = float(v)
    doc = latent_file(model, z=state.z(directions), seed=state.seed, truncation=state.truncation,
                      base_z=state.base_z, offsets=state.offsets, label=state.label if space.classes else None,
                      label_name=space.classes[state.label] if space.classes else None, label_b=state.label_b,
                      blend=state.blend, codes=codes, vector=state.vector(space, directions))
    if space.truncation == "normal":
        doc["psi"] = state.psi  # BigGAN's truncation to ±ψ (null: off); "truncation" (the ψ·z scale) stays 1
    if state.styles is not None:  # a StyleGAN: the Styles tool's settings make the sample too
        doc["styles"] = state.styles.document(state.seed)
    if state.named:  # the named-direction sliders, {name: σ} (their moves are in z, or drawn from these in W+)
        doc["named"] = {name: float(v) for name, v in state.named}
    return doc


def save_latent(path: str | Path, doc: dict) -> Path:
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise LatentFileError(f"the folder {folder} does not exist; choose another place")
    try:
        atomic_write_text(path, json.dumps(doc, indent=1))
    except OSError as exc:
        raise LatentFileError(f"cannot write {path} ({exc.strerror or exc}); choose a writable folder") from None
    return path


def load_latent(path: str | Path, space: Space, model: dict, current: ExplorerState) -> tuple[ExplorerState, str]:
    """Read a latent file into a state for the open model; returns (state, note for the user).

    The same weights (hash) or another checkpoint of the same run (lineage) are accepted; any other model is
    refused, because the same z means something else there. Every value is checked against the format
    (``trainers.latentfile.read_latent``) and this model's layout first: a damaged file raises
    ``LatentFileError`` and changes nothing."""
    path = Path(path)
    try:
        doc = read_latent(path)
    except LatentFileError as exc:
        raise LatentFileError(f"{path.name} {exc}") from None
    saved = doc["model"]
    note = ""
    if saved.get("hash") != model.get("hash"):
        if saved.get("lineage") and saved.get("lineage") == model.get("lineage"):
            note = f"saved on step {saved.get('step')} of this run; shown on step {model.get('step')}"
        else:
            raise LatentFileError(
                f"{path.name} belongs to another model ({saved.get('family', '?')}, step {saved.get('step', '?')}, "
                f"hash {saved.get('hash', '?')}); the open one is {model.get('family')} (hash {model.get('hash')}). "
                "The same z means something else in another generator: open the checkpoint it was saved from")
    return replace(_fit(path.name, doc, space, current), named=_named(path)), note


def _named(path: Path) -> tuple[tuple[str, float], ...]:
    """The named-direction sliders a file saved ({name: σ}); anything else there is ignored (z holds the moves, but
    for a direction on some W+ layers only, which these values give)."""
    try:
        saved = json.loads(path.read_text()).get("named")
    except (OSError, ValueError, AttributeError):
        return ()
    if not isinstance(saved, dict):
        return ()
    return tuple((str(k)[:100], float(v)) for k, v in saved.items()
                 if isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) and abs(v) <= 100)


def _fit(name: str, doc: dict, space: Space, current: ExplorerState) -> ExplorerState:
    """The checked document as a state of this model's layout (z length, classes, code categories)."""
    if len(doc["base_z"]) != space.z_dim:
        raise LatentFileError(f"{name} holds a z of {len(doc['base_z'])} values; this model's z has {space.z_dim}")
    n_classes = len(space.classes)
    for key in ("label", "label_b"):
        k = doc[key]
        if k is not None and n_classes and not k < n_classes:
            raise LatentFileError(f"{name}: class {k} does not exist in this model (it has {n_classes}: "
                                  f"0 to {n_classes - 1})")
    codes = doc["codes"]
    cat_names = list(space.code_names[: len(space.cat_dims)])
    cont_names = list(space.code_names[len(space.cat_dims):])
    cat = []
    for code, n in zip(cat_names, space.cat_dims):
        v = codes.get(code, 0)
        if not float(v).is_integer() or not 0 <= v < n:
            raise LatentFileError(f"{name}: code {code} = {v:g} does not exist in this model (it takes 0 to {n - 1})")
        cat.append(int(v))
    label_b = doc["label_b"] if n_classes else None
    psi = doc.get("psi")
    if psi is not None and (isinstance(psi, bool) or not isinstance(psi, (int, float)) or not 0 <= psi <= PSI_MAX):
        raise LatentFileError(f"{name} has a damaged psi ({psi!r}; it must be null or a number from 0 to "
                              f"{PSI_MAX:g}); save it again")
    return replace(current, seed=doc["seed"], base_z=tuple(doc["base_z"]), truncation=doc["truncation"],
                   psi=float(psi) if psi is not None and space.truncation == "normal" else None,
                   offsets=tuple(doc["offsets"]), label=(doc["label"] or 0) if n_classes else 0, label_b=label_b,
                   blend=doc["blend"] if label_b is not None else 0.0, cat=tuple(cat),
                   cont=tuple(float(codes.get(c, 0.0)) for c in cont_names),
                   styles=_fit_styles(name, doc.get("styles"), current.styles, doc["seed"]))


def _fit_styles(name: str, saved: dict | None, now: Styles | None, seed: int) -> Styles | None:
    """The file's (checked) ``styles`` for this model, whose layout ``now`` (the state's) has: one mix flag per W+
    layer, one noise per conv, a projection of num_ws × w_dim. A file without them (saved before they were, or from
    another tool) is seed A's own w: ψ 1, the pad centred, no layer mixed, every noise on."""
    if now is None:
        if saved is not None:
            raise LatentFileError(f"{name} holds StyleGAN styles (the Styles tool's settings) and this model has "
                                  "none; open the StyleGAN it was saved from")
        return None
    n, convs = len(now.mix), len(now.noise)
    if saved is None:
        return Styles(seed_b=now.seed_b, mix=(False,) * n, noise=("const",) * convs, w_dim=now.w_dim)
    if len(saved["mix"]) != n or len(saved["noise"]) != convs:
        raise LatentFileError(f"{name} mixes styles over {len(saved['mix'])} layers with {len(saved['noise'])} noise "
                              f"inputs; this model's W+ has {n} layers and {convs} noise inputs: save it again from "
                              "this model")
    p, ws = saved["projection"], b""
    if p is not None:
        shape = (len(p["ws"]), len(p["ws"][0]))
        if shape != (n, now.w_dim or shape[1]):
            raise LatentFileError(f"{name} holds a projection of {shape[0]}×{shape[1]} styles; this model's W+ is "
                                  f"{n}×{now.w_dim} (layers × w): project the image again on this model")
        ws = np.asarray(p["ws"], np.float32).tobytes()
    return Styles(seed_b=saved["seed_b"], psi=saved["psi"], offset=tuple(saved["offset"]), mix=tuple(saved["mix"]),
                  noise=tuple(saved["noise"]), projected=ws, projected_from=p["source"] if p else "",
                  projected_space=p["space"] if p else "", projected_seed=seed if p else 0, w_dim=now.w_dim)
