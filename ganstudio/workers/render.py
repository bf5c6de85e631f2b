"""The render thread: turns the latest explorer request into pixels, off the GUI thread.

One "latest request" slot (design.md, StyleGAN3's AsyncRenderer, napari's status checker): a new request
overwrites the one waiting, so dragging a slider never queues renders. A request names a checkpoint and an
ordered list of outputs (the sample shown large first, then the panel's grid); the thread renders them in
order, skips any output identical to the one it last sent, and abandons the rest of a request as soon as a
newer one is waiting. Results carry the request id. Generators are loaded once per file (a few kept, for the
checkpoint strip) and reloaded when the file changes on disk (a run still training rewrites last).
"""

from __future__ import annotations

import functools
import os
import traceback
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

import numpy as np
from PySide6.QtCore import QThread, Signal

from .latest import LatestSlot


@dataclass(frozen=True)
class Output:
    """One picture to make: generator input vectors (as bytes, so comparing two requests is cheap) laid out
    as a grid of ``cols`` columns, or as separate frames when ``cols`` is 0. With ``checkpoints`` the same
    inputs are rendered by each of those generators instead of the request's."""

    name: str
    data: bytes
    n: int
    dim: int
    cols: int = 1
    pad: int = 2
    checkpoints: tuple[tuple[str, float], ...] = ()
    kind: str = "grid"  # "attention": the first input's sample and self-attention maps (workers/attention.py);
    # "translate" / "realness" / "cycle": the inputs are flat images G translates (workers/translate.py);
    # "pair": the first input's A | B pair of a generator that draws both domains (CoGAN, workers/pairs.py)

    @classmethod
    def of(cls, name: str, inputs: np.ndarray, cols: int = 1, pad: int = 2,
           checkpoints: tuple[tuple[str, float], ...] = (), kind: str = "grid") -> "Output":
        arr = np.ascontiguousarray(np.atleast_2d(inputs), dtype=np.float32)
        return cls(name, arr.tobytes(), arr.shape[0], arr.shape[1], cols, pad, tuple(checkpoints), kind)

    def inputs(self) -> np.ndarray:
        return np.frombuffer(self.data, dtype=np.float32).reshape(self.n, self.dim)


@dataclass(frozen=True)
class RenderRequest:
    checkpoint: str
    stamp: float = 0.0  # the file's mtime: a rewritten last.safetensors is a new request
    outputs: tuple[Output, ...] = ()


