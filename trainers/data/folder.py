"""A folder of the user's own images, read as what it is.

``survey`` looks at a folder once (cached by its listing): how many files decode, how many repeat another file
byte for byte, the most common size, whether every image is grey, and whether it is laid out as
``root/<class>/*.png`` (torchvision's ImageFolder layout: the sub-folder names are the classes). The command line
and New Run ask the same survey, so a grey 28 × 28 folder trains 1 channel at 28 px from either door.

``load_folder`` decodes the images at the side and channels a run chose, fitted to a square as the run's ``crop``
says (centre: cut the middle square; pad: add borders of the image's edge colour; stretch: resize the whole image),
with the labels of a class layout.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import DataError

CROPS = ("centre", "pad", "stretch")
GREY_MODES = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"}
SURVEY_VERSION = 1
# How many colour-mode files are decoded to see whether their channels are equal (grey saved as RGB)
GREY_PROBES = 48


@dataclass(frozen=True)
class FolderSurvey:
    """What a folder holds (``survey``)."""

    root: str
    files: int  # files looked at (hidden ones are not)
    images: int  # files whose header Pillow reads
    duplicates: int  # images whose bytes repeat an earlier one's
    width: int  # the most common size
    height: int
    same_size: int  # images of that size
    grey: bool
    grey_how: str  # how it was decided ("every file is greyscale", "the RGB files have equal channels", ...)
    classes: tuple[str, ...] = ()  # sub-folder names, when every image is in one (root/<class>/*.png)
    class_counts: tuple[int, ...] = ()
    mixed_layout: bool = False  # images at the top and in sub-folders: read as one unlabelled set

    @property
    def unreadable(self) -> int:
        return self.files - self.images

    @property
    def side(self) -> int:
        """The square side of the most common size after a centre crop (its shorter edge)."""
        return min(self.width, self.height)

    @property
    def channels(self) -> int:
        return 1 if self.grey else 3

    def line(self) -> str:
        """``10,000 images · grey · 28 × 28`` (+ classes, unreadable files and duplicates when there are any)."""
        parts = [f"{self.images:,} image{'s' if self.images != 1 else ''}", "grey" if self.grey else "colour"]
        size = f"{self.width} × {self.height}"
        if self.same_size < self.images:
            size += f" ({self.same_size:,} of them; the others vary)"
        parts.append(size)
        if self.classes:
            parts.append(f"{len(self.classes)} classes from sub-folders")
        if self.unreadable:
            parts.append(f"{self.unreadable:,} unreadable file{'s' if self.unreadable != 1 else ''} skipped")
        if self.duplicates:
            parts.append(f"{self.duplicates:,} duplicate{'s' if self.duplicates != 1 else ''}")
        return " · ".join(parts)

    def fit_line(self, channels: int, size: int, crop: str = "centre") -> str:
        """The survey and what a run makes of it: ``10,000 images · grey · 28 × 28 → 1 channel, 28 px``."""
        out = f"{channels} channel{'s' if channels != 1 else ''}, {size} px"
        if size != self.side or channels != self.channels:
            why = []
            if size != self.side:
                why.append(f"{'downscaled' if size < self.side else 'upscaled'} from {self.side}")
            if channels != self.channels:
                why.append("grey made RGB" if channels == 3 else "colour made grey")
            out += f" ({', '.join(why)})"
        if self.width != self.height:
            out += {"centre": ", centre square cut", "pad": ", padded to a square",
                    "stretch": ", stretched to a square"}[crop]
        return f"{self.line()} → {out}"


def image_errors() -> tuple[type[BaseException], ...]:
    """What Pillow raises for a file that is not a readable image."""
    from PIL import Image, UnidentifiedImageError

    return (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError)


def list_files(root: Path) -> list[Path]:
    """Every non-hidden file under ``root`` (recursively, hidden folders skipped), sorted."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        out.extend(Path(dirpath) / f for f in filenames if not f.startswith("."))
    return sorted(out)


def class_layout(root: Path, files: list[Path]) -> tuple[tuple[str, ...], np.ndarray | None, bool]:
    """(class names, each file's label, mixed) when every file sits in a first-level sub-folder and there are at
    least two of them; else ((), None, mixed), mixed meaning files both at the top and in sub-folders."""
    tops = [f.relative_to(root).parts for f in files]
    at_top = sum(1 for p in tops if len(p) == 1)
    names = sorted({p[0] for p in tops if len(p) > 1})
    if at_top or len(names) < 2:
        return (), None, bool(at_top and names)
    index = {n: i for i, n in enumerate(names)}
    return tuple(names), np.array([index[p[0]] for p in tops], dtype=np.int64), False


