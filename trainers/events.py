"""Events the training loop yields and commands it accepts. Plain data only: no tensors, modules or Qt."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np


class Command(str, Enum):
    """Send one of these into a running ``train()`` generator (``run.send(Command.PAUSE)``)."""

    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"  # writes a final checkpoint, then Finished
    STEP_D = "step_d"  # while paused: one discriminator update
    STEP_G = "step_g"  # while paused: one generator update (advances the step)
    STEP_D_A = "step_d_a"  # while paused, a two-domain family: one update of D_A alone
    STEP_D_B = "step_d_b"  # ... of D_B alone
    SAVE = "save"  # write a checkpoint now


@dataclass(frozen=True)
class RunStarted:
    run_dir: str
    step: int
    total_steps: int
    device: str
    model: str
    dataset: str
    resumed: bool
    config: dict


@dataclass(frozen=True)
class Stats:
    """Averages over one logging window (about ``log_window_s``): losses, D(x), D(G(z)), img/s, ..."""

    step: int
    time: float  # seconds of training so far (across resumes)
    values: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class SampleGrid:
    step: int
    image: np.ndarray  # (H, W, 3) uint8
    path: str


@dataclass(frozen=True)
class CheckpointSaved:
    step: int
    path: str
    kinds: tuple[str, ...]  # subset of ("last", "step", "best")


@dataclass(frozen=True)
class Message:
    level: str  # "info" | "warning" | "error"
    text: str
    step: int


@dataclass(frozen=True)
class Paused:
    step: int
    reason: str  # "user" | "nan" | "oom"


@dataclass(frozen=True)
class Resumed:
    step: int


@dataclass(frozen=True)
class Idle:
    """Yielded about every 50 ms while paused, so a consumer keeps control (and can send commands)."""

    step: int


@dataclass(frozen=True)
class EvalScores:
    """Domain scores of the generator at ``step`` (computed in the background, so ``step`` may be behind)."""

    step: int
    values: dict[str, float]  # the eval_* numbers of metrics.jsonl
    path: str  # the full result (protocol, classifier, per-class detail) as JSON
    best: bool  # this step became the `best` checkpoint


@dataclass(frozen=True)
class Finished:
    step: int
    reason: str  # "completed" | "stopped" | "failed"
    checkpoint: str | None


Event = (RunStarted | Stats | SampleGrid | CheckpointSaved | EvalScores | Message | Paused | Resumed | Idle
         | Finished)
