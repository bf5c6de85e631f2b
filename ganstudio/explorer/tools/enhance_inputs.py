"""Where the Enhance tool's input comes from, without Qt: a held-out image of the checkpoint's dataset (its
high-resolution truth known), an image file, or a picture another model drew in the explorer.

Every input becomes a ``Picture``: the model's low-resolution input (LR), the true high-resolution image (HR) when
there is one, and for an image without a truth the image itself at its own size ("your image"). The rule for a
picture of side S (centre-cropped to a square first), for a model that takes s px and gives f·s px:

- S ≥ f·s: it is the truth: HR is the picture area-resized to f·s px (itself when S = f·s), and LR is HR
  area-downsampled ×f, exactly as the run made its training pairs (``trainers.images.downsample``);
- s < S < f·s: no truth at the output size: LR is the picture area-downsampled to s px;
- S = s: the picture is the input as it is; S < s: it is enlarged (bicubic) to s px, and the message says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .translate_inputs import ImageFileError

OWN_MAX = 512  # "your image" is kept at most this large (it is only shown)


@dataclass(frozen=True, eq=False)
class Picture:
    """One input: ``lr`` (C, s, s) float32 in model range; ``hr`` (C, f·s, f·s) float32 or None; ``own`` the image
    as given, uint8 (C, S, S), when it has no truth (else None); ``note`` how it was fitted, in words."""

    lr: np.ndarray
    hr: np.ndarray | None
    own: np.ndarray | None
    note: str

    def lr_bytes(self) -> bytes:
        """LR as the state keeps an input: uint8 (C, s, s) bytes."""
        return to_uint8(self.lr).tobytes()


def to_uint8(x: np.ndarray) -> np.ndarray:
    """Model range [-1, 1] → uint8 [0, 255] (as ``trainers.images.to_uint8_grid`` rounds)."""
    return np.round((np.clip(x, -1, 1) + 1) / 2 * 255).astype(np.uint8)


def to_model(x: np.ndarray) -> np.ndarray:
    """uint8 (or float in [0, 255]) → float32 in model range, as ``ArrayData.to_model`` maps data."""
    return (np.asarray(x, dtype=np.float32) / np.float32(127.5) - np.float32(1.0)).astype(np.float32)


def downsample(hr: np.ndarray, scale: int) -> np.ndarray:
    """HR (C, H, W) in model range → LR: the mean of each ``scale`` × ``scale`` block (the run's own operator)."""
    import torch

    from trainers.images import downsample as area

    return np.ascontiguousarray(area(torch.from_numpy(np.array(hr, np.float32))[None], scale)[0].numpy())


def resize(img: np.ndarray, size: int, method: str = "box") -> np.ndarray:
    """uint8 (C, S, S) → float32 (C, size, size) in [0, 255]: "box" is area averaging (Pillow's BOX filter on float
    pixels, nothing rounded), "bicubic" for enlarging, "nearest" for crisp blocks."""
    from PIL import Image

    filt = {"box": Image.Resampling.BOX, "bicubic": Image.Resampling.BICUBIC,
            "nearest": Image.Resampling.NEAREST}[method]
    out = [np.asarray(Image.fromarray(ch.astype(np.float32), mode="F").resize((size, size), filt), np.float32)
           for ch in img]
    return np.clip(np.stack(out), 0, 255).astype(np.float32)


def fit_image(img: np.ndarray, shape: tuple[int, ...], scale: int) -> Picture:
    """A square uint8 (C, S, S) picture as the model's input and, when it is large enough, its truth (module
    docstring)."""
    _, s, _ = shape
    out = s * scale
    side = int(img.shape[-1])
    if side >= out:
        hr = to_model(img if side == out else resize(img, out, "box"))
        note = (f"at the model's output size ({out} px): it is the true image (HR), area-downsampled ×{scale} to "
                f"the {s} px input" if side == out else
                f"{side} px: area-downsampled to {out} px as the true image (HR) and ×{scale} more to the {s} px "
                "input")
        return Picture(downsample(hr, scale), hr, None, note)
    if side > s:
        lr, note = to_model(resize(img, s, "box")), (f"{side} px: area-downsampled to the model's {s} px input "
                                                     f"(smaller than the {out} px output: no true image)")
    elif side == s:
        lr, note = to_model(img), f"at the model's input size ({s} px), as it is (no true image)"
    else:
        lr, note = to_model(resize(img, s, "bicubic")), (f"{side} px: smaller than the model's {s} px input, so "
                                                         "enlarged (bicubic) to it first (no true image)")
    own = img if side <= OWN_MAX else np.round(resize(img, OWN_MAX, "box")).astype(np.uint8)
    return Picture(lr, None, own, note)


def square(arr: np.ndarray) -> np.ndarray:
    """The centred square of an (C, H, W) array (training reads image folders the same way)."""
    _, h, w = arr.shape
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    return np.ascontiguousarray(arr[:, top:top + side, left:left + side])


def read_picture(path: str | Path, channels: int) -> np.ndarray:
    """An image file as a square uint8 (C, S, S) at its own size, grey or RGB; ``ImageFileError`` (whose text
    says what to do) for a file that is not a readable image."""
    from PIL import Image

    from trainers.data.real import image_errors

    name = Path(path).name
    try:
        with Image.open(path) as im:
            arr = np.asarray(im.convert("L" if channels == 1 else "RGB"), dtype=np.uint8)
    except FileNotFoundError:
        raise ImageFileError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise ImageFileError(f"{name} is a folder; open a PNG or JPEG") from None
    except image_errors() as exc:
        raise ImageFileError(f"{name} is not an image Pillow can read ({type(exc).__name__}); open a PNG or "
                             "JPEG") from None
    arr = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
    if min(arr.shape[1:]) < 1:
        raise ImageFileError(f"{name} has no pixels; open another image")
    return square(arr)


def from_rgb(image: np.ndarray, channels: int) -> np.ndarray:
    """An explorer picture (H, W, 3 uint8) as a square uint8 (C, S, S) in the model's channels (grey: Pillow's
    luma, which keeps a grey picture's values)."""
    from PIL import Image

    if channels == 3:
        return square(np.ascontiguousarray(image[..., :3].transpose(2, 0, 1)))
    grey = np.asarray(Image.fromarray(np.ascontiguousarray(image[..., :3])).convert("L"), dtype=np.uint8)
    return square(grey[None])


def rgb(img: np.ndarray) -> np.ndarray:
    """uint8 (C, H, W) → (H, W, 3) for display."""
    return np.ascontiguousarray(np.repeat(img, 3, 0).transpose(1, 2, 0) if img.shape[0] == 1
                                else img.transpose(1, 2, 0))
