"""Turning generator output into pictures: image grids and 2D point scatters, as uint8 arrays and PNGs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch


def to_uint8_grid(images: torch.Tensor, nrow: int, padding: int = 2) -> np.ndarray:
    """(N, C, H, W) in [-1, 1] → (H', W', 3) uint8 grid via torchvision's make_grid."""
    from .tvshim import import_torchvision

    make_grid = import_torchvision().utils.make_grid
    x = images.detach().float().cpu().clamp(-1, 1).add(1).div(2)
    grid = make_grid(x, nrow=nrow, padding=padding, pad_value=0.15)  # 1-channel input comes back as 3
    return grid.mul(255).round().to(torch.uint8).permute(1, 2, 0).numpy()


def scatter_image(fake: np.ndarray, real: np.ndarray | None = None, size: int = 256, extent: float = 2.5) -> np.ndarray:
    """2D points → (size, size, 3) uint8: real data in blue, generated points in orange, on a dark field."""
    img = np.full((size, size, 3), 24, dtype=np.float32)
    axis = np.linspace(-extent, extent, size + 1)
    for pts, colour in ((real, (70, 140, 255)), (fake, (255, 150, 40))):
        if pts is None or len(pts) == 0:
            continue
        h, _, _ = np.histogram2d(-pts[:, 1], pts[:, 0], bins=[axis, axis])
        a = np.clip(h / max(1.0, np.percentile(h[h > 0], 90) if (h > 0).any() else 1.0), 0, 1)[..., None]
        img = img * (1 - a) + np.asarray(colour, dtype=np.float32) * a
    mid = size // 2
    img[mid, :, :] = np.maximum(img[mid, :, :], 60)
    img[:, mid, :] = np.maximum(img[:, mid, :], 60)
    return img.clip(0, 255).astype(np.uint8)


def save_png(array: np.ndarray, path: str | Path, fmt: str = "PNG") -> Path:
    """Write an (H, W[, 3]) uint8 array atomically as PNG (or ``fmt``: JPEG, WEBP)."""
    from PIL import Image

    from .atomic import atomic_write

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, lambda tmp: Image.fromarray(array).save(tmp, format=fmt))


def bicubic(x: torch.Tensor, scale: int) -> torch.Tensor:
    """Bicubic upscaling ×``scale`` of images in model range, clamped back to [-1, 1] (super-resolution's baseline)."""
    import torch.nn.functional as F

    return F.interpolate(x.float(), scale_factor=scale, mode="bicubic", align_corners=False).clamp(-1, 1)


def downsample(x: torch.Tensor, scale: int) -> torch.Tensor:
    """The low-resolution version of ``x``: the mean of each ``scale`` × ``scale`` block (area downsampling), as
    SRGAN makes its training pairs."""
    import torch.nn.functional as F

    return F.avg_pool2d(x.float(), scale)
