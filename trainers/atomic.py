"""Atomic file writes: write a temporary file beside the target, then one rename commits it. A crash or an
error mid-write leaves the previous file intact; a kill -9 mid-write can leave a ``.*.tmp`` file, which
``remove_orphans`` tidies away when a run starts again."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable


def _umask() -> int:
    """The process umask, read without changing it where Linux says it (/proc), else set and put back."""
    try:
        for line in open("/proc/self/status"):
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


FILE_MODE = 0o666 & ~_umask()  # what open() gives a new file: every file GAN Studio writes gets the same


def temp_name(path: Path) -> Path:
    """``.<name>.<pid>-<thread>.tmp``: the thread id keeps the background evaluator and the step loop apart."""
    return path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """``write(tmp)`` to a temporary file in the target's folder, then rename it over ``path``. The file gets
    the mode a plain ``open()`` would give it, whatever ``write`` used to create it."""
    path = Path(path)
    tmp = temp_name(path)
    if tmp.is_symlink():  # planted: never write through it
        tmp.unlink()
    try:
        write(tmp)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_text(text))


def remove_orphans(folder: Path) -> list[Path]:
    """Delete the temporary files a killed writer left in ``folder`` (not recursive). Returns them."""
    gone = []
    if Path(folder).is_dir():
        for p in Path(folder).glob(".*.tmp"):
            if p.is_file() or p.is_symlink():  # a link is unlinked, never followed
                p.unlink(missing_ok=True)
                gone.append(p)
    return gone
