"""An exponential moving average of a network's weights (Karras et al. 2018; Yazıcı et al. 2019).

θ_ema ← β·θ_ema + (1 − β)·θ after every training step; buffers (BatchNorm statistics) are copied. In the first
steps β warms up as min(β, (1 + t)/(10 + t)) at step t (TensorFlow's ``num_updates`` rule), so the average
follows G from the start instead of holding the random initial weights for the first thousand steps (BigGAN
starts its average late for the same reason). Families
that sample from the average (StyleGAN, BigGAN, SAGAN's option) get it with ``AlgorithmBase.keep_ema`` and
``--ema β``: rendering, evaluation and exported generators then use the average, checkpoints carry it as
``G_ema``, and ``ganstudio sample`` loads it in place of G.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


class EMA:
    def __init__(self, module: nn.Module, decay: float):
        if not 0 < decay < 1:
            raise ValueError(f"EMA decay must be in (0, 1), got {decay}")
        self.source = module
        self.decay = decay
        self.module = copy.deepcopy(module).eval().requires_grad_(False)

    def decay_at(self, step: int | None) -> float:
        """β at training step ``step`` (0-based): warmed up early on; None (a manual step): β itself."""
        if step is None:
            return self.decay
        return min(self.decay, (1 + step) / (10 + step))

    @torch.no_grad()
    def update(self, step: int | None = None) -> None:
        src = [p.detach() for p in self.source.parameters()]
        dst = list(self.module.parameters())
        torch._foreach_lerp_(dst, src, 1.0 - self.decay_at(step))  # θ_ema + (1 − β)(θ − θ_ema)
        for b_ema, b in zip(self.module.buffers(), self.source.buffers()):
            b_ema.copy_(b)
