"""Samples as files, for the ecosystem's FID tools: a folder of PNGs, one per sample (what pytorch-fid, clean-fid
and torch-fidelity read: each opens every image of a folder with ``Image.open(f).convert("RGB")``), or one ``.npz``
holding a uint8 array (N, H, W, 3) under ``arr_0`` (``np.savez``'s default key: the TensorFlow FID/IS/precision
evaluator of guided-diffusion and the scripts built on it read ``arr_0`` as NHWC in [0, 255], three channels).

PNGs keep a grey model grey (mode L: 8 bits a pixel, every reader converts); the ``.npz`` repeats the grey channel
into three, since its readers feed the array to Inception as it is.

Latents are drawn as ``ganstudio sample``'s grid draws them (``LoadedGenerator.latent``: seed, class, codes,
truncation), ``CHUNK`` at a time: up to ``CHUNK`` samples (the grid's largest ``--n``), file i is tile i of the grid
of the same ``--n`` and ``--seed``; later chunks draw from seeds derived from (seed, chunk), so another ``--seed``
never repeats them. Rendering goes ``batch`` images at a time, and the PNG path holds no more than one batch of
pixels: 50,000 samples never sit in memory at once (the ``.npz`` holds its uint8 array, as it must to write it).

Errors the user can cause (an occupied or unwritable folder, a model with no images to draw) are ``ConfigError``
lines that say what to do. No Qt: the command line and the app's worker both call ``write_samples``."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from .errors import ConfigError

CHUNK = 4096  # latents drawn at once; the grid's largest --n, so up to it files and grid show the same samples
BATCH = 256  # images rendered (and held) at once
MAX_SAMPLES = 1_000_000
NPZ_KEY = "arr_0"  # np.savez's name for its first positional array: what the readers look up
# what the FID tools glob in a folder (pytorch-fid's IMAGE_EXTENSIONS): one of these already there would be read
# as one of our samples
IMAGE_SUFFIXES = {".bmp", ".jpg", ".jpeg", ".pgm", ".png", ".ppm", ".tif", ".tiff", ".webp"}
STAGE = "writing samples"

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``; may raise to stop (the app's worker raises once cancelled)."""


@dataclass(frozen=True)
class SampleFiles:
    """What ``write_samples`` wrote (plain data: it crosses from the app's worker to the GUI)."""

    path: str  # the folder or the .npz file
    kind: str  # "folder" or "npz"
    count: int
    shape: tuple[int, int, int]  # (H, W, C) of one sample as written (C = 1 for grey PNGs, 3 in a .npz)
    first: str = ""  # the first and last file names (folder)
    last: str = ""
    note: str = ""  # what else the user should know (a pair model: which of the pair)

    def describe(self) -> str:
        """One line for the user: what is where."""
        h, w, c = self.shape
        note = f"; {self.note}" if self.note else ""
        if self.kind == "npz":
            return (f"{self.path}: {NPZ_KEY} uint8 ({self.count}, {h}, {w}, {c}), {self.count:,} samples of "
                    f"{w}x{h} px{note}")
        return (f"{self.count:,} samples in {self.path.rstrip(os.sep)}{os.sep} ({self.first} … {self.last}, "
                f"{w}x{h} px, {'grey' if c == 1 else 'RGB'}{note})")


def output_kind(out: str | Path) -> str | None:
    """How ``--out`` reads: "folder" (a trailing slash, an existing folder, or a name with no suffix), "npz" (a
    ``.npz`` file) or None (a single image file: the grid)."""
    text = str(out)
    p = Path(text)
    if text.endswith(("/", os.sep)) or p.is_dir():
        return "folder"
    if p.suffix.lower() == ".npz":
        return "npz"
    return "folder" if not p.suffix else None


def file_names(n: int) -> tuple[str, str]:
    """The first and last of ``n`` file names: zero-padded to at least six digits (``000000.png``, as the
    ecosystem's sampling scripts name them), more when ``n`` needs them, so that names sort as numbers."""
    width = max(6, len(str(n - 1)))
    return f"{0:0{width}d}.png", f"{n - 1:0{width}d}.png"


