"""Scoring a checkpoint, whatever its family: the scorer its capabilities call for (noise models: ``evaluate.py``;
translating models: ``translation.py``; upscaling ones: ``superres.py``) and the flat numbers a run logs. Above the
three scorers, which import only ``evaluate.py``'s protocol: no circle."""

from __future__ import annotations

from . import superres, translation
from .evaluate import Evaluator, Progress, Protocol, dataset_for


def evaluate_checkpoint(path, samples: int = 5000, device: str = "cpu", data_root: str | None = None,
                        progress: Progress | None = None) -> dict:
    """``ganstudio eval``: load the checkpoint, its dataset and the dataset's classifier, and score it (a
    translating model against the true translations of held-out inputs: ``translation.py``)."""
    from ..data.stored import approved
    from ..generator import load_generator

    gen = load_generator(path, device)
    # every scorer below reads the data through this config: stored paths only where the user allows them
    gen.meta = {**gen.meta, "config": approved(gen.meta["config"], data_root)}
    pairs = gen.can("pair-samples")
    if gen.translates or pairs:
        scorer = (superres.evaluate_superres if gen.can("superres") else translation.evaluate_pairs if pairs
                  else translation.evaluate_translation)
        result = scorer(gen, samples, progress)
        result["checkpoint"] = {"path": str(gen.path), "step": gen.meta.get("step"),
                                "family": gen.meta.get("model", {}).get("family"),
                                "dataset": gen.meta.get("data", {}).get("name")}
        return result
    data = dataset_for(gen.meta, data_root)
    return Evaluator(data, Protocol(samples=samples), device, progress)(gen)


def headline(result: dict) -> dict[str, float]:
    """The flat numbers training logs (``eval_*`` keys in metrics.jsonl) and the app plots."""
    if result.get("kind") == "superres":
        return superres.headline(result)
    if result.get("kind") in ("translation", "pairs"):
        return translation.headline(result)
    m = result["metrics"]
    out = {"eval_fid": m["fid"]["value"], "eval_fid_floor": m["fid"]["floor"], "eval_kid": m["kid"]["value"],
           "eval_precision": m["precision"]["value"], "eval_recall": m["recall"]["value"],
           "eval_is": m["is"]["value"], "eval_coverage": m["coverage"]["value"]}
    for key in ("label_accuracy", "code_accuracy", "code_correlation"):
        if key in m:
            out[f"eval_{key}"] = m[key]["value"]
    return out
