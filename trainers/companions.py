"""Files that belong to one trained generator (its text model, its named directions): ``<name>.<kind>.safetensors``
with a ``.json`` beside the checkpoint, or, where that folder is not writable, in the user cache under ``<kind>/``
by the generator's weights hash. Each kind's file binds itself to that hash when it is read."""

from __future__ import annotations

from pathlib import Path


def beside(checkpoint: str | Path, kind: str) -> Path:
    """``<name>.<kind>.safetensors`` beside the checkpoint (a run folder: beside its last checkpoint)."""
    p = Path(checkpoint)
    if p.is_dir():
        from .runfolder import checkpoint_path

        p = checkpoint_path(p)
    return p.with_name(p.name.removesuffix(".safetensors") + f".{kind}.safetensors")


def in_cache(gen, kind: str) -> Path:
    """The fallback when the checkpoint's folder is not writable: the user cache, by the generator's hash."""
    from .data.digits import cache_dir

    return cache_dir() / kind / f"{gen.weights_hash}.{kind}.safetensors"


def find(gen, kind: str) -> Path | None:
    """A loaded checkpoint's file of ``kind``: beside it, else in the cache (None: not made yet)."""
    for p in (beside(gen.path, kind), in_cache(gen, kind)):
        if p.exists() and p.with_suffix(".json").exists():
            return p
    return None
