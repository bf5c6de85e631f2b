"""A thread that only ever computes the latest request (design.md; napari's status checker, StyleGAN3's
AsyncRenderer), for explorer tools that draw with their own view of a generator (the Resolution and Styles tools).

One slot: a new request overwrites the one waiting, so dragging a slider never queues work; results carry the
request id and the GUI drops older ones. Generators are loaded once per checkpoint file and version, by this
thread, into its own copies (a tool may change one for a view, e.g. StyleGAN's noise, without touching the render
thread's). Only plain data (numpy arrays, strings) crosses back; an error is a message, never an exception into
the GUI."""

from __future__ import annotations

import threading
import traceback
from collections import OrderedDict

from PySide6.QtCore import QThread, Signal


class LatestThread(QThread):
    """Subclasses implement ``compute(request)``; requests have ``checkpoint`` and ``stamp`` attributes."""

    sig_result = Signal(int, object)
    """(request id, what ``compute`` returned)."""
    sig_failed = Signal(int, str)
    """(request id, one line for the explorer's message area)."""

    CACHE = 4  # checkpoints kept loaded
    WHAT = "could not render"  # how a failure message starts

    def __init__(self, parent=None):
        super().__init__(parent)
        self._cond = threading.Condition()
        self._pending: tuple[int, object] | None = None
        self._stop = False
        self._next_id = 0
        self._models: OrderedDict[tuple[str, float], object] = OrderedDict()
        self.computed = 0  # how many requests were carried out (coalescing shows here)

    # -- GUI side -------------------------------------------------------------------------------------------
    def request(self, req) -> int:
        """Queue ``req`` (replacing any request still waiting); returns its id."""
        with self._cond:
            self._next_id += 1
            self._pending = (self._next_id, req)
            self._cond.notify()
            rid = self._next_id
        if not self.isRunning():
            self.start()
        return rid

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
        self.wait()

    # -- worker side ----------------------------------------------------------------------------------------
    def run(self) -> None:  # noqa: D401 - QThread API
        while True:
            with self._cond:
                while self._pending is None and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                rid, req = self._pending
                self._pending = None
            try:
                result = self.compute(req)
            except Exception as exc:  # a message, never an exception into the GUI
                self.sig_failed.emit(rid, self._message(exc))
                continue
            self.computed += 1
            self.sig_result.emit(rid, result)

    def superseded(self) -> bool:
        """A newer request is waiting (a long ``compute`` may give up early)."""
        with self._cond:
            return self._pending is not None or self._stop

    def compute(self, req):
        raise NotImplementedError

    def generator(self, path: str, stamp: float):
        """The checkpoint's generator, loaded once per file version by this thread."""
        from trainers.generator import load_generator

        key = (path, stamp)
        if key not in self._models:
            self._models[key] = load_generator(path)
            while len(self._models) > self.CACHE:
                self._models.popitem(last=False)
        self._models.move_to_end(key)
        return self._models[key]

    def _message(self, exc: Exception) -> str:
        from trainers import GanStudioError

        if isinstance(exc, GanStudioError):
            return str(exc)
        traceback.print_exc()
        return f"{self.WHAT}: {type(exc).__name__}: {exc}"


def pixels(t) -> "np.ndarray":  # noqa: F821
    """The first image of (N, C, H, W) in [-1, 1] as H×W×3 uint8, value for value what
    ``trainers.images.to_uint8_grid(t[:1], 1, padding=0)`` gives (without torchvision, whose first import is not
    safe from two threads at once)."""
    return all_pixels(t[:1])[0]


def all_pixels(t) -> "np.ndarray":  # noqa: F821
    """Every image of (N, C, H, W) in [-1, 1] as (N, H, W, 3) uint8, each as ``pixels`` gives it."""
    import numpy as np
    import torch

    x = t.detach().float().cpu().clamp(-1, 1).add(1).div(2).mul(255).round().to(torch.uint8)
    arr = x.permute(0, 2, 3, 1).numpy()
    return np.ascontiguousarray(np.repeat(arr, 3, axis=3) if arr.shape[3] == 1 else arr)
