"""The feature classifier behind GAN Studio's domain scores: one small network per dataset, trained here on
the dataset's own real images and cached on disk under the dataset's content hash.

Inception (the network of FID and IS) needs ImageNet weights that cannot be downloaded everywhere, and its
features know nothing of 28-px digits anyway. Instead: a LeNet-style net for grey images, a small CNN for
RGB. Its penultimate layer (128 values) is the feature space of FID/KID/precision/recall, its softmax gives
the IS-like score and the class coverage, and its argmax says which class a generated image shows (cGAN
label accuracy, InfoGAN code accuracy). On datasets with known factors (``digits``) a second head regresses
them (slant, width, ...) so continuous InfoGAN codes can be correlated with ground truth.

Cached as safetensors (never a pickle) with the held-out accuracy in its header. The embedded ``digits``
classifier ships with GAN Studio in ``assets/classifiers`` (``python assets/classifiers/rebuild.py`` makes it
again), so its scores come at once; others are trained on first use (a minute or two on a CPU, with
progress) and cached.
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from torch import nn

from ..atomic import atomic_write
from ..data.base import ArrayData
from ..data.digits import cache_dir
from ..errors import DataError

VERSION = 1  # bump when the nets or their training change: old cache entries are then ignored
FEATURES = 128
HELD_OUT = 0.1  # share of the dataset kept out of training to report the classifier's accuracy

Progress = Callable[[int, int], None]


class FeatureNet(nn.Module):
    """(C, S, S) images in [-1, 1] → (features, class logits, factor predictions).

    grey: LeNet-style, two conv + pool stages (3×3: a third of 5×5's cost, same accuracy here);
    rgb: three 3×3 conv pairs with BatchNorm.
    Both end in ``FEATURES`` ReLU units, the space the distances are measured in."""

    def __init__(self, channels: int, classes: int, factors: int = 0):
        super().__init__()
        self.arch = "lenet" if channels == 1 else "cnn"
        if channels == 1:
            self.trunk = nn.Sequential(
                nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(True), nn.MaxPool2d(2),  # 32 × S/2 × S/2
                nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(True), nn.MaxPool2d(2),  # 64 × S/4 × S/4
                nn.AdaptiveAvgPool2d(7), nn.Flatten())  # 64·7·7 whatever the side
            flat = 64 * 7 * 7
        else:
            def pair(i: int, o: int) -> list[nn.Module]:
                return [nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(True),
                        nn.Conv2d(o, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(True), nn.MaxPool2d(2)]
            self.trunk = nn.Sequential(*pair(channels, 32), *pair(32, 64), *pair(64, 128),  # 128 × S/8 × S/8
                                       nn.AdaptiveAvgPool2d(4), nn.Flatten())
            flat = 128 * 4 * 4
        self.embed = nn.Sequential(nn.Linear(flat, FEATURES), nn.ReLU(True))
        self.drop = nn.Dropout(0.3)
        self.classify = nn.Linear(FEATURES, classes)
        self.regress = nn.Linear(FEATURES, factors) if factors else None

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        h = self.embed(self.trunk(x))
        d = self.drop(h)
        return h, self.classify(d), self.regress(d) if self.regress is not None else None


@dataclass
class Embedding:
    """What the classifier sees in a set of images (numpy, one row per image)."""

    features: np.ndarray  # (N, FEATURES) float64
    probs: np.ndarray  # (N, classes) softmax
    factors: np.ndarray | None  # (N, F) predicted factors in the data's own units, or None

    @property
    def pred(self) -> np.ndarray:
        return self.probs.argmax(1)


class HoldsNet:
    """``device`` and ``to`` of a feature extractor whose network is its ``net`` (every kind in ``extractors.py``)."""

    @property
    def device(self) -> torch.device:
        return next(self.net.parameters()).device

    def to(self, device: torch.device | str):
        self.net.to(device)
        return self


@dataclass
class FeatureExtractor(HoldsNet):
    net: FeatureNet
    fingerprint: str  # the dataset's content hash (the cache key)
    accuracy: float  # on the held-out part of the real data
    held_out: int
    class_names: tuple[str, ...]
    factor_names: tuple[str, ...] = ()
    factor_mean: np.ndarray = field(default_factory=lambda: np.zeros(0))
    factor_std: np.ndarray = field(default_factory=lambda: np.ones(0))
    factor_r: tuple[float, ...] = ()  # held-out correlation of predicted with true factor, per factor
    steps: int = 0
    path: Path | None = None  # the cache file, when there is one
    cached: bool = False  # loaded from the cache rather than trained now
    kind = "classifier"  # which feature space (``extractors.py``): a classifier trained on the labels

    @property
    def arch(self) -> str:
        return self.net.arch

    @torch.no_grad()
    def embed(self, x: torch.Tensor, batch: int = 500) -> Embedding:
        """Images in model range [-1, 1] (N, C, S, S) → features, class probabilities, factors."""
        self.net.eval()
        feats, probs, facs = [], [], []
        for s in range(0, len(x), batch):
            h, logits, f = self.net(x[s:s + batch].to(self.device, torch.float32))
            feats.append(h.double().cpu())
            probs.append(logits.double().softmax(1).cpu())
            if f is not None:
                facs.append(f.double().cpu())
        factors = None
        if facs:
            factors = torch.cat(facs).numpy() * self.factor_std + self.factor_mean
        return Embedding(torch.cat(feats).numpy(), torch.cat(probs).numpy(), factors)

    def describe(self) -> dict:
        return {"arch": self.arch, "kind": self.kind, "features": FEATURES, "accuracy": round(self.accuracy, 4),
                "held_out": self.held_out, "train_steps": self.steps, "fingerprint": self.fingerprint,
                "factor_r": {n: round(r, 4) for n, r in zip(self.factor_names, self.factor_r)},
                "cache": str(self.path) if self.path else None}


def default_steps(data: ArrayData) -> int:
    return 1200 if data.sample_shape[0] == 1 else 3000


def split(data: ArrayData, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """(train indices, held-out indices): a fixed permutation of the dataset."""
    perm = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))
    n_test = max(1, int(round(len(data) * HELD_OUT)))
    return perm[n_test:], perm[:n_test]


def require_labelled_images(data: ArrayData) -> None:
    """Domain scores need classes to train the feature classifier on; say so before any work starts."""
    if data.labels is None or not data.is_image or data.num_classes < 2:
        raise DataError(f"{data.name}: domain scores need a labelled image dataset (digits, MNIST, "
                        "Fashion-MNIST, CIFAR-10, a folder with class sub-folders, ...) for a feature classifier; "
                        "this one has no classes" + (": use --features selfsup (features learnt without labels)"
                                                     if data.is_image else ""))


def _own_rng(fn):
    """Run ``fn`` on a fork of the CPU random state: getting a classifier in the middle of a run (trained on the first
    use of a dataset whose classifier is neither shipped nor cached, loaded after that) must not move the run's own
    noise, or that run would not match the same run started once the classifier is cached."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with torch.random.fork_rng(devices=[]):
            return fn(*args, **kwargs)

    return wrapper


@_own_rng
def train_extractor(data: ArrayData, steps: int | None = None, batch_size: int = 64, seed: int = 0,
                    device: torch.device | str = "cpu", progress: Progress | None = None) -> FeatureExtractor:
    """Fit a FeatureNet on ``data`` (labels, and factors when the data has them); report held-out accuracy."""
    require_labelled_images(data)
    steps = steps or default_steps(data)
    device = torch.device(device)
    train_idx, test_idx = split(data, seed)
    has_factors = data.factors is not None and len(data.factor_names) > 0
    f_mean = f_std = np.zeros(0)
    if has_factors:
        f_train = data.factors[train_idx].double()
        f_mean, f_std = f_train.mean(0).numpy(), f_train.std(0).clamp_min(1e-6).numpy()
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    net = FeatureNet(data.sample_shape[0], data.num_classes, len(data.factor_names) if has_factors else 0).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps, pct_start=0.15)
    fm, fs = torch.tensor(f_mean, dtype=torch.float32), torch.tensor(f_std, dtype=torch.float32)
    net.train()
    for step in range(steps):
        idx = train_idx[torch.randint(0, len(train_idx), (batch_size,), generator=g)]
        x = data.to_model(data.x[idx]).to(device)
        _, logits, f = net(x)
        loss = F.cross_entropy(logits, data.labels[idx].to(device))
        if f is not None:
            loss = loss + F.mse_loss(f, ((data.factors[idx] - fm) / fs).to(device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if progress is not None and (step + 1) % 50 == 0:
            progress(step + 1, steps)
    ex = FeatureExtractor(net.eval(), data.fingerprint(), 0.0, len(test_idx), tuple(data.class_names),
                          tuple(data.factor_names) if has_factors else (), f_mean, f_std, steps=steps)
    emb = ex.embed(data.to_model(data.x[test_idx]))
    ex.accuracy = float((emb.pred == data.labels[test_idx].numpy()).mean())
    if has_factors:
        true = data.factors[test_idx].numpy()
        ex.factor_r = tuple(float(np.corrcoef(emb.factors[:, j], true[:, j])[0, 1]) for j in range(true.shape[1]))
    return ex


def file_name(data: ArrayData) -> str:
    arch = "lenet" if data.sample_shape[0] == 1 else "cnn"
    return f"{data.name}-{data.fingerprint()}-{arch}-v{VERSION}.safetensors"


def cache_path(data: ArrayData) -> Path:
    return cache_dir() / "classifiers" / file_name(data)


def bundled_dir() -> Path:
    """``GANSTUDIO_CLASSIFIERS`` if set, else assets/classifiers of the source checkout."""
    env = os.environ.get("GANSTUDIO_CLASSIFIERS")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "assets" / "classifiers"


def bundled_path(data: ArrayData) -> Path:
    return bundled_dir() / file_name(data)


@_own_rng  # loading builds a FeatureNet, whose initialisation would draw from the run's noise too
def get_extractor(data: ArrayData, device: torch.device | str = "cpu", progress: Progress | None = None,
                  use_cache: bool = True) -> FeatureExtractor:
    """The dataset's feature classifier: the one shipped for it, or from the cache when there and intact, else
    trained and cached. A shipped or cached file is used when it was trained on exactly this data, or (a shipped
    one) on the same set drawn on another machine and it reads this one's held-out images as well (``_shipped_twin``)."""
    for path in ((bundled_path(data), cache_path(data)) if use_cache else ()):
        if path.exists():
            ex = load_extractor(path, data)
            if ex is not None:
                return ex.to(device)
    twin = _shipped_twin(data) if use_cache else None
    if twin is not None:
        return twin.to(device)
    path = cache_path(data)
    ex = train_extractor(data, device=device, progress=progress)
    if use_cache:
        try:
            save_extractor(ex, path)
        except OSError:
            pass  # an unwritable cache only costs time next run
    return ex


TWIN_ACCURACY = 0.97  # a shipped classifier of the same set drawn elsewhere must read this share of held-out images


def _shipped_twin(data: ArrayData) -> FeatureExtractor | None:
    """A shipped classifier of the embedded set ``data.name`` whose fingerprint differs only because this machine
    draws the procedural images with other float rounding (its CPU's vector instructions change a few pixels by one
    level), when it still reads ≥ ``TWIN_ACCURACY`` of this set's held-out images, as much as it did where it was
    trained (less 1%). Saves minutes of training on the first evaluation; None when there is none that fits."""
    arch = "lenet" if data.sample_shape[0] == 1 else "cnn"
    name = re.compile(rf"{re.escape(data.name)}-[0-9a-f]{{16}}-{arch}-v{VERSION}\.safetensors")
    for path in sorted(p for p in bundled_dir().glob("*.safetensors") if name.fullmatch(p.name)):
        ex = load_extractor(path, data, any_fingerprint=True)
        if ex is None or tuple(ex.class_names) != tuple(data.class_names):
            continue
        held = split(data)[1][:2000]
        accuracy = float((ex.embed(data.to_model(data.x[held])).pred == data.labels[held].numpy()).mean())
        if accuracy >= max(TWIN_ACCURACY, ex.accuracy - 0.01):
            ex.fingerprint = data.fingerprint()
            return ex
    return None


def save_extractor(ex: FeatureExtractor, path: Path) -> None:
    meta = {"version": VERSION, "fingerprint": ex.fingerprint, "accuracy": ex.accuracy, "held_out": ex.held_out,
            "class_names": list(ex.class_names), "factor_names": list(ex.factor_names),
            "factor_mean": [float(v) for v in ex.factor_mean], "factor_std": [float(v) for v in ex.factor_std],
            "factor_r": list(ex.factor_r), "steps": ex.steps, "channels": ex.net.trunk[0].in_channels}
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in ex.net.state_dict().items()}
    atomic_write(path, lambda tmp: save_file(state, str(tmp), metadata={"ganstudio_classifier": json.dumps(meta)}))
    ex.path = path


def load_extractor(path: Path, data: ArrayData, any_fingerprint: bool = False) -> FeatureExtractor | None:
    """The cached classifier for ``data``, or None when the file is damaged or belongs to other data (with
    ``any_fingerprint``: to other data than exactly this, e.g. the same set drawn on another machine)."""
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = json.loads((f.metadata() or {})["ganstudio_classifier"])
            state = {k: f.get_tensor(k) for k in f.keys()}
        if meta["version"] != VERSION or (meta["fingerprint"] != data.fingerprint() and not any_fingerprint):
            return None
        net = FeatureNet(int(meta["channels"]), len(meta["class_names"]), len(meta["factor_names"]))
        net.load_state_dict(state)
    except (SafetensorError, OSError, KeyError, ValueError, RuntimeError, TypeError, json.JSONDecodeError):
        return None
    return FeatureExtractor(net.eval(), meta["fingerprint"], float(meta["accuracy"]), int(meta["held_out"]),
                            tuple(meta["class_names"]), tuple(meta["factor_names"]),
                            np.array(meta["factor_mean"]), np.array(meta["factor_std"]), tuple(meta["factor_r"]),
                            int(meta["steps"]), path, cached=True)
