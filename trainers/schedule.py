"""Values that follow the training step: learning-rate decay, fade-ins (ProGAN's α), warm-ups.

A ``Schedule`` is piecewise linear through (step, value) points and constant outside them. Algorithms get the
step number in ``train_step(batches, step)`` and read their own schedules; the loop applies the run's
learning-rate schedule (``--lr-decay``) to every optimizer before each step. Both depend on the step alone, so
a resumed run continues bit for bit.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Schedule:
    points: tuple[tuple[int, float], ...]

    def __post_init__(self) -> None:
        steps = [s for s, _ in self.points]
        if not self.points or steps != sorted(steps):
            raise ValueError(f"a schedule needs (step, value) points in step order, got {self.points}")

    def __call__(self, step: int) -> float:
        steps = [s for s, _ in self.points]
        i = bisect.bisect_right(steps, step)
        if i == 0:
            return self.points[0][1]
        if i == len(self.points):
            return self.points[-1][1]
        (s0, v0), (s1, v1) = self.points[i - 1], self.points[i]
        return v0 + (v1 - v0) * (step - s0) / (s1 - s0)

    @classmethod
    def constant(cls, value: float = 1.0) -> "Schedule":
        return cls(((0, value),))

    @classmethod
    def linear_decay(cls, total_steps: int, start: float = 0.5, knee: int | None = None) -> "Schedule":
        """1 until step ``knee`` (default: the ``start`` fraction of the run), then linearly to 0 at ``total_steps``
        (CycleGAN, pix2pix)."""
        knee = int(total_steps * start) if knee is None else knee
        return cls(((0, 1.0), (knee, 1.0), (max(total_steps, knee + 1), 0.0)))


def lr_schedule(cfg) -> Schedule | None:
    """The learning-rate factor schedule a config asks for (None: constant): with ``--lr-decay linear``, 1 until
    ``decay_start``, then linearly to 0 at ``steps``."""
    if (getattr(cfg, "lr_decay", None) or "none") == "linear":
        return Schedule.linear_decay(cfg.steps, knee=getattr(cfg, "decay_start", None))
    return None


def schedule_notes(cfg, step: int = 0, steps_before: int | None = None) -> list[str]:
    """One line for each way the run's schedule is not what its numbers suggest: a linear decay that starts after
    the run ends, and a resumed run whose extra steps stretch a decay already under way (``steps_before``: the
    --steps the run had)."""
    notes = []
    if getattr(cfg, "pretrain_steps", None) is not None and cfg.pretrain_steps >= cfg.steps:
        notes.append(f"all {cfg.steps:,} steps are pre-training (pixel MSE): the adversarial phase starts after step "
                     f"{cfg.pretrain_steps:,} (--pretrain-steps)")
    if (getattr(cfg, "lr_decay", None) or "none") == "linear" and cfg.decay_start is not None:
        if cfg.decay_start >= cfg.steps:
            notes.append(f"the learning rates stay constant: the linear decay starts after step {cfg.decay_start:,} "
                         f"(--decay-start), and this run ends at {cfg.steps:,}")
        elif steps_before is not None and steps_before != cfg.steps and step > cfg.decay_start:
            notes.append(f"the linear decay now ends at step {cfg.steps:,}, not {steps_before:,}: the learning rates "
                         f"fall more slowly from step {step:,} on than in the run so far")
    return notes


def apply_lr(optimizers: dict[str, torch.optim.Optimizer], factor: float) -> None:
    """lr = initial lr × ``factor`` in every parameter group (the initial lr is kept in the group)."""
    for opt in optimizers.values():
        for group in opt.param_groups:
            group.setdefault("initial_lr", group["lr"])
            group["lr"] = group["initial_lr"] * factor
