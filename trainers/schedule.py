"""Values that follow the training step: learning-rate decay, fade-ins (ProGAN's α), warm-ups.

A ``Schedule`` is piecewise linear through (step, value) points and constant outside them. Algorithms get the
step number in ``train_step(batches, step)`` and read their own schedules; the loop applies the run's
learning-rate schedule (``--lr-decay``: linear, or R3GAN's ``anneal``) before each step. Both depend on the step
alone, so a resumed run continues bit for bit.
"""

from __future__ import annotations

import bisect
import math
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

    def apply(self, algo, step: int) -> None:
        """Before step ``step + 1``: the learning rates at this schedule's factor."""
        apply_lr(algo.optimizers, self(step))


# R3GAN's official schedulers (brownvc/R3GAN, train.py) take each of these from its start value to its end value on
# a half cosine: lr 2e-4 → 5e-5, γ of R1/R2 0.05 → 0.005, Adam β2 0.9 → 0.99, over the first 20M images
ANNEAL_LR, ANNEAL_GAMMA, ANNEAL_BETA2 = 0.25, 0.1, 0.99


@dataclass(frozen=True)
class Anneal:
    """``--lr-decay anneal``: R3GAN's annealing on the same half cosine from step ``start`` to ``end`` (the run's
    --decay-start and --steps, where the official spreads it over 20M images): the learning rates to ¼ of theirs,
    the zero-centred penalties' γ (--r1, --r2) to 1/10 and Adam's β2 up to 0.99; constant before and after."""
    start: int
    end: int

    def weight(self, step: int) -> float:
        """1 until ``start``, 0 from ``end`` on, ½(1 + cos πt) between."""
        t = min(max((step - self.start) / max(self.end - self.start, 1), 0.0), 1.0)
        return 0.5 * (1.0 + math.cos(math.pi * t))

    def __call__(self, step: int) -> float:
        """The learning-rate factor."""
        return ANNEAL_LR + (1.0 - ANNEAL_LR) * self.weight(step)

    def gamma(self, step: int) -> float:
        """The factor on γ of R1 and R2."""
        return ANNEAL_GAMMA + (1.0 - ANNEAL_GAMMA) * self.weight(step)

    def apply(self, algo, step: int) -> None:
        """Before step ``step + 1``: lr, β2 and the penalties' γ (``algo.penalty_scale``) where the anneal has them
        (a β2 already above 0.99 is kept)."""
        w = self.weight(step)
        apply_lr(algo.optimizers, self(step))
        for opt in algo.optimizers.values():
            for group in opt.param_groups:
                if "betas" in group:
                    b2 = group.setdefault("initial_beta2", group["betas"][1])
                    top = max(b2, ANNEAL_BETA2)
                    group["betas"] = (group["betas"][0], top + (b2 - top) * w)
        algo.penalty_scale = self.gamma(step)


def lr_schedule(cfg) -> Schedule | Anneal | None:
    """The learning-rate schedule a config asks for (None: constant): with ``--lr-decay linear``, 1 until
    ``decay_start``, then linearly to 0 at ``steps``; with ``anneal``, R3GAN's annealing over the same span."""
    kind = getattr(cfg, "lr_decay", None) or "none"
    if kind == "linear":
        return Schedule.linear_decay(cfg.steps, knee=getattr(cfg, "decay_start", None))
    if kind == "anneal":
        start = getattr(cfg, "decay_start", None)
        return Anneal(cfg.steps // 2 if start is None else start, cfg.steps)
    return None


def schedule_notes(cfg, step: int = 0, steps_before: int | None = None) -> list[str]:
    """One line for each way the run's schedule is not what its numbers suggest: a linear decay that starts after
    the run ends, and a resumed run whose extra steps stretch a decay already under way (``steps_before``: the
    --steps the run had)."""
    notes = []
    if getattr(cfg, "pretrain_steps", None) is not None and cfg.pretrain_steps >= cfg.steps:
        notes.append(f"all {cfg.steps:,} steps are pre-training (pixel MSE): the adversarial phase starts after step "
                     f"{cfg.pretrain_steps:,} (--pretrain-steps)")
    kind = getattr(cfg, "lr_decay", None) or "none"
    if kind in ("linear", "anneal") and cfg.decay_start is not None:
        name = "linear decay" if kind == "linear" else "anneal"
        if cfg.decay_start >= cfg.steps:
            notes.append(f"the learning rates stay constant: the {name} starts after step {cfg.decay_start:,} "
                         f"(--decay-start), and this run ends at {cfg.steps:,}")
        elif steps_before is not None and steps_before != cfg.steps and step > cfg.decay_start:
            notes.append(f"the {name} now ends at step {cfg.steps:,}, not {steps_before:,}: the learning rates "
                         f"fall more slowly from step {step:,} on than in the run so far")
    return notes


def apply_lr(optimizers: dict[str, torch.optim.Optimizer], factor: float) -> None:
    """lr = initial lr × ``factor`` in every parameter group (the initial lr is kept in the group)."""
    for opt in optimizers.values():
        for group in opt.param_groups:
            group.setdefault("initial_lr", group["lr"])
            group["lr"] = group["initial_lr"] * factor
