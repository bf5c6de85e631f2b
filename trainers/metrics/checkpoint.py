"""Scoring a checkpoint, whatever its family: the scorer its capabilities call for (noise models: ``evaluate.py``;
translating models: ``translation.py``; upscaling ones: ``superres.py``) and the flat numbers a run logs. Above the
three scorers, which import only ``evaluate.py``'s protocol: no circle."""

from __future__ import annotations

from . import modes, superres, translation
from .evaluate import Evaluator, Progress, Protocol, dataset_for


def evaluate_checkpoint(path, samples: int = 5000, device: str = "cpu", data_root: str | None = None,
                        progress: Progress | None = None, real: str | None = None, features: str | None = None,
                        modes_samples: int | None = None) -> dict:
    """``ganstudio eval``: load the checkpoint, its dataset and the dataset's classifier, and score it (a
    translating model against the true translations of held-out inputs: ``translation.py``).

    ``real``: a folder of images to score against instead of the model's own data (``--real DIR``);
    ``features``: the feature space (``--features``, ``extractors.parse_features``); ``modes_samples``: the fakes
    (and real images) of a stacked set's mode count (default ``modes.SAMPLES``: the papers' 26,000)."""
    from ..data.stored import approved
    from ..errors import ConfigError
    from ..generator import load_generator
    from .extractors import parse_features, real_folder

    spec = parse_features(features)  # a wrong spec or a missing weights file fails before any work
    if spec.kind == "inception":
        from .inception import get_inception

        get_inception(spec.path)  # and a file that is not Inception's, before the data is read
    gen = load_generator(path, device)
    # every scorer below reads the data through this config: stored paths only where the user allows them
    gen.meta = {**gen.meta, "config": approved(gen.meta["config"], data_root)}
    pairs = gen.can("pair-samples")
    if (gen.translates or pairs) and (real or spec.kind != "auto"):
        raise ConfigError("--real and --features score samples drawn from noise; this model translates or draws "
                          "pairs, and is scored against its true outputs: leave them out")
    if gen.translates or pairs:
        scorer = (superres.evaluate_superres if gen.can("superres") else translation.evaluate_pairs if pairs
                  else translation.evaluate_translation)
        result = scorer(gen, samples, progress)
        result["checkpoint"] = {"path": str(gen.path), "step": gen.meta.get("step"),
                                "family": gen.meta.get("model", {}).get("family"),
                                "dataset": gen.meta.get("data", {}).get("name")}
        return result
    data = real_folder(real, gen.meta) if real else dataset_for(gen.meta, data_root)
    protocol = Protocol(samples=samples, modes_samples=modes_samples or modes.SAMPLES)
    result = Evaluator(data, protocol, device, progress, spec)(gen)
    if real:  # not the model's data by design: say what it was scored against instead of warning
        result.pop("warning", None)
        result["real"] = {"folder": str(real), "images": len(data), "labelled": data.labels is not None}
        m = result["metrics"]
        if "label_accuracy" in m and tuple(gen.class_names) != tuple(data.class_names):
            del m["label_accuracy"]  # class k of the model is not class k of the folder: the figure would mean nothing
            result.setdefault("skipped", {})["label_accuracy"] = (f"the folder's classes ({', '.join(data.class_names)}) "
                                                                  f"are not the model's ({', '.join(gen.class_names)})")
    return result


def count_modes(path, samples: int = modes.SAMPLES, seed: int = 0, device: str = "cpu", data_root: str | None = None,
                progress: Progress | None = None, cancelled: modes.Cancelled | None = None) -> dict:
    """A stacked set's mode count of one checkpoint alone (the explorer's Modes tool): ``samples`` fakes from latent
    ``seed`` and as many real images (the floor), read by the channels' digit classifier. The result is an
    evaluation result without the other scores (``kind`` "modes"): ``metrics`` holds ``modes`` (with ``first``, the
    first sample of the seed's draw that shows each number) and ``modes_kl``. ``cancelled`` is asked between chunks;
    once it says True the count ends with ``InterruptedError``."""
    from ..data.stored import approved
    from ..errors import ConfigError
    from ..generator import load_generator

    gen = load_generator(path, device)
    gen.meta = {**gen.meta, "config": approved(gen.meta["config"], data_root)}
    name = gen.meta.get("data", {}).get("name")
    data = dataset_for(gen.meta, data_root)
    if not modes.is_stacked(data):
        raise ConfigError(f"{gen.path.name} was trained on {name}, which has no modes to count: modes are counted "
                          "on a stacked set (digits-stacked, mnist-stacked)")
    counter = modes.ModeCounter(data, device, samples, seed, progress, cancelled=cancelled)
    return {"kind": "modes", "metrics": counter(gen, first=True),
            "protocol": {"samples": samples, "seed": seed, "dataset": name},
            "checkpoint": {"path": str(gen.path), "step": gen.meta.get("step"),
                           "family": gen.meta.get("model", {}).get("family"), "dataset": name}}


def headline(result: dict) -> dict[str, float]:
    """The flat numbers training logs (``eval_*`` keys in metrics.jsonl) and the app plots."""
    if result.get("kind") == "superres":
        return superres.headline(result)
    if result.get("kind") in ("translation", "pairs"):
        return translation.headline(result)
    m = result["metrics"]
    out = {"eval_fid": m["fid"]["value"], "eval_fid_floor": m["fid"]["floor"], "eval_kid": m["kid"]["value"],
           "eval_precision": m["precision"]["value"], "eval_recall": m["recall"]["value"]}
    for key in ("is", "coverage", "label_accuracy", "code_accuracy", "code_correlation"):  # with classes only
        if key in m:
            out[f"eval_{key}"] = m[key]["value"]
    for key in ("modes", "modes_kl"):  # a stacked set's mode count, and its real floor
        if key in m:
            out[f"eval_{key}"], out[f"eval_{key}_floor"] = m[key]["value"], m[key]["floor"]
    return out
