"""Where the Translate tool's input comes from, without Qt: strokes drawn on the sketch pad, an image file, or a
held-out pair of the model's own paired set. Everything here works on the pad as the state keeps it: uint8
(C, H, W), 0 = black, 255 = full ink (the paired digit sets draw light strokes on black).

The held-out pairs are the ones ``ganstudio eval`` scores the model on (``trainers.metrics.translation.held_out``:
digits of another seed than the training set), so "Random real input" shows an input the model never saw next to
its one true output."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

POOL = 256  # held-out pairs kept per dataset: drawn in ~0.1 s the first time, then from the digits' cache


# -- the pad ------------------------------------------------------------------------------------------------------
def pad_array(data: bytes, shape: tuple[int, ...]) -> np.ndarray:
    """The state's pad bytes as uint8 (C, H, W); a blank pad when they are missing or of another shape."""
    size = int(np.prod(shape))
    if len(data) != size:
        return np.zeros(shape, np.uint8)
    return np.frombuffer(data, np.uint8).reshape(shape).copy()


def model_input(pad: np.ndarray) -> np.ndarray:
    """uint8 (C, H, W) → float32 (1, C, H, W) in model range [-1, 1], as ``ArrayData.to_model`` maps data."""
    return (pad.astype(np.float32) / np.float32(127.5) - np.float32(1.0))[None]


def coverage(shape: tuple[int, int], a: tuple[float, float], b: tuple[float, float], size: float) -> np.ndarray:
    """How much of each pixel a round pen of diameter ``size`` (pixels) covers, swept from ``a`` to ``b`` (x, y
    in image coordinates: pixel (i, j) spans [j, j+1] × [i, i+1]), in [0, 1] with a one-pixel soft edge, like the
    anti-aliased strokes of the digits the model learned from."""
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32) + np.float32(0.5)
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    length2 = dx * dx + dy * dy
    t = np.zeros_like(xs) if length2 < 1e-12 else np.clip(((xs - ax) * dx + (ys - ay) * dy) / length2, 0.0, 1.0)
    d = np.hypot(xs - (ax + t * dx), ys - (ay + t * dy))
    return np.clip(size / 2 + 0.5 - d, 0.0, 1.0).astype(np.float32)


def stroke(pad: np.ndarray, a: tuple[float, float], b: tuple[float, float], size: float, erase: bool) -> np.ndarray:
    """``pad`` with a segment drawn (ink 255 in every channel) or erased (towards 0)."""
    cover = coverage(pad.shape[1:], a, b, size)[None]
    if erase:
        out = pad.astype(np.float32) * (1.0 - cover)
    else:
        out = np.maximum(pad.astype(np.float32), 255.0 * cover)
    return np.round(out).astype(np.uint8)


# -- image files --------------------------------------------------------------------------------------------------
class ImageFileError(Exception):
    """A file that cannot become the model's input; the text says what to do."""


def read_input(path: str | Path, shape: tuple[int, ...]) -> np.ndarray:
    """An image file as the model's input, uint8 (C, H, W): grey or RGB, centre-cropped to a square and resized
    (Lanczos), exactly as image folders are read for training (``trainers.data.real.read_image``)."""
    from trainers.data.real import image_errors, read_image

    c, s, _ = shape
    name = Path(path).name
    try:
        return read_image(path, s, c)
    except FileNotFoundError:
        raise ImageFileError(f"{name}: no such file") from None
    except image_errors() as exc:
        raise ImageFileError(f"{name} is not an image Pillow can read ({type(exc).__name__}); open a PNG or "
                             "JPEG") from None


def mostly_light(pad: np.ndarray) -> bool:
    """Dark strokes on a light page (a scan, a drawing app's default): the opposite of what the model learned."""
    return float(pad.mean()) > 127.5


# -- held-out pairs -----------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class HeldOut:
    """Held-out pairs of a checkpoint's paired set: inputs and targets uint8 (N, C, H, W), labels (N,)."""

    dataset: str
    inputs: np.ndarray
    targets: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]

    def describe(self, k: int) -> str:
        """Pair ``k`` in words, for the caption."""
        return f"held-out pair {k} of {self.dataset} (digit {self.class_name(k)})"

    def class_name(self, k: int) -> str:
        label = int(self.labels[k])
        return self.class_names[label] if 0 <= label < len(self.class_names) else str(label)

    def first_partner(self) -> int:
        """A UNIT's walk ends at this pair's target (its domain-B digit) at first: the first of another class than
        pair 0's, the input the tool opens on."""
        return next((i for i in range(len(self.labels)) if self.labels[i] != self.labels[0]), 0)

    def another_partner(self, rng, avoid_label: int | None, current: int | None) -> int:
        """A pair at random whose target ends the walk next: of another class than ``avoid_label`` (the input's,
        when it is a held-out pair) and not ``current``."""
        pool = [i for i in range(len(self.labels)) if int(self.labels[i]) != avoid_label and i != current]
        return int(rng.choice(pool or range(len(self.labels))))


_POOLS: dict[tuple, HeldOut] = {}


def held_out_pool(checkpoint: str) -> HeldOut:
    """The held-out pairs of the set ``checkpoint`` was trained on (a CycleGAN's: each held-out digit drawn in both
    domains), sized as it was trained; kept per dataset (and second domain).
    Raises ``trainers.GanStudioError`` when the set cannot be drawn (not a paired set, data missing)."""
    from trainers.checkpoints import read_meta
    from trainers.metrics.translation import held_out

    _, meta = read_meta(checkpoint)
    cfg = meta["config"]
    key = (cfg["data"], cfg.get("data_b"), cfg.get("image_size"), cfg.get("channels"), cfg.get("data_root"))
    if key not in _POOLS:
        _, _, labels, data = held_out(meta, POOL)
        _POOLS[key] = HeldOut(data.name, data.x.numpy(), data.extras["target"].numpy(),
                              labels.numpy().astype(np.int64), tuple(data.class_names))
    return _POOLS[key]