def _listing_key(root: Path, files: list[Path]) -> str:
    h = hashlib.sha1(f"{SURVEY_VERSION}\0{root.resolve()}\n".encode())
    for f in files:
        st = f.stat()
        h.update(f"{f.relative_to(root)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def _header(f: Path) -> tuple[int, int, str, bool] | None:
    """(width, height, mode, grey palette) from a file's header, or None when Pillow cannot read it."""
    from PIL import Image

    try:
        with Image.open(f) as im:
            w, h = im.size
            grey_palette = False
            if im.mode == "P":
                pal = im.getpalette() or []
                grey_palette = all(pal[i] == pal[i + 1] == pal[i + 2] for i in range(0, len(pal) - 2, 3))
            return w, h, im.mode, grey_palette
    except image_errors():
        return None


def _equal_channels(f: Path) -> bool:
    """Whether a colour-mode file's pixels are grey (JPEG noise allowed)."""
    from PIL import Image

    try:
        with Image.open(f) as im:
            a = np.asarray(im.convert("RGB"), dtype=np.int16)
    except image_errors():
        return True  # unreadable: says nothing against grey
    spread = np.abs(a[..., 0] - a[..., 1]) + np.abs(a[..., 1] - a[..., 2])
    return float(spread.mean()) < 1.0 and int(np.percentile(spread, 99)) <= 8


def _duplicates(files: list[Path], ok: list[bool]) -> int:
    """How many readable files repeat an earlier one byte for byte (only files of equal length are read)."""
    by_len: dict[int, list[Path]] = {}
    for f, good in zip(files, ok):
        if good:
            by_len.setdefault(f.stat().st_size, []).append(f)
    dups = 0
    for group in by_len.values():
        if len(group) > 1:
            seen = set()
            for f in group:
                digest = hashlib.sha1(f.read_bytes()).digest()
                dups += digest in seen
                seen.add(digest)
    return dups


_MEMO: dict[tuple, FolderSurvey] = {}


def _memo_key(root: Path) -> tuple:
    """The folder and the modification times of it and its first-level sub-folders (files added or removed)."""
    stamps = [root.stat().st_mtime_ns]
    with os.scandir(root) as it:
        stamps.extend(e.stat().st_mtime_ns for e in it if e.is_dir() and not e.name.startswith("."))
    return (str(root.resolve()), tuple(stamps))


def survey(path: str | os.PathLike, progress: Callable[[int, int], None] | None = None) -> FolderSurvey:
    """Look at every file under ``path`` once (cached in memory and, by the folder's listing, on disk)."""
    from concurrent.futures import ThreadPoolExecutor

    from .digits import cache_dir

    root = Path(path).expanduser()
    if not root.is_dir():
        raise DataError(f"{root}: not a folder. Give a dataset name (see `ganstudio list`) or a folder of images")
    memo = _memo_key(root)
    if memo in _MEMO:
        return _MEMO[memo]
    files = list_files(root)
    if not files:
        raise DataError(f"{root}: the folder is empty; put .png/.jpg images in it")
    store = cache_dir() / "folders" / f"survey-{_listing_key(root, files)}.json"
    try:
        found = FolderSurvey(**{**json.loads(store.read_text()), **_classes_of(root, files)})
        _MEMO[memo] = found
        return found
    except (OSError, ValueError, TypeError):
        pass  # not surveyed yet (or a damaged cache file): look again
    heads: list = []
    with ThreadPoolExecutor(max_workers=max(1, min(8, os.cpu_count() or 1))) as pool:
        for start in range(0, len(files), 512):
            if progress is not None:
                progress(start, len(files))
            heads.extend(pool.map(_header, files[start:start + 512]))
    if progress is not None:
        progress(len(files), len(files))
    readable = [h for h in heads if h is not None]
    if not readable:
        raise DataError(f"{root}: none of its {len(files)} files is a readable image")
    (w, h), same = Counter((r[0], r[1]) for r in readable).most_common(1)[0]
    colour_files = [f for f, r in zip(files, heads) if r is not None and r[2] not in GREY_MODES
                    and not (r[2] == "P" and r[3])]
    if not colour_files:
        grey, how = True, "every file is greyscale"
    else:
        step = max(1, len(colour_files) // GREY_PROBES)
        probes = colour_files[::step][:GREY_PROBES]
        grey = all(_equal_channels(f) for f in probes)
        how = (f"the colour files have equal channels ({len(probes)} of {len(colour_files)} looked at)" if grey
               else "some files are in colour")
    found = FolderSurvey(str(root), len(files), len(readable), _duplicates(files, [r is not None for r in heads]),
                         w, h, same, grey, how, **_classes_of(root, files))
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        plain = {k: v for k, v in asdict(found).items() if k not in ("classes", "class_counts", "mixed_layout")}
        store.write_text(json.dumps(plain))
    except OSError:
        pass  # a read-only cache: survey again next time
    _MEMO[memo] = found
    return found


def _classes_of(root: Path, files: list[Path]) -> dict:
    names, labels, mixed = class_layout(root, files)
    counts = tuple(int(c) for c in np.bincount(labels, minlength=len(names))) if labels is not None else ()
    return {"classes": names, "class_counts": counts, "mixed_layout": mixed}


# -- decoding ----------------------------------------------------------------------------------------------------
def read_image(f: str | Path, size: int, channels: int, crop: str = "centre") -> np.ndarray:
    """One image file as (C, size, size) uint8: grey or RGB, made square as ``crop`` says, resized (Lanczos).
    Raises what Pillow raises for a file that is not a readable image (``image_errors``)."""
    from PIL import Image, ImageOps

    with Image.open(f) as im:
        im = im.convert("L" if channels == 1 else "RGB")
        w, h = im.size
        if crop == "centre" and w != h:
            side = min(w, h)
            im = im.crop(((w - side) // 2, (h - side) // 2, (w - side) // 2 + side, (h - side) // 2 + side))
        elif crop == "pad" and w != h:
            a = np.asarray(im)
            edge = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]]).reshape(-1, channels)
            fill = tuple(int(v) for v in np.median(edge, axis=0))
            im = ImageOps.pad(im, (max(w, h), max(w, h)), color=fill[0] if channels == 1 else fill)
        im = im.resize((size, size), Image.Resampling.LANCZOS)
        arr = np.asarray(im, dtype=np.uint8)
    return arr[None] if channels == 1 else arr.transpose(2, 0, 1)


def decode_one(f: Path, size: int, channels: int, crop: str = "centre") -> np.ndarray | None:
    try:
        return read_image(f, size, channels, crop)
    except image_errors():
        return None


def decode_into(out: np.ndarray, files: list[Path], crop: str, progress: Callable[[int, int], None] | None
                ) -> np.ndarray:
    """Decode ``files`` into the first rows of ``out`` in order, skipping unreadable ones; which files were kept
    (a bool mask). Pillow releases the GIL while it decodes and resizes, so a thread per core runs in parallel."""
    from concurrent.futures import ThreadPoolExecutor

    _, channels, size, _ = out.shape
    kept = np.zeros(len(files), dtype=bool)
    n = 0
    chunk = 256
    with ThreadPoolExecutor(max_workers=max(1, min(8, os.cpu_count() or 1))) as pool:
        for start in range(0, len(files), chunk):
            if progress is not None:
                progress(start, len(files))
            arrays = pool.map(lambda f: decode_one(f, size, channels, crop), files[start:start + chunk])
            for i, arr in enumerate(arrays):
                if arr is not None:
                    out[n] = arr
                    kept[start + i] = True
                    n += 1
    if progress is not None:
        progress(len(files), len(files))
    return kept


def preview(path: str | os.PathLike, n: int, size: int, channels: int, crop: str = "centre") -> np.ndarray:
    """Up to ``n`` of the folder's images as a run would see them (``read_image`` at ``size``, ``channels`` and
    ``crop``), picked evenly over its sorted files so that each class of a class layout shows: (k, C, size, size)."""
    files = list_files(Path(path).expanduser())
    step = max(1, len(files) // max(n, 1))
    out = []
    for f in files[::step]:
        arr = decode_one(f, size, channels, crop)
        if arr is not None:
            out.append(arr)
        if len(out) == n:
            break
    return np.stack(out) if out else np.zeros((0, channels, size, size), np.uint8)


def surveyed(path: str | os.PathLike) -> bool:
    """Whether ``survey(path)`` would answer at once (from memory); True for a path it would refuse at once."""
    root = Path(path).expanduser()
    try:
        return not root.is_dir() or _memo_key(root) in _MEMO
    except OSError:
        return True
