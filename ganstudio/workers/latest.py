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


class LatestSlot:
    """The one request a latest-request thread has waiting (thread-safe). ``put`` from the GUI overwrites it and
    returns the new request's id; the worker ``take``s it, or, with a reason of its own to wake (the Enhance
    tool's held-out pool), waits on ``cond`` with ``wait(also)`` and ``pop``s. The render thread, Enhance and the
    tools' own threads (``LatestThread``: Resolution, Styles) all keep their requests here: written once."""

    def __init__(self):
        self.cond = threading.Condition()  # an RLock inside: ``waiting`` may be asked while holding it
        self._pending: tuple[int, object] | None = None
        self._next_id = 0
        self.stopped = False

    def put(self, req) -> int:
        """Make ``req`` the waiting request (replacing any); its id."""
        with self.cond:
            self._next_id += 1
            self._pending = (self._next_id, req)
            self.cond.notify()
            return self._next_id

    def stop(self) -> None:
        with self.cond:
            self.stopped = True
            self.cond.notify()

    def wake(self) -> None:
        """Wake the worker for a reason of its own (its ``also`` in ``wait`` now holds)."""
        with self.cond:
            self.cond.notify()

    def wait(self, also=lambda: False) -> bool:
        """Inside ``with slot.cond``: block until a request waits, ``also()`` holds or the slot stops; False on
        stop."""
        self.cond.wait_for(lambda: self._pending is not None or self.stopped or also())
        return not self.stopped

    def pop(self) -> tuple[int, object] | None:
        """Inside ``with slot.cond``: the waiting (id, request), now taken; None when there is none."""
        pending, self._pending = self._pending, None
        return pending

    def take(self) -> tuple[int, object] | None:
        """Block until a request waits and take it; None once the slot is stopped."""
        with self.cond:
            return self.pop() if self.wait() else None

    @property
    def waiting(self) -> bool:
        """A newer request waits, or the slot stopped: a long job may give up early."""
        with self.cond:
            return self._pending is not None or self.stopped


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
        self._slot = LatestSlot()
        self._models: OrderedDict[tuple[str, float], object] = OrderedDict()
        self.computed = 0  # how many requests were carried out (coalescing shows here)

    # -- GUI side -------------------------------------------------------------------------------------------
    def request(self, req) -> int:
        """Queue ``req`` (replacing any request still waiting); returns its id."""
        rid = self._slot.put(req)
        if not self.isRunning():
            self.start()
        return rid

    def stop(self) -> None:
        self._slot.stop()
        self.wait()

    # -- worker side ----------------------------------------------------------------------------------------
    def run(self) -> None:  # noqa: D401 - QThread API
        while (taken := self._slot.take()) is not None:
            rid, req = taken
            try:
                result = self.compute(req)
            except Exception as exc:  # a message, never an exception into the GUI
                self.sig_failed.emit(rid, self._message(exc))
                continue
            self.computed += 1
            self.sig_result.emit(rid, result)

    def superseded(self) -> bool:
        """A newer request is waiting (a long ``compute`` may give up early)."""
        return self._slot.waiting

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
