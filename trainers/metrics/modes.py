"""Mode collapse, counted: the Stacked MNIST protocol (Metz et al. 2017; VEEGAN, PacGAN, R3GAN) on a stacked set
(``trainers/data/stacked.py``: three digits as R, G and B, 1,000 equally likely modes).

``n`` generated images (26,000 by default, as the papers) are read channel by channel by the digit classifier of
the set the channels come from (``digits``: the shipped one; ``mnist``: MNIST's, trained once and cached), each
image becoming the three-digit number its channels spell. Two numbers come out:

- modes covered: how many of the 1,000 numbers at least one sample shows;
- KL(generated ‖ uniform) = Σ_k p_k log(1,000 · p_k) over the numbers' shares p (0: perfectly even).

That KL splits exactly in two (``kl_parts``): the three channels' own KL to uniform over their ten digits (a
channel that draws some digits more often than others) plus the total correlation of the channels, Σ_k p_k log(p_k /
p_R(a) p_G(b) p_B(c)) (channels tied together: each draws every digit, but not independently of the others). A
generator can score near-perfect channels and a large KL from ties alone, which no per-channel view would show.

The floor is the same count on ``n`` real stacked images: what a perfect generator scores at this sample size
(sampling noise and the classifier's misreadings alone; about 1,000 modes and KL ≈ 0.02–0.03 at 26,000).

Also here: ``StackedFeatures``, the feature space of the other domain scores (FID, precision/recall, IS) on a
stacked set: the channel classifier's 128 features of each channel side by side (384) and its class
probabilities multiplied out over the 1,000 numbers, so that no 1,000-class network has to be trained.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..data.base import ArrayData
from ..data.stacked import MODES, STACKED, is_stacked  # noqa: F401 (is_stacked: what the evaluator asks)
from .features import Embedding

SAMPLES = 26000  # the papers' count


Cancelled = Callable[[], bool]  # a count's cancel check: True once the caller wants it to stop


def counts_modes(dataset: str | None) -> bool:
    """Whether a checkpoint trained on ``dataset`` (the name its description stores) has modes to count: a stacked
    set. What the explorer asks before a model is scored, without loading the data (``is_stacked`` asks the data)."""
    return dataset in STACKED


def _check(cancelled: Cancelled | None) -> None:
    if cancelled is not None and cancelled():
        raise InterruptedError("the mode count was cancelled")


def channel_extractor(data, device: torch.device | str = "cpu", progress=None):
    """The classifier of the digits a stacked set's channels come from (``data.channel_data``); ``progress``
    (done, total) hears its training when it is not shipped or cached."""
    from ..data import load_dataset
    from .features import get_extractor

    source = load_dataset(data.channel_data, root=data.channel_root, limit=getattr(data, "channel_limit", None))
    return get_extractor(source, device, progress)


def _grey(images: torch.Tensor, side: int) -> torch.Tensor:
    """(N, 3, S, S) stacked images in [-1, 1] → (3N, 1, side, side): each channel as a grey digit (R, G, B of image
    0, then of image 1, ...)."""
    x = images.float().clamp(-1, 1)
    if x.shape[-1] != side:
        x = F.interpolate(x, size=(side, side), mode="bilinear", antialias=x.shape[-1] > side, align_corners=False)
    return x.reshape(-1, 1, side, side)


@torch.no_grad()
def read_numbers(images: torch.Tensor, extractor, side: int = 28, batch: int = 3000) -> np.ndarray:
    """The number 0–999 each stacked image (N, 3, S, S) in [-1, 1] spells: 100·R + 10·G + B, each channel's digit as
    ``extractor`` (a digit classifier) reads it."""
    net = extractor.net.eval()
    grey = _grey(images, side)
    digits = torch.cat([net(grey[s:s + batch].to(extractor.device))[1].argmax(1).cpu()
                        for s in range(0, len(grey), batch)]).view(-1, 3)
    return (digits[:, 0] * 100 + digits[:, 1] * 10 + digits[:, 2]).numpy()


def counts_of(numbers: np.ndarray, k: int = MODES) -> np.ndarray:
    """How many samples show each number (k,)."""
    return np.bincount(np.asarray(numbers, np.int64), minlength=k)[:k]


def covered(counts: np.ndarray) -> int:
    """Modes with at least one sample (the papers' count)."""
    return int((np.asarray(counts) > 0).sum())


def kl_to_uniform(counts: np.ndarray) -> float:
    """KL(p ‖ uniform) = Σ_k p_k log(K p_k), p the shares of ``counts`` (K of them); 0 when perfectly even."""
    c = np.asarray(counts, np.float64)
    p = c[c > 0] / c.sum()
    return float((p * np.log(p * len(c))).sum())


CHANNELS = ("R", "G", "B")


def kl_parts(counts: np.ndarray) -> dict[str, float]:
    """``kl_to_uniform(counts)`` split exactly: each channel's KL to uniform over its ten digits (``R``, ``G``,
    ``B``; the hundreds, tens and units of the numbers) and ``tied``, the total correlation of the three (KL of the
    numbers' shares to the product of the channels' shares). The four add up to the whole."""
    c = np.asarray(counts, np.float64).reshape(10, 10, 10)
    p = c / c.sum()
    marginals = [p.sum(axis=tuple(a for a in range(3) if a != axis)) for axis in range(3)]
    out = {name: kl_to_uniform(m) for name, m in zip(CHANNELS, marginals)}
    product = np.einsum("i,j,k->ijk", *marginals)
    on = p > 0
    out["tied"] = float((p[on] * np.log(p[on] / product[on])).sum())
    return out


def first_of(numbers: np.ndarray, k: int = MODES) -> np.ndarray:
    """For each number (k,), the index of the first sample that shows it; −1 where none does."""
    first = np.full(k, -1, np.int64)
    values, at = np.unique(np.asarray(numbers, np.int64), return_index=True)
    keep = values < k
    first[values[keep]] = at[keep]
    return first


@dataclass
class ModeCount:
    modes: int
    kl: float
    counts: np.ndarray
    samples: int
    first: np.ndarray | None = None  # per number, the first sample (its index in the seed's draw) that shows it

    @classmethod
    def of(cls, numbers: np.ndarray) -> "ModeCount":
        c = counts_of(numbers)
        return cls(covered(c), kl_to_uniform(c), c, len(numbers), first_of(numbers))


def count_real(data: ArrayData, extractor, n: int = SAMPLES, seed: int = 0, side: int = 28,
               cancelled: Cancelled | None = None, chunk: int = 5000) -> ModeCount:
    """The floor: ``n`` real stacked images (a seeded shuffle; drawn with replacement when the set is smaller).
    ``cancelled`` is asked between chunks (``InterruptedError`` once it says True)."""
    g = torch.Generator().manual_seed(seed)
    idx = (torch.randperm(len(data), generator=g)[:n] if n <= len(data)
           else torch.randint(0, len(data), (n,), generator=g))
    parts = []
    for s in range(0, n, chunk):
        _check(cancelled)
        parts.append(read_numbers(data.to_model(data.x[idx[s:s + chunk]]), extractor, side))
    return ModeCount.of(np.concatenate(parts))


def count_generator(gen, extractor, n: int = SAMPLES, seed: int = 0, side: int = 28, progress=None,
                    chunk: int = 1000, cancelled: Cancelled | None = None) -> ModeCount:
    """``n`` samples of ``gen`` (a ``LoadedGenerator``-like: ``latent``, ``render``) from latent ``seed``, read;
    ``progress(stage, done, total)`` hears each chunk, ``cancelled`` is asked before it (``InterruptedError``)."""
    latent = gen.latent(n, seed=seed)
    parts = []
    for s in range(0, n, chunk):
        _check(cancelled)
        parts.append(read_numbers(gen.render({k: v[s:s + chunk] for k, v in latent.items()}), extractor, side))
        if progress:
            progress("modes: generated images read channel by channel", min(s + chunk, n), n)
    return ModeCount.of(np.concatenate(parts))


class ModeCounter:
    """The count for one stacked set: its channel classifier and its real floor, kept between checkpoints."""

    def __init__(self, data, device: torch.device | str = "cpu", samples: int = SAMPLES, seed: int = 0,
                 progress=None, extractor=None, cancelled: Cancelled | None = None):
        self.data, self.samples, self.seed, self.progress = data, samples, seed, progress
        self.cancelled = cancelled
        self.side = int(getattr(data, "channel_size", 28))
        stage = "modes: training the digit classifier (once per set, then cached)"
        self.extractor = extractor or channel_extractor(data, device,
                                                        (lambda d, t: progress(stage, d, t)) if progress else None)
        self._floor: ModeCount | None = None

    @property
    def floor(self) -> ModeCount:
        if self._floor is None:
            if self.progress:
                self.progress("modes: real stacked images (the floor)", 0, 1)
            self._floor = count_real(self.data, self.extractor, self.samples, self.seed, self.side, self.cancelled)
        return self._floor

    def features(self) -> "StackedFeatures":
        """The feature space of the set's other domain scores, from the same channel classifier."""
        return StackedFeatures(self.extractor, self.side)

    def __call__(self, gen, first: bool = False) -> dict[str, dict]:
        """``modes`` and ``modes_kl`` entries for an evaluation result's metrics; ``first``: the modes entry also
        says, per number, which sample of the seed's draw first showed it (−1: none), so a view can draw it again."""
        floor = self.floor
        got = count_generator(gen, self.extractor, self.samples, self.seed, self.side, self.progress,
                              cancelled=self.cancelled)
        modes = {"value": got.modes, "floor": floor.modes, "of": MODES, "samples": got.samples,
                 "counts": [int(c) for c in got.counts]}
        if first:
            modes.update(seed=self.seed, first=[int(i) for i in got.first])
        parts = {k: round(v, 5) for k, v in kl_parts(got.counts).items()}
        return {"modes": modes,
                "modes_kl": {"value": round(got.kl, 5), "floor": round(floor.kl, 5), "samples": got.samples,
                             "parts": parts}}


class StackedFeatures:
    """A stacked set's feature space for FID, precision/recall and IS, from its channel classifier (see the module
    docstring): features are the three channels' 128 side by side, class probabilities p(100a + 10b + c) =
    p_R(a)·p_G(b)·p_B(c)."""

    kind = "classifier"
    factor_names: tuple[str, ...] = ()
    factor_r: tuple[float, ...] = ()
    factor_mean = np.zeros(0)
    factor_std = np.ones(0)

    def __init__(self, channel, side: int = 28):
        self.channel, self.side = channel, side
        self.class_names = tuple(f"{k:03d}" for k in range(MODES))
        # the chance all three channels of a held-out image are read right, if misreadings are independent
        self.accuracy = float(channel.accuracy) ** 3
        self.held_out = channel.held_out

    @property
    def device(self) -> torch.device:
        return self.channel.device

    def to(self, device) -> "StackedFeatures":
        self.channel.to(device)
        return self

    def embed(self, x: torch.Tensor, batch: int = 500) -> Embedding:
        n = len(x)
        e = self.channel.embed(_grey(x, self.side), batch * 3)
        feats = e.features.reshape(n, -1)  # (N, 3·128)
        p = e.probs.reshape(n, 3, -1)  # (N, 3, 10)
        probs = np.einsum("na,nb,nc->nabc", p[:, 0], p[:, 1], p[:, 2]).reshape(n, -1)
        return Embedding(feats, probs, None)

    def describe(self) -> dict:
        d = self.channel.describe()
        return {**d, "arch": f"{d['arch']} per channel (R, G, B)", "features": 3 * d["features"],
                "accuracy": round(self.accuracy, 4), "channel_accuracy": d["accuracy"]}


def counter_for(data, protocol, device: torch.device | str = "cpu", progress=None) -> ModeCounter | None:
    """The evaluator's mode counter for ``data`` (an ``evaluate.Protocol``'s ``modes_samples``, else its ``samples``,
    from its seed); None when the data is not a stacked set."""
    if not is_stacked(data):
        return None
    n = protocol.modes_samples or protocol.samples
    return ModeCounter(data, device, n, protocol.seed, progress)
