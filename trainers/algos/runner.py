"""How a training step runs, for any algorithm: DDP wrapping, torch.compile with a fallback, autocast, and the
whole step captured once as a CUDA graph and replayed. None of this changes what a step computes.

An algorithm builds its modules, asks ``runner.wrap(module)`` for what its step should call, writes its step
as a function of a dict of tensors (the real batches and the noise it drew), and calls
``runner.run(step_fn, inputs)``. Draws stay outside that function, so a graphed run consumes randomness
exactly as an eager one does and checkpoints resume either way.
"""

from __future__ import annotations

import contextlib
from typing import Callable

import torch
from torch import nn

from .. import distributed as ddp
from ..runtime import Speed

Stats = dict[str, torch.Tensor]
GRAPH_WARMUP_STEPS = 3  # eager steps before the capture


class Wrapped:
    """A module as the step calls it: DDP-wrapped (gradients averaged over ranks) and compiled when the runner
    says so; the runner drops back to the eager module if compiling fails."""

    def __init__(self, runner: "StepRunner", eager: Callable, compiled: Callable | None):
        self.runner, self.eager, self.compiled = runner, eager, compiled

    def __call__(self, *args, **kwargs):
        fn = self.compiled if self.runner.speed.compile and self.compiled is not None else self.eager
        return fn(*args, **kwargs)


class StepRunner:
    """Runs an algorithm's step function eagerly, compiled, or as a replayed CUDA graph (``Speed``)."""

    def __init__(self, speed: Speed, device: torch.device, dist: ddp.DistInfo | None = None):
        self.device, self.dist = device, dist
        self.speed = speed.without_graph() if speed.graph and dist is not None else speed
        self.note: str | None = None  # a fallback to say once (the loop emits it as a warning)
        self._graph: StepGraph | None = None
        self._warmup = GRAPH_WARMUP_STEPS
        self._compiled_ok = False

    # -- what the algorithm builds with --------------------------------------------------------------------
    def prepare(self, module: nn.Module, channels_last: bool = True) -> nn.Module:
        """Move a module to the device (channels_last for conv nets when the speed choice says so), with
        synchronised BatchNorm under torchrun."""
        if self.dist is not None:
            module = ddp.sync_batchnorm(module, self.dist)
        fmt = self.speed.memory_format if channels_last else torch.contiguous_format
        return module.to(self.device, memory_format=fmt)

    def wrap(self, module: nn.Module, distributed: bool = True, unused: bool = False) -> Wrapped:
        """What the step calls for ``module``: DDP-wrapped when ``distributed`` (a frozen module needs no
        gradient averaging; ``unused``: some of its parameters may sit out a step), compiled when asked."""
        eager = ddp.wrap(module, self.dist, unused) if distributed else module
        return Wrapped(self, eager, torch.compile(eager) if self.speed.compile else None)

    def optimizer_options(self, kind: str = "adam") -> dict:
        return self.speed.optimizer_options(self.device, kind)

    def autocast(self):
        dtype = self.speed.amp_dtype
        if dtype is None:
            return contextlib.nullcontext()
        # a captured graph must not hold autocast's cast-weight cache (its casts would be stale on replay)
        return torch.autocast(self.device.type, dtype=dtype, cache_enabled=not self.speed.graph)

    # -- running a step ------------------------------------------------------------------------------------
    def run(self, step: Callable[[dict[str, torch.Tensor]], Stats], inputs: dict[str, torch.Tensor]) -> Stats:
        """``step(inputs)`` → stats, as fast as this device allows."""
        if self.speed.graph:
            return self._graphed(step, inputs)
        return self._eager(step, inputs)

    def forget_graph(self) -> None:
        """Weights and optimizer state were replaced (a checkpoint reloaded): capture again at the next step."""
        self._graph = None

    def _eager(self, step, inputs) -> Stats:
        if self.speed.compile and not self._compiled_ok:
            try:
                stats = step(inputs)
            except Exception as exc:  # noqa: BLE001 - any compiler failure: fall back to eager, say so once
                self.speed = self.speed.without_compile()
                self.note = _failed("torch.compile", exc)
                return step(inputs)
            self._compiled_ok = True
            return stats
        return step(inputs)

    def _graphed(self, step, inputs) -> Stats:
        """The first steps run eagerly on a side stream (optimizer state, cuDNN plans, compilation); then the
        step is captured once and every later step is: copy the inputs in, replay."""
        if self._graph is not None:
            return self._graph.run(inputs)
        if self._warmup > 0:
            self._warmup -= 1
            side = torch.cuda.Stream(self.device)
            side.wait_stream(torch.cuda.current_stream(self.device))
            with torch.cuda.stream(side):
                stats = self._eager(step, inputs)
            torch.cuda.current_stream(self.device).wait_stream(side)
            return stats
        try:
            self._graph = StepGraph(step, inputs, self.device)
        except Exception as exc:  # noqa: BLE001 - a capture that breaks costs one warning, not the run
            self._graph = None
            self.speed = self.speed.without_graph()
            self.note = _failed("CUDA graph capture", exc)
            return self._eager(step, inputs)
        return self._graph.run(inputs)


class StepGraph:
    """One step captured as a CUDA graph, with the static buffers it reads its inputs from.

    Everything the step does on the GPU (forward and backward passes, the losses, fused optimizer steps,
    weight clipping, the stats) is recorded once and replayed; per step the host only copies the new inputs
    into the buffers, replays, and copies the stats out. Parameters and optimizer state must keep their
    storage: reloading a checkpoint calls ``StepRunner.forget_graph``.
    """

    def __init__(self, step: Callable[[dict[str, torch.Tensor]], Stats], inputs: dict[str, torch.Tensor],
                 device: torch.device):
        self.inputs = {k: v.clone() for k, v in inputs.items()}
        torch.cuda.synchronize(device)
        self.graph = torch.cuda.CUDAGraph()
        # thread-local: the app's evaluation thread may use the GPU while this thread captures
        with torch.cuda.graph(self.graph, capture_error_mode="thread_local"):
            stats = step(self.inputs)
            self.keys = list(stats)
            self.packed = torch.stack([stats[k].float() for k in self.keys])

    def run(self, inputs: dict[str, torch.Tensor]) -> Stats:
        for k, v in inputs.items():
            self.inputs[k].copy_(v)
        self.graph.replay()
        return dict(zip(self.keys, self.packed.clone().unbind()))


def _failed(what: str, exc: BaseException) -> str:
    return f"{what} failed ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); training goes on without it"
