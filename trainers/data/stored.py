"""What a checkpoint says it was trained on is read as a name, never as a path to open: a checkpoint may come from
anyone, and one whose stored dataset is ``../../some/folder`` must not make GAN Studio read that folder. The
embedded sets and torchvision's sets are names; a folder is opened only when the user names it (or a folder above
it) now, with ``--data-root``. A run's stored ``--data-root`` is ignored the same way."""

from __future__ import annotations

import os

from ..catalog import DATASETS
from ..errors import DataError


def _within(path: str, root: str) -> bool:
    """Lexically (nothing is touched): is ``path`` the folder ``root`` or inside it?"""
    p = os.path.normpath(os.path.abspath(os.path.expanduser(path)))
    r = os.path.normpath(os.path.abspath(os.path.expanduser(root)))
    try:
        return os.path.commonpath([p, r]) == r
    except ValueError:  # another drive (Windows)
        return False


def approved(cfg: dict, data_root: str | None) -> dict:
    """``cfg`` (a checkpoint's stored config) with only the data the user allows: dataset names as they are, a
    stored folder kept only inside ``data_root``; a single folder elsewhere replaced by ``data_root`` itself (the
    images are now there); the stored data root replaced by ``data_root``. DataError, before any file is read,
    when a stored folder is not covered."""
    out = dict(cfg, data_root=data_root)
    for key in ("data", "data_b"):
        name = cfg.get(key)
        if not name or (isinstance(name, str) and name in DATASETS):
            continue
        if not isinstance(name, str):
            raise DataError(f"this checkpoint's stored dataset ({key}) is not a name: {name!r}")
        if data_root and _within(name, data_root):
            continue
        if data_root and key == "data" and not cfg.get("data_b"):
            out["data"] = data_root  # one folder: the one the user names now
            continue
        raise DataError(f"this model was trained on the folder {name!r}, and GAN Studio never opens a folder named "
                        "only inside a checkpoint: pass the folder of real images (or a folder that holds "
                        "it) with --data-root FOLDER")
    return out