def check_drawable(gen) -> tuple[int, int, int]:
    """(C, H, W) of the images ``gen`` draws from noise, or a ConfigError saying why files cannot be written."""
    shape = tuple(gen.meta["data"]["shape"])
    if gen.translates:
        raise ConfigError(f"{gen.path.name}: this model translates images (its input is a picture, not noise), so "
                          "there is no sample to draw: write its grid instead (--out FILE.png)")
    if len(shape) != 3:
        raise ConfigError(f"{gen.path.name}: this model draws 2D points, not images: write its scatter instead "
                          "(--out FILE.png)")
    if shape[0] not in (1, 3):
        raise ConfigError(f"{gen.path.name}: images of {shape[0]} channels have no PNG form (1 or 3 needed)")
    return shape  # type: ignore[return-value]


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """(N, C, H, W) in model range [-1, 1] → (N, H, W, C) uint8, rounded as the grid rounds (``to_uint8_grid``)."""
    x = images.detach().float().cpu().clamp(-1, 1).add(1).div(2)
    return x.mul(255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()


def chunk_seed(seed: int, k: int) -> int:
    """Chunk k's seed: ``seed`` itself for the first (the grid's draw), then a 63-bit hash of (seed, k)."""
    if k == 0:
        return seed
    return int.from_bytes(hashlib.sha256(f"ganstudio-samples:{seed}:{k}".encode()).digest()[:8], "big") >> 1


def latents(gen, n: int, seed: int = 0, label=None, codes: dict | None = None, truncation: float | None = None):
    """The latents of ``n`` samples, ``CHUNK`` at a time (dicts of tensors, as ``gen.latent`` draws them)."""
    for k, start in enumerate(range(0, n, CHUNK)):
        yield gen.latent(min(CHUNK, n - start), chunk_seed(seed, k), label, codes, truncation=truncation)


def write_samples(gen, out: str | Path, n: int, seed: int = 0, label=None, codes: dict | None = None,
                  truncation: float | None = None, batch: int = BATCH, progress: Progress | None = None) -> SampleFiles:
    """Render ``n`` samples of ``gen`` (a ``LoadedGenerator``) into ``out``: a folder of PNGs or a ``.npz`` file
    (``output_kind``). A folder must hold no image file yet; an existing ``.npz`` is replaced (atomically)."""
    kind = output_kind(out)
    if kind is None:
        raise ConfigError(f"{out}: give a folder (end it with /) or a .npz file name for samples as files")
    if not 1 <= n <= MAX_SAMPLES:
        raise ConfigError(f"--n must be in 1..{MAX_SAMPLES:,} for samples as files, got {n}")
    channels, _, _ = check_drawable(gen)
    path = Path(out)
    first, last = file_names(n)
    width = len(first) - len(".png")
    gen.latent(1, seed, label, codes, truncation=truncation)  # a bad class or code: said before any file exists
    (_prepare_folder if kind == "folder" else _prepare_npz)(path)
    held: np.ndarray | None = None  # the .npz's array, (n, H, W, 3)
    done = 0
    if progress is not None:
        progress(STAGE, 0, n)
    for lat in latents(gen, n, seed, label, codes, truncation):
        m = len(next(iter(lat.values())))
        for s in range(0, m, batch):
            pixels = to_uint8(gen.render({key: v[s:s + batch] for key, v in lat.items()}))
            if kind == "folder":
                for i, one in enumerate(pixels):
                    _write_png(path / f"{done + i:0{width}d}.png", one[..., 0] if channels == 1 else one)
            else:
                if held is None:
                    held = np.empty((n,) + pixels.shape[1:3] + (3,), np.uint8)
                held[done:done + len(pixels)] = pixels  # a grey channel broadcasts into all three
            done += len(pixels)
            if progress is not None:
                progress(STAGE, done, n)
    # a pair model's G draws the first domain of each pair (the grid shows both)
    note = "domain A of each pair" if gen.can("pair-samples") else ""
    if kind == "npz":
        _write_npz(path, held)
        return SampleFiles(str(path), "npz", n, held.shape[1:], note=note)
    h, w = gen.meta["data"]["shape"][1:]
    return SampleFiles(str(path), "folder", n, (h, w, channels), first, last, note)


# -- the files ------------------------------------------------------------------------------------------------
def _cannot(what: str, path: Path, exc: OSError) -> ConfigError:
    return ConfigError(f"cannot {what} {path} ({exc.strerror or exc}); choose a writable folder")


def _prepare_folder(path: Path) -> None:
    """Create the folder; refuse one that already holds images (FID tools would read them as samples) or where
    nothing can be written."""
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{path} is a file, not a folder: choose a folder for the samples")
    try:
        path.mkdir(parents=True, exist_ok=True)
        taken = next((e.name for e in os.scandir(path) if Path(e.name).suffix.lower() in IMAGE_SUFFIXES), None)
    except OSError as exc:
        raise _cannot("create the folder", path, exc) from None
    if taken is not None:
        raise ConfigError(f"{path} already holds images (e.g. {taken}), which FID tools would read as samples: "
                          "choose an empty or new folder")
    _probe(path)


def _prepare_npz(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _cannot("create the folder", path.parent, exc) from None
    _probe(path.parent)


def _probe(folder: Path) -> None:
    """Write and remove a temporary file: permissions, a read-only disk and the like show before any rendering."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise _cannot("write in", folder, exc) from None


def _write_png(path: Path, array: np.ndarray) -> None:
    from PIL import Image

    from .atomic import atomic_write

    try:
        atomic_write(path, lambda tmp: Image.fromarray(array).save(tmp, format="PNG"))
    except OSError as exc:
        raise _cannot("write", path, exc) from None


def _write_npz(path: Path, array: np.ndarray) -> None:
    from .atomic import atomic_write

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:  # a file object: np.savez would add ".npz" to a temporary name
            np.savez(f, array)  # positional: stored as arr_0

    try:
        atomic_write(path, write)
    except OSError as exc:
        raise _cannot("write", path, exc) from None
