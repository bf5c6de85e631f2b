"""The render thread: turns the latest latent request into pixels, off the GUI thread.

One "latest request" slot (design.md, StyleGAN3's AsyncRenderer): a new request overwrites the one
waiting, identical requests are skipped, and every result carries its request id so the view drops stale
ones. Generators are loaded once per checkpoint file (and reloaded when the file changes)."""

from __future__ import annotations

import os
import threading
import traceback
from dataclasses import dataclass, field

from PySide6.QtCore import QThread, Signal


@dataclass(frozen=True)
class RenderRequest:
    checkpoint: str
    n: int = 64
    seed: int = 0
    label: int | None = None
    codes: tuple[tuple[str, float], ...] = field(default_factory=tuple)
    stamp: float = 0.0  # the checkpoint file's mtime: a rewritten last.safetensors is a new request


class RenderThread(QThread):
    sig_rendered = Signal(int, object, dict)
    """(request id, HxWx3 uint8 image, info about the checkpoint: family, step, classes, codes, dataset)."""
    sig_failed = Signal(int, str)
    """(request id, message for the user)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._cond = threading.Condition()
        self._pending: tuple[int, RenderRequest] | None = None
        self._last: RenderRequest | None = None
        self._stop = False
        self._next_id = 0
        self._cache: dict[str, tuple[float, object]] = {}
        self.renders = 0  # how many renders actually ran (coalescing shows here)

    def request(self, req: RenderRequest) -> int:
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

    def run(self) -> None:  # noqa: D401 - QThread API
        while True:
            with self._cond:
                while self._pending is None and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                rid, req = self._pending
                self._pending = None
            if req == self._last:
                continue
            try:
                image, info = self._render(req)
            except Exception as exc:  # a message, never an exception into the GUI
                from trainers import GanStudioError

                text = str(exc) if isinstance(exc, GanStudioError) else f"could not render: {exc}"
                if not isinstance(exc, GanStudioError):
                    traceback.print_exc()
                self._last = None
                self.sig_failed.emit(rid, text)
                continue
            self._last = req
            self.renders += 1
            self.sig_rendered.emit(rid, image, info)

    def _load(self, path: str):
        from trainers.generator import load_generator

        mtime = os.stat(path).st_mtime if os.path.exists(path) else 0.0
        hit = self._cache.get(path)
        if hit is not None and hit[0] == mtime:
            return hit[1]
        gen = load_generator(path)
        self._cache = {path: (mtime, gen)}  # one at a time: bounded memory
        return gen

    def _render(self, req: RenderRequest):
        import math

        from trainers.generator import describe
        from trainers.images import scatter_image, to_uint8_grid

        gen = self._load(req.checkpoint)
        info = describe(gen.meta)
        latent = gen.latent(req.n, seed=req.seed, label=req.label, codes=dict(req.codes))
        fake = gen.render(latent)
        if info["kind"] == "image":
            image = to_uint8_grid(fake, int(math.ceil(math.sqrt(req.n))))
        else:
            image = scatter_image(fake.numpy())
        return image, info
