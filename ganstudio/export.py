"""Exports that need no Qt: the training progression as an animated GIF (Pillow), explorer images as crisp
enlarged PNGs, interpolations as GIF (Pillow) or MP4 (imageio-ffmpeg, optional)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from trainers.atomic import FILE_MODE

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
    _write_gif(frames, out, fps, hold_last_s)
    return len(frames)


def _write_gif(frames: list[Image.Image], out: Path, fps: float, hold_last_s: float = 0.0) -> None:
    ms = max(int(round(1000 / fps)), 20)
    durations = [ms] * len(frames)
    durations[-1] = max(ms, int(hold_last_s * 1000))
    _atomic(out, lambda tmp: frames[0].save(tmp, format="GIF", save_all=True, append_images=frames[1:],
                                            duration=durations, loop=0, optimize=False, disposal=1))


def _atomic(out: Path, write: Callable[[str], None]) -> None:
    """``write(tmp)`` into the target folder, then rename: a failed export never leaves half a file."""
    fd, tmp = tempfile.mkstemp(suffix=out.suffix, dir=out.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, FILE_MODE)  # mkstemp made it 0600: give it the mode every other file gets
        os.replace(tmp, out)
    except (OSError, RuntimeError) as exc:
        raise ExportError(f"could not write {out} ({getattr(exc, 'strerror', None) or exc})") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _enlarge(frame: np.ndarray, scale: int) -> np.ndarray:
    """Nearest-neighbour: every pixel becomes a scale×scale block (crisp, exact)."""
    if scale == 1:
        return np.ascontiguousarray(frame[..., :3])
    return np.ascontiguousarray(frame[..., :3].repeat(scale, axis=0).repeat(scale, axis=1))


def _check_frames(frames, fps: float, scale: int) -> None:
    if frames is None or len(frames) == 0:
        raise ExportError("there are no frames to export yet")
    if not 0.1 <= fps <= 60:
        raise ExportError(f"frames per second must be between 0.1 and 60, not {fps}")
    if not 1 <= scale <= 32:
        raise ExportError(f"scale must be between 1 and 32, not {scale}")


def save_image(image: np.ndarray, out: str | Path, scale: int = 1) -> Path:
    """An (H, W, 3) uint8 image as PNG, enlarged ``scale`` times with nearest-neighbour; written atomically."""
    out = Path(out).expanduser()
    if not 1 <= scale <= 32:
        raise ExportError(f"scale must be between 1 and 32, not {scale}")
    _check_writable(out)
    _atomic(out, lambda tmp: Image.fromarray(_enlarge(np.asarray(image, dtype=np.uint8), scale)).save(tmp, "PNG"))
    return out


def frames_to_gif(frames: np.ndarray, out: str | Path, *, fps: float = 12.0, scale: int = 4, boomerang: bool = False,
                  progress: Callable[[int, int], bool | None] | None = None) -> int:
    """(N, H, W, 3) uint8 frames → an animated GIF that loops; returns the number of frames written.
    ``boomerang`` plays forward then backward (a seamless loop for a two-keyframe interpolation)."""
    out = Path(out).expanduser()
    _check_frames(frames, fps, scale)
    _check_writable(out)
    seq = list(frames) + (list(frames[-2:0:-1]) if boomerang else [])
    images = []
    for k, f in enumerate(seq):
        images.append(Image.fromarray(_enlarge(np.asarray(f, dtype=np.uint8), scale)))
        if progress is not None and progress(k + 1, len(seq)) is False:
            raise ExportError("export cancelled")
    _write_gif(images, out, fps)
    return len(images)


def mp4_unavailable() -> str:
    """Why MP4 export is off ("" when it is on): it needs the optional imageio-ffmpeg package."""
    import importlib.util

    if importlib.util.find_spec("imageio_ffmpeg") is None:
        return "MP4 needs the optional imageio-ffmpeg package: pip install 'ganstudio[video]' (GIF works without it)"
    return ""


def frames_to_mp4(frames: np.ndarray, out: str | Path, *, fps: float = 24.0, scale: int = 4, boomerang: bool = False,
                  progress: Callable[[int, int], bool | None] | None = None) -> int:
    """(N, H, W, 3) uint8 frames → H.264 MP4 (yuv420p, plays everywhere) through imageio-ffmpeg's bundled
    ffmpeg. Odd sizes are padded by one pixel (H.264 wants even sides)."""
    reason = mp4_unavailable()
    if reason:
        raise ExportError(reason)
    import imageio_ffmpeg

    out = Path(out).expanduser()
    _check_frames(frames, fps, scale)
    _check_writable(out)
    seq = list(frames) + (list(frames[-2:0:-1]) if boomerang else [])
    h, w = np.asarray(seq[0]).shape[0] * scale, np.asarray(seq[0]).shape[1] * scale
    ph, pw = h + h % 2, w + w % 2

    def write(tmp: str) -> None:
        writer = imageio_ffmpeg.write_frames(tmp, (pw, ph), fps=fps, codec="libx264", pix_fmt_out="yuv420p",
                                             macro_block_size=1, quality=8, ffmpeg_log_level="error")
        writer.send(None)
        try:
            for k, f in enumerate(seq):
                big = _enlarge(np.asarray(f, dtype=np.uint8), scale)
                if (ph, pw) != big.shape[:2]:
                    big = np.pad(big, ((0, ph - h), (0, pw - w), (0, 0)), mode="edge")
                writer.send(np.ascontiguousarray(big))
                if progress is not None and progress(k + 1, len(seq)) is False:
                    raise ExportError("export cancelled")
        finally:
            writer.close()

    _atomic(out, write)
    return len(seq)
