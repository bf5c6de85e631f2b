"""Evaluation during training, off the hot path: generator snapshots are scored in a worker thread.

The training loop hands over a frozen copy of G (``submit``) and keeps stepping; results come back through
``poll`` at the loop's next yield. One job at a time: a snapshot that arrives while the previous one is
still being scored is declined (the loop says so), so evaluation can never pile up behind training.
The first job also prepares the dataset's feature classifier (from the cache, or trained once).
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from ..data.base import ArrayData
from .evaluate import Evaluator, Protocol


@dataclass
class EvalDone:
    step: int
    result: dict | None  # the full evaluate() result, or None when it failed
    error: str | None
    candidate: Path | None  # the checkpoint file of that step, kept until the loop decides about `best`
    seconds: float


class BackgroundEvaluator:
    def __init__(self, data: ArrayData, protocol: Protocol, device: torch.device):
        self._data, self._protocol, self._device = data, protocol, device
        self._jobs: queue.Queue = queue.Queue()
        self._done: queue.Queue = queue.Queue()
        self._idle = threading.Event()
        self._idle.set()
        self._ready = threading.Event()  # the classifier and the real reference are prepared
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._work, name="ganstudio-eval", daemon=True)
        self._thread.start()

    @property
    def busy(self) -> bool:
        return not self._idle.is_set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def submit(self, step: int, gen, candidate: Path | None) -> bool:
        """Queue ``gen`` (a frozen LoadedGenerator) for scoring; False (nothing queued) while one is running."""
        if not self._idle.is_set():
            return False
        self._idle.clear()
        self._jobs.put((step, gen, candidate))
        return True

    def poll(self) -> list[EvalDone]:
        out = []
        while True:
            try:
                out.append(self._done.get_nowait())
            except queue.Empty:
                return out

    def wait(self, timeout: float | None = None) -> list[EvalDone]:
        """Block until the running job (if any) is finished, then return what is done."""
        self._idle.wait(timeout)
        return self.poll()

    def close(self, timeout: float = 10.0) -> None:
        """Stop the worker thread: a running job is abandoned at its next progress point (within a second)."""
        self._cancel.set()
        self._jobs.put(None)
        self._thread.join(timeout)

    def _work(self) -> None:
        evaluator: Evaluator | None = None
        while True:
            job = self._jobs.get()
            if job is None:
                return
            step, gen, candidate = job
            t0 = time.perf_counter()
            try:  # not under no_grad: the first job may train the classifier (its own passes are no_grad)
                if evaluator is None:
                    evaluator = Evaluator(self._data, self._protocol, self._device, self._check)
                    evaluator.reference  # noqa: B018 (embed the real halves now, once)
                    self._ready.set()
                result = evaluator(gen)
                done = EvalDone(step, result, None, candidate, time.perf_counter() - t0)
            except _Cancelled:
                return
            except Exception as exc:  # reported to the user by the loop; training goes on
                done = EvalDone(step, None, f"{type(exc).__name__}: {exc}", candidate, time.perf_counter() - t0)
            self._done.put(done)
            self._idle.set()

    def _check(self, stage: str, done: int, total: int) -> None:
        if self._cancel.is_set():
            raise _Cancelled


class _Cancelled(Exception):
    pass
