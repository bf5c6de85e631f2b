"""Atomic file writes: write a temporary file beside the target, then one rename commits it. A crash or an
error mid-write leaves the previous file intact and no temporary file behind."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """``write(tmp)`` to ``.<name>.<pid>-<thread>.tmp`` in the target's folder, then rename it over ``path``.
    The thread id keeps the background evaluator and the step loop from sharing a temporary file."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_text(text))