def file_stamp(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


@dataclass(frozen=True)
class RenderKind:
    """An output kind drawn by a function of its own rather than G on flat latents: ``fits(gen, dim)`` says whether
    an output built for another model still applies, ``render(gen, kind, inputs)`` draws it (plain data back; with
    ``images``, float images (N, C, S, S) in [-1, 1] that are laid out as G's would be)."""

    fits: Callable
    render: Callable
    images: bool = False


@functools.cache  # built once: the render thread looks a kind up for every output of every request
def render_kinds() -> dict[str, RenderKind]:
    """Output kind → how it is drawn: the table the render thread looks kinds up in (the rest: G on latents)."""
    from . import attention, pairs, translate, wplus

    table = {k: RenderKind(translate.fits, translate.render) for k in translate.KINDS}
    table[pairs.KIND] = RenderKind(pairs.fits, lambda gen, kind, x: pairs.pair_image(gen, x))
    table[wplus.KIND] = RenderKind(wplus.fits, wplus.images, images=True)
    table["attention"] = RenderKind(lambda gen, dim: dim == gen.layout.in_dim and not getattr(gen, "translates", False),
                                    lambda gen, kind, x: attention.attention_result(gen, x))
    return table


class _Superseded(Exception):
    """A newer request arrived while a big output was half drawn."""


class RenderThread(QThread):
    sig_model = Signal(int, dict)
    """(request id, info): the request's checkpoint was loaded and differs from the last one announced.
    info = ``trainers.generator.describe()`` plus hash, lineage, checkpoint and GANSpace directions."""
    sig_rendered = Signal(int, str, object, dict)
    """(request id, output name, HxWx3 uint8 image — or NxHxWx3 frames when the output has cols=0, or an
    ``AttentionResult`` of numpy arrays for kind "attention", a ``RealnessResult`` for kind "realness", a
    ``CycleResult`` for kind "cycle" — info)."""
    sig_failed = Signal(int, str)
    """(request id, message for the user)."""
    sig_done = Signal(int)
    """(request id): everything this request needed has been sent (or it failed)."""

    CACHE = 24  # generators kept in memory (the checkpoint strip renders one latent on each)
    CHUNK = 16  # samples per forward pass: a newer request waits at most one chunk (~2-4 ms on a CPU)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._slot = LatestSlot()
        self._cache: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self._announced: tuple | None = None
        self._done: dict[str, tuple] = {}
        self.renders = 0  # how many outputs were actually rendered (coalescing shows here)
        self.last_request: RenderRequest | None = None  # the newest request carried out to the end

    # -- GUI side -------------------------------------------------------------------------------------------
    def request(self, req: RenderRequest) -> int:
        """Queue ``req`` (replacing any request still waiting); returns its id."""
        rid = self._slot.put(req)
        if not self.isRunning():
            self.start()
        return rid

    def forget(self) -> None:
        """Send everything again (the view was reset): the next request announces its model and renders all."""
        with self._slot.cond:
            self._announced = None
            self._done = {}

    @property
    def busy(self) -> bool:
        return self._slot.waiting and not self._slot.stopped

    def stop(self) -> None:
        self._slot.stop()
        self.wait()

    # -- render side ----------------------------------------------------------------------------------------
    def run(self) -> None:  # noqa: D401 - QThread API
        while (taken := self._slot.take()) is not None:
            rid, req = taken
            if self._carry_out(rid, req):
                self.sig_done.emit(rid)

    def _carry_out(self, rid: int, req: RenderRequest) -> bool:
        """Render what ``req`` needs; False when a newer request cut it short."""
        try:
            gen = self._load(req.checkpoint)
            info = self._info(gen)
        except Exception as exc:  # a message, never an exception into the GUI
            self._announced = None
            self.sig_failed.emit(rid, self._message(exc))
            return True
        key = (req.checkpoint, req.stamp, info["hash"])
        if key != self._announced:
            self._announced = key
            self._done = {}
            self.sig_model.emit(rid, info)
        for out in req.outputs:
            if self._slot.waiting:
                return False  # a newer request is waiting: it decides what is still worth drawing
            done_key = (key, out)
            if self._done.get(out.name) == done_key:
                continue
            if not self._fits(gen, out):
                continue  # built for the previous model; the view rebuilds on sig_model
            try:
                image = self._render(gen, info, out)
            except _Superseded:
                return False
            except Exception as exc:
                self._done.pop(out.name, None)
                self.sig_failed.emit(rid, self._message(exc))
                continue
            self._done[out.name] = done_key
            self.renders += 1
            self.sig_rendered.emit(rid, out.name, image, info)
        self.last_request = req
        return True

    @staticmethod
    def _fits(gen, out: Output) -> bool:
        kind = render_kinds().get(out.kind)
        if kind is not None:
            return kind.fits(gen, out.dim)
        return out.dim == gen.layout.in_dim and not getattr(gen, "translates", False)

    def _check_superseded(self) -> None:
        if self._slot.waiting:
            raise _Superseded

    @staticmethod
    def _message(exc: Exception) -> str:
        from trainers import GanStudioError

        if isinstance(exc, GanStudioError):
            return str(exc)
        traceback.print_exc()
        return f"could not render: {exc}"

    def _load(self, path: str):
        from trainers.generator import load_generator

        mtime = file_stamp(path)
        hit = self._cache.get(path)
        if hit is not None and hit[0] == mtime:
            self._cache.move_to_end(path)
            return hit[1]
        gen = load_generator(path)
        self._cache[path] = (mtime, gen)
        while len(self._cache) > self.CACHE:
            self._cache.popitem(last=False)
        return gen

    def _info(self, gen) -> dict:
        cached = getattr(gen, "_explorer_info", None)
        if cached is None:
            from trainers.generator import describe

            from .pairs import draws_pairs

            cached = describe(gen.meta)
            noise = not getattr(gen, "translates", False)  # GANSpace directions live in z; a translator has none
            model = gen.meta.get("model", {})
            cached.update(pairs=draws_pairs(gen), domains=[d for d in (model.get("task"), model.get("task_b")) if d],
                          hash=gen.weights_hash, lineage=gen.lineage, checkpoint=str(gen.path),
                          class_names=list(gen.meta.get("data", {}).get("class_names", [])),
                          directions=gen.directions if noise and cached["kind"] == "image" else None,
                          generator_only=bool(gen.meta.get("generator_only")))
            gen._explorer_info = cached
        return cached

    def _render(self, gen, info: dict, out: Output):
        import torch

        from trainers.images import scatter_image, to_uint8_grid

        x = out.inputs()
        kind = render_kinds().get(out.kind)
        if kind is not None and not kind.images:
            return kind.render(gen, out.kind, x)
        parts = []
        if out.checkpoints and kind is None:
            for path, _ in out.checkpoints:
                self._check_superseded()
                parts.append(self._load(path).render_inputs(x))
        else:
            draw = gen.render_inputs if kind is None else functools.partial(kind.render, gen, out.kind)
            for i in range(0, len(x), self.CHUNK):  # a big grid yields to a newer request between chunks
                if i:
                    self._check_superseded()
                parts.append(draw(x[i:i + self.CHUNK]))
        fake = torch.cat(parts, 0)
        if info["kind"] != "image":
            return scatter_image(fake.numpy())
        if out.cols == 0:
            frames = fake.clamp(-1, 1).add(1).mul(127.5).round().to(torch.uint8)
            frames = frames.permute(0, 2, 3, 1).numpy()
            if frames.shape[-1] == 1:
                frames = np.repeat(frames, 3, axis=-1)
            return np.ascontiguousarray(frames)
        return to_uint8_grid(fake, max(1, out.cols), padding=out.pad)
