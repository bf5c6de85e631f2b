"""Exports that need no Qt: the training progression as an animated GIF (Pillow), grids as PNG."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable, Sequence

from PIL import Image, ImageDraw, ImageFont

from .rundata import Snapshot


class ExportError(Exception):
    """A user-facing export problem (unwritable folder, nothing to export, unreadable snapshots)."""


def pick_frames(snapshots: Sequence[Snapshot], max_frames: int) -> list[Snapshot]:
    """At most ``max_frames`` snapshots, evenly spread, always keeping the first and the last."""
    n = len(snapshots)
    if n <= max_frames:
        return list(snapshots)
    if max_frames < 2:
        return list(snapshots)[-1:]
    idx = sorted({round(i * (n - 1) / (max_frames - 1)) for i in range(max_frames)})
    return [snapshots[i] for i in idx]


def _check_writable(out: Path) -> None:
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"the folder {folder} does not exist; choose another place")
    if not os.access(folder, os.W_OK):
        raise ExportError(f"cannot write to {folder} (permission denied); choose another folder")


def export_gif(snapshots: Sequence[Snapshot], out: str | Path, *, fps: float = 8.0, max_frames: int = 200,
               scale: int = 2, caption: bool = True, hold_last_s: float = 1.5,
               progress: Callable[[int, int], bool | None] | None = None) -> int:
    """Write the snapshots as an animated GIF; returns the number of frames.

    ``scale`` enlarges with nearest-neighbour (crisp pixels); ``caption`` writes "step N" under each frame;
    the last frame is held ``hold_last_s`` seconds. ``progress(done, total)`` may return False to cancel.
    """
    out = Path(out).expanduser()
    frames_src = pick_frames(snapshots, max_frames)
    if not frames_src:
        raise ExportError("the run has no sample snapshots yet")
    if not 0.1 <= fps <= 60:
        raise ExportError(f"frames per second must be between 0.1 and 60, not {fps}")
    if not 1 <= scale <= 16:
        raise ExportError(f"scale must be between 1 and 16, not {scale}")
    _check_writable(out)
    font = ImageFont.load_default()
    frames: list[Image.Image] = []
    size = None
    for k, snap in enumerate(frames_src):
        try:
            with Image.open(snap.path) as im:
                img = im.convert("RGB")
        except (OSError, ValueError):
            continue  # a snapshot deleted or half-written meanwhile: skip it
        if size is None:
            size = img.size
        elif img.size != size:
            img = img.resize(size, Image.Resampling.NEAREST)
        if scale != 1:
            img = img.resize((img.width * scale, img.height * scale), Image.Resampling.NEAREST)
        if caption:
            bar = 18
            framed = Image.new("RGB", (img.width, img.height + bar), (26, 29, 34))
            framed.paste(img, (0, 0))
            ImageDraw.Draw(framed).text((6, img.height + 3), f"step {snap.step:,}", fill=(216, 222, 233),
                                        font=font)
            img = framed
        frames.append(img)
        if progress is not None and progress(k + 1, len(frames_src)) is False:
            raise ExportError("export cancelled")
    if not frames:
        raise ExportError("none of the snapshots could be read back from the run's samples/ folder")
    ms = max(int(round(1000 / fps)), 20)
    durations = [ms] * len(frames)
    durations[-1] = max(ms, int(hold_last_s * 1000))
    fd, tmp = tempfile.mkstemp(suffix=".gif", dir=out.parent)
    os.close(fd)
    try:
        frames[0].save(tmp, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0,
                       optimize=False, disposal=1)
        os.replace(tmp, out)
    except OSError as exc:
        raise ExportError(f"could not write {out} ({exc.strerror or exc})") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return len(frames)
