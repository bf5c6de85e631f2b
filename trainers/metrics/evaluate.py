"""Evaluate a generator offline against its dataset: what ``ganstudio eval`` prints and training logs.

Protocol (stated in every result): ``n`` fakes from a fixed seed are compared with ``n`` real images (half
A of a fixed split); the *floor* of each score is the same comparison with another ``n`` real images (half
B, disjoint from A) in place of the fakes: the best a perfect generator could expect at this sample size.
Features: the dataset's own feature classifier (``features.py``), so these are domain scores; on images without
labels an encoder learnt on them (``selfsup.py``); or Inception-v3 from a weights file (``extractors.py``).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from ..data.base import ArrayData
from ..registry import capabilities_of
from . import colour, scores
from .extractors import NOTES, note, skipped
from .features import Embedding, FeatureExtractor

SCHEMA = "ganstudio-eval/1"
NOTE = NOTES["classifier"]
# Which way is better, per score (used by tables, plots and the `best` checkpoint).
LOWER_IS_BETTER = {"fid", "kid"}

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class Protocol:
    samples: int = 5000  # fakes, and real images per half
    seed: int = 0  # fakes are drawn from this latent seed; the real split from this seed too
    k: int = 5  # neighbours for precision/recall
    kid_subsets: int = 50
    kid_subset_size: int = 1000
    truncation: float | None = None  # ψ: fakes from z truncated to ±ψ (BigGAN's trick); None: untruncated
    modes_samples: int = 0  # a stacked set's mode count (``modes.py``) over this many fakes; 0: ``samples``

    def effective(self, data: ArrayData) -> "Protocol":
        """Capped so that two disjoint real halves fit in the dataset."""
        from ..errors import DataError

        n = min(self.samples, len(data) // 2)
        if n <= self.k + 1:
            raise DataError(f"{data.name} has {len(data)} images: too few for two real halves of more than "
                             f"{self.k + 1} samples each")
        return dataclasses.replace(self, samples=n, kid_subset_size=min(self.kid_subset_size, n))

    def describe(self, data: ArrayData) -> dict:
        return {"samples": self.samples, "seed": self.seed, "knn_k": self.k, "kid_subsets": self.kid_subsets,
                "kid_subset_size": self.kid_subset_size, "dataset": data.name, "dataset_size": len(data),
                "real": f"two disjoint random halves A and B of the {len(data):,} images (split seed "
                        f"{self.seed}), {self.samples:,} each",
                "fake": f"{self.samples:,} samples, latent seed {self.seed}, labels/codes uniform"
                        + (f", z truncated to ±{self.truncation:g}" if self.truncation is not None else ""),
                "floor": "the same score with real half B in place of the fakes"}


def set_scores(real: Embedding, other: Embedding, p: Protocol) -> dict[str, float | list]:
    """Every two-set score of ``other`` (fakes, or real half B) against ``real`` (half A)."""
    kid_mean, kid_std = scores.kid(real.features, other.features, p.kid_subsets, p.kid_subset_size, p.seed)
    precision, recall = scores.precision_recall(real.features, other.features, p.k)
    out = {"fid": scores.fid(real.features, other.features), "kid": kid_mean, "kid_std": kid_std,
           "precision": precision, "recall": recall}
    if real.probs.shape[1]:  # class probabilities: features without classes (no labels, Inception) have none
        hist = scores.class_histogram(other.pred, real.probs.shape[1])
        out.update({"is": scores.inception_score(other.probs), "coverage": scores.covered_classes(hist),
                    "histogram": [round(float(h), 4) for h in hist]})
    return out


class RealReference:
    """Real halves A and B embedded once, with the floor of every score; reused across checkpoints."""

    def __init__(self, data: ArrayData, extractor: FeatureExtractor, protocol: Protocol,
                 progress: Progress | None = None):
        self.protocol = p = protocol.effective(data)
        perm = torch.randperm(len(data), generator=torch.Generator().manual_seed(p.seed))
        a, b = perm[:p.samples], perm[p.samples:2 * p.samples]
        self.real = _embed_indices(data, extractor, a, "real images (A)", progress)
        half_b = _embed_indices(data, extractor, b, "real images (B)", progress)
        self.floor = set_scores(self.real, half_b, p)
        self.fingerprint = data.fingerprint()


def _embed_indices(data: ArrayData, ex: FeatureExtractor, idx: torch.Tensor, stage: str,
                   progress: Progress | None, chunk: int = 1000) -> Embedding:
    parts = []
    for s in range(0, len(idx), chunk):
        parts.append(ex.embed(data.to_model(data.x[idx[s:s + chunk]])))
        if progress:
            progress(stage, min(s + chunk, len(idx)), len(idx))
    return _cat(parts)


def _cat(parts: list[Embedding]) -> Embedding:
    factors = None if parts[0].factors is None else np.concatenate([e.factors for e in parts])
    return Embedding(np.concatenate([e.features for e in parts]), np.concatenate([e.probs for e in parts]), factors)


def evaluate(gen, data: ArrayData, extractor: FeatureExtractor, protocol: Protocol = Protocol(),
             reference: RealReference | None = None, progress: Progress | None = None) -> dict:
    """Score a generator (``LoadedGenerator``-like: ``layout``, ``latent()``, ``render()``, ``codes``).

    Returns a JSON-ready dict (schema ``SCHEMA``): every score as ``{"value", "floor"}`` (or ``"reference"``
    for accuracies, the classifier's own held-out accuracy), plus the protocol and the classifier."""
    t0 = time.perf_counter()
    if reference is None or reference.fingerprint != data.fingerprint():
        reference = RealReference(data, extractor, protocol, progress)
    p = dataclasses.replace(reference.protocol, truncation=protocol.truncation)
    layout = gen.layout
    latent = (gen.latent(p.samples, seed=p.seed) if p.truncation is None
              else gen.latent(p.samples, seed=p.seed, truncation=p.truncation))
    parts = []
    chunk = 500
    can = capabilities_of((getattr(gen, "meta", None) or {}).get("model", {}).get("family"))
    # the first fakes, for the sliced Wasserstein distance (the growing families) and the ink colour (digits-rgb)
    keep: list[torch.Tensor] = []
    keeping = "swd" in can or data.name in colour.DATASETS
    for s in range(0, p.samples, chunk):
        part = {k: v[s:s + chunk] for k, v in latent.items()}
        images = gen.render(part)
        if keeping and sum(len(k) for k in keep) < SWD_IMAGES:
            keep.append(images.float().cpu())
        parts.append(extractor.embed(images))
        if progress:
            progress("generated images", min(s + chunk, p.samples), p.samples)
    fake = _cat(parts)
    model = set_scores(reference.real, fake, p)
    floor = reference.floor
    k = len(extractor.class_names)
    metrics: dict[str, dict] = {}
    for key in ("fid", "kid", "precision", "recall", "is", "coverage")[:6 if k else 4]:
        metrics[key] = {"value": _r(model[key]), "floor": _r(floor[key])}
    metrics["kid"].update(std=_r(model["kid_std"]), floor_std=_r(floor["kid_std"]))
    if k:
        metrics["coverage"].update(value=int(model["coverage"]), floor=int(floor["coverage"]), of=k,
                                   histogram=model["histogram"], floor_histogram=floor["histogram"])
    if layout.num_classes and k:
        want = latent["label"].cpu().numpy()
        per = [float((fake.pred[want == c] == c).mean()) if (want == c).any() else 0.0 for c in range(k)]
        metrics["label_accuracy"] = {"value": _r(float((fake.pred == want).mean())), "per_class": [_r(x) for x in per],
                                     "reference": _r(extractor.accuracy)}
    cat_names = [c["name"] for c in gen.codes if c["kind"] == "categorical"]
    for i, n_values in enumerate(layout.cat_dims if k else ()):
        vals = latent["cat"][:, i].cpu().numpy()
        confusion = np.zeros((n_values, k))
        np.add.at(confusion, (vals, fake.pred), 1)
        acc, mapping = scores.matched_accuracy(confusion)
        metrics.setdefault("code_accuracy", {"value": _r(acc), "reference": _r(extractor.accuracy), "codes": {}})
        metrics["code_accuracy"]["codes"][cat_names[i] if i < len(cat_names) else f"cat{i}"] = {
            "accuracy": _r(acc), "value_to_class": [extractor.class_names[m] if m >= 0 else None for m in mapping]}
    cont_names = [c["name"] for c in gen.codes if c["kind"] == "continuous"]
    if layout.cont_dim and fake.factors is not None:
        r = scores.correlation_matrix(latent["cont"].cpu().numpy(), fake.factors)
        per_code = {}
        for i in range(layout.cont_dim):
            j = int(np.abs(r[i]).argmax())
            per_code[cont_names[i] if i < len(cont_names) else f"cont{i}"] = {
                "factor": extractor.factor_names[j], "r": _r(r[i, j]),
                "all": {f: _r(r[i, q]) for q, f in enumerate(extractor.factor_names)}}
        best = max(per_code.values(), key=lambda c: abs(c["r"]))
        reference = {f: _r(x) for f, x in zip(extractor.factor_names, extractor.factor_r)}
        metrics["code_correlation"] = {"value": _r(abs(best["r"])), "codes": per_code, "reference": reference}
    kept = torch.cat(keep)[:SWD_IMAGES] if keep else None
    if kept is not None and "swd" in can:
        metrics["swd"] = swd_scores(kept, data, progress)
    if kept is not None and data.name in colour.DATASETS:
        metrics["ink_spread"] = colour.ink_scores(kept, real_images(data, len(kept)))
    if "styles" in can and hasattr(gen, "G") and k:
        from .styles import style_separation

        if progress:
            progress("style mixing by layer group", 0, 1)
        metrics["style_separation"] = style_separation(gen, extractor, n=min(1000, p.samples))
    out = {"schema": SCHEMA, "note": note(extractor), "protocol": p.describe(data), "classifier": extractor.describe(),
           "metrics": metrics, "seconds": round(time.perf_counter() - t0, 2)}
    return {**out, "skipped": skipped(extractor, gen)} if not k else out


SWD_IMAGES = 2048


def swd_scores(fakes: torch.Tensor, data: ArrayData, progress: Progress | None = None) -> dict:
    """ProGAN's sliced Wasserstein distance (``swd.py``) of the fakes against real images, and its floor: the same
    between two other disjoint sets of real images."""
    from .swd import swd

    if progress:
        progress("sliced Wasserstein distance", 0, 1)
    n = min(len(fakes), len(data) // 3)
    real_a, real_b = real_images(data, n).numpy(), real_images(data, n, part=1).numpy()
    model, floor = swd(fakes[:n].numpy(), real_a), swd(real_b, real_a)
    if progress:
        progress("sliced Wasserstein distance", 1, 1)
    return {"value": model["mean"], "floor": floor["mean"], "levels": model["levels"], "per_level": model["per_level"],
            "floor_per_level": floor["per_level"], "images": n}


def real_images(data: ArrayData, n: int, part: int = 0) -> torch.Tensor:
    """The ``part``-th block of ``n`` real images (as the model sees them, float) of one fixed shuffle (seed 0)."""
    perm = torch.randperm(len(data), generator=torch.Generator().manual_seed(0))
    return data.to_model(data.x[perm[part * n:(part + 1) * n]]).float()


SWEEP_PSIS = (None, 2.0, 1.5, 1.0, 0.75, 0.5, 0.25, 0.0)  # None: untruncated z, then ψ from loose to tight
SWEEP_SCHEMA = "ganstudio-truncation/1"


def truncation_sweep(gen, evaluator: "Evaluator", psis=SWEEP_PSIS, progress: Progress | None = None) -> dict:
    """BigGAN's truncation curve: the same fakes' seed scored with z truncated to ±ψ for each ψ — label accuracy
    (quality) against recall and domain FID (variety), as ψ goes from untruncated to 0.

    Returns ``{"schema", "protocol", "rows": [{"psi", "label_accuracy", "precision", "recall", "fid"}, ...]}``
    (``psi`` None for untruncated z; ``label_accuracy`` None for an unconditional model)."""
    rows = []
    ref = evaluator.reference
    for i, psi in enumerate(psis):
        stage = f"ψ = {'none' if psi is None else f'{psi:g}'} ({i + 1} of {len(psis)})"
        prog = (lambda what, d, t, s=stage: progress(f"{s}: {what}", d, t)) if progress else None
        r = evaluate(gen, evaluator.data, evaluator.extractor, dataclasses.replace(evaluator.protocol, truncation=psi),
                     ref, prog)
        m = r["metrics"]
        rows.append({"psi": psi, "label_accuracy": m.get("label_accuracy", {}).get("value"),
                     "precision": m["precision"]["value"], "recall": m["recall"]["value"], "fid": m["fid"]["value"],
                     "fid_floor": m["fid"]["floor"]})
    return {"schema": SWEEP_SCHEMA, "protocol": ref.protocol.describe(evaluator.data), "rows": rows}


def _r(x: float, digits: int = 5) -> float:
    return float(round(float(x), digits))


def dataset_for(meta: dict, data_root: str | None = None) -> ArrayData:
    """The dataset a checkpoint was trained on, loaded the way its run loaded it (size, channels, limit). Its
    stored names are names: a stored path is opened only inside ``data_root`` (``trainers/data/stored.py``)."""
    from ..data import load_dataset
    from ..data.stored import approved
    from ..errors import DataError

    cfg = approved(meta["config"], data_root)
    try:
        return load_dataset(cfg["data"], root=cfg["data_root"], image_size=cfg.get("image_size") or None,
                            channels=cfg.get("channels") or None, limit=cfg.get("data_limit"),
                            crop=cfg.get("crop") or "centre")
    except DataError as exc:
        raise DataError(f"evaluating needs the data the model was trained on: {exc}") from None


class Evaluator:
    """Evaluates checkpoints of one dataset, keeping its feature extractor and real reference between calls.
    ``features``: ``extractors.parse_features``'s spec (default: the classifier on labelled images, else an encoder
    learnt on the images without labels)."""

    def __init__(self, data: ArrayData, protocol: Protocol = Protocol(), device: torch.device | str = "cpu",
                 progress: Progress | None = None, features=None):
        from .extractors import extractor_for, parse_features
        from .modes import counter_for

        self.data = data
        self.protocol = protocol
        self.device = torch.device(device)
        self.progress = progress
        # a stacked set (three digits as R, G, B) also gets its 1,000 modes counted, read by its digit classifier
        self.modes = counter_for(data, protocol, self.device, progress)
        kind = getattr(features, "kind", None) or parse_features(features).kind
        own = self.modes is not None and kind in ("auto", "classifier")
        self.extractor = self.modes.features() if own else extractor_for(data, features, self.device, progress)
        self._reference: RealReference | None = None

    @property
    def reference(self) -> RealReference:
        if self._reference is None:
            self._reference = RealReference(self.data, self.extractor, self.protocol, self.progress)
        return self._reference

    def __call__(self, gen) -> dict:
        result = evaluate(gen, self.data, self.extractor, self.protocol, self.reference, self.progress)
        if self.modes is not None:
            result["metrics"].update(self.modes(gen))
        meta = getattr(gen, "meta", {}) or {}
        trained_on = meta.get("data", {}).get("fingerprint")
        result["checkpoint"] = {"path": str(getattr(gen, "path", "")), "step": meta.get("step"),
                                "family": meta.get("model", {}).get("family"),
                                "dataset": meta.get("data", {}).get("name")}
        if trained_on and trained_on != self.data.fingerprint():
            result["warning"] = ("the dataset here differs from the one the model was trained on (other files or "
                                 "another GAN Studio version): compare scores with care")
        return result


def sweep_checkpoint(path, samples: int = 2000, device: str = "cpu", data_root: str | None = None,
                     progress: Progress | None = None, psis=SWEEP_PSIS, real=None, features=None) -> dict:
    """``ganstudio eval --truncation-sweep``: the truncation curve of a checkpoint (``truncation_sweep``)."""
    from ..generator import load_generator
    from .extractors import parse_features, real_folder

    spec = parse_features(features)
    gen = load_generator(path, device)
    data = real_folder(real, gen.meta) if real else dataset_for(gen.meta, data_root)
    result = truncation_sweep(gen, Evaluator(data, Protocol(samples=samples), device, progress, spec), psis, progress)
    result["checkpoint"] = {"path": str(gen.path), "step": gen.meta.get("step"),
                            "family": gen.meta.get("model", {}).get("family")}
    return result


def stored_sweep(ckpt: str | Path, step: int) -> dict | None:
    """A truncation sweep already made for this checkpoint's step (``eval/truncation_step_XXXXXXX.json`` of its
    run folder, or the ``truncation_sweep`` entry of a bundled model's ``model.json``); None when there is none."""
    import json

    from ..runfolder import eval_path

    folder = Path(ckpt).expanduser().absolute().parent.parent
    for path, key in ((eval_path(folder, step, "truncation"), None), (folder / "model.json", "truncation_sweep")):
        try:
            result = json.loads(path.read_text())
            if key is not None:
                result = result.get(key)
        except (OSError, ValueError, AttributeError):
            continue
        if (isinstance(result, dict) and result.get("schema") == SWEEP_SCHEMA and isinstance(result.get("rows"), list)
                and result.get("checkpoint", {}).get("step") == step):
            return result
    return None


def stored_result(ckpt: str | Path, step: int) -> dict | None:
    """An evaluation already made for this checkpoint's step: ``eval/step_XXXXXXX.json`` of its run folder, or
    the ``eval`` entry of a bundled model's ``model.json``. None when there is none (or it is unreadable)."""
    import json

    from ..runfolder import eval_path

    folder = Path(ckpt).expanduser().absolute().parent.parent
    try:
        result = json.loads(eval_path(folder, step).read_text())
        if isinstance(result, dict) and result.get("schema") == SCHEMA:
            return result
    except (OSError, ValueError):
        pass
    try:
        result = json.loads((folder / "model.json").read_text()).get("eval")
    except (OSError, ValueError, AttributeError):
        return None
    if isinstance(result, dict) and result.get("schema") == SCHEMA and result.get("checkpoint", {}).get("step") == step:
        return result
    return None


def store_result(ckpt: str | Path, result: dict, kind: str = "") -> Path | None:
    """Keep a result beside its run (``eval/step_XXXXXXX.json``; a truncation sweep, ``kind`` "truncation":
    ``eval/truncation_step_XXXXXXX.json``) when the checkpoint belongs to a run folder."""
    from ..runfolder import config_path, save_eval

    ckpt = Path(ckpt).expanduser().absolute()
    folder = ckpt.parent.parent
    step = result.get("checkpoint", {}).get("step")
    if not isinstance(step, int) or not config_path(folder).is_file():
        return None
    if ckpt.is_symlink() or ckpt.parent.is_symlink():
        return None  # a linked checkpoint is another run's: its result is not this folder's to keep
    try:
        return save_eval(folder, step, result, kind)
    except OSError:
        return None  # a read-only run folder (or a linked eval/): the result is still shown, just not kept
