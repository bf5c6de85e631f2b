"""Which feature space the scores are measured in, and which real images they are measured against.

- ``classifier`` (labelled images): the dataset's own small classifier (``features.py``); every score.
- ``selfsup`` (any images, the default when there are no labels): an encoder learnt on the images themselves
  without labels (``selfsup.py``); FID, KID, precision and recall only.
- ``inception:FILE``: torchvision Inception-v3 pool features from a weights file the user has
  (``inception.py``); the standard FID and KID.

``auto`` (the default) is ``classifier`` on labelled images, else ``selfsup``. Every extractor offers ``embed``
(images in [-1, 1] → ``Embedding``), ``describe()``, ``kind``, ``class_names`` (empty: no class probabilities,
so the label-based scores are skipped), ``accuracy``, ``factor_names`` and ``factor_r``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

from ..data.base import ArrayData
from ..errors import ConfigError, DataError

KINDS = ("auto", "classifier", "selfsup")
SPECS = "auto, classifier, selfsup or inception:FILE"
NOTES = {
    "classifier": "domain scores: distances in the feature space of a classifier GAN Studio trained on this dataset; "
                  "comparable between models on the same dataset and protocol, not with Inception FID/IS",
    "self-supervised": "domain scores: distances in the features of an encoder GAN Studio learnt on these images "
                       "without labels (SimCLR); comparable between models against the same images and protocol, "
                       "not with Inception FID; label-based scores are skipped",
    "inception": "Inception-v3 FID/KID (2048 pool features, clean-fid resizing): comparable with published figures "
                 "when the weights are torchvision's ImageNet ones and the real images and sample counts match",
}
LABEL_SCORES = ("is", "coverage", "label_accuracy", "code_accuracy", "code_correlation", "style_separation")


@dataclass(frozen=True)
class FeatureSpec:
    kind: str  # one of KINDS, or "inception"
    path: Path | None = None  # the weights file of "inception"

    @property
    def tag(self) -> str:
        """Part of the stored result's name (``eval/<tag>_step_XXXXXXX.json``); "" for the default."""
        return "" if self.kind == "auto" else self.kind


def parse_features(spec: str | None) -> FeatureSpec:
    """``--features`` as given: ``auto``, ``classifier``, ``selfsup`` or ``inception:FILE`` (the file must exist)."""
    spec = (spec or "auto").strip()
    if spec in KINDS:
        return FeatureSpec(spec)
    kind, sep, rest = spec.partition(":")
    if kind == "inception" and sep and rest.strip():
        path = Path(rest.strip()).expanduser()
        if not path.is_file():
            raise ConfigError(f"--features inception:{path}: no such file; give a torchvision Inception-v3 weights "
                              "file you have (a state dict, .pth or .safetensors; nothing is downloaded)")
        return FeatureSpec("inception", path)
    if kind == "inception":
        raise ConfigError("--features inception needs its weights file: inception:FILE (a torchvision Inception-v3 "
                          "state dict, .pth or .safetensors)")
    raise ConfigError(f"--features {spec!r}: use {SPECS}")


def labelled(data: ArrayData) -> bool:
    return data.labels is not None and data.num_classes >= 2


def extractor_for(data: ArrayData, spec: FeatureSpec | str | None, device: torch.device | str = "cpu",
                  progress: Callable[[str, int, int], None] | None = None):
    """The feature extractor ``spec`` asks for on ``data``: trained (with progress) or loaded from the cache."""
    from .features import get_extractor, require_labelled_images

    spec = spec if isinstance(spec, FeatureSpec) else parse_features(spec)
    if not data.is_image:
        raise DataError(f"{data.name}: domain scores need an image dataset; this one is points")
    if spec.kind == "inception":
        from .inception import get_inception

        return get_inception(spec.path, device)
    if spec.kind == "classifier" or (spec.kind == "auto" and labelled(data)):
        require_labelled_images(data)
        stage = "training the feature classifier (once per dataset, then cached)"
        return get_extractor(data, device, (lambda d, t: progress(stage, d, t)) if progress else None)
    from .selfsup import get_encoder

    stage = "learning features from the images, no labels (once per dataset, then cached)"
    return get_encoder(data, device, (lambda d, t: progress(stage, d, t)) if progress else None)


def note(extractor) -> str:
    return NOTES.get(getattr(extractor, "kind", "classifier"), NOTES["classifier"])


def skipped(extractor, gen) -> dict[str, str]:
    """The label-based scores this extractor cannot give for ``gen``, each with the reason (for the report)."""
    if getattr(extractor, "class_names", ()):
        return {}
    why = {"self-supervised": "the features come from images without labels",
           "inception": "Inception features are used for FID/KID only"}
    why = why.get(getattr(extractor, "kind", ""), "no classes")
    out = {"is": why, "coverage": why}
    layout = getattr(gen, "layout", None)
    if layout is not None and getattr(layout, "num_classes", 0):
        out["label_accuracy"] = why
    if layout is not None and (getattr(layout, "cat_dims", ()) or getattr(layout, "cont_dim", 0)):
        out["code_accuracy"] = why
    return out


def real_folder(folder: str | os.PathLike, meta: dict) -> ArrayData:
    """``--real DIR``: the folder's images at the generator's side and channels (class sub-folders give labels)."""
    from ..data import load_dataset

    root = Path(folder).expanduser()
    if not root.is_dir():
        raise DataError(f"--real {root}: no such folder; give a folder of images (.png/.jpg; class sub-folders "
                        "give labels)")
    shape = list((meta.get("data") or {}).get("shape") or [])
    if len(shape) != 3:
        raise DataError(f"--real scores images, and this model draws {shape or 'no images'}: use it with an image "
                        "model")
    data = load_dataset(str(root), image_size=int(shape[1]), channels=int(shape[0]))
    if len(data) < 14:
        raise DataError(f"--real {root}: {len(data)} images; at least 14 are needed (two real halves of 7 or more)")
    return data
