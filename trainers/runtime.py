"""Seeding and device choice."""

from __future__ import annotations

import dataclasses
import os
import random
from dataclasses import dataclass

import numpy as np
import torch

from .errors import ConfigError


def seed_everything(seed: int, deterministic: bool = False) -> None:
    """Seed Python, NumPy and torch; ``deterministic`` also asks torch for deterministic kernels (slower on GPU)."""
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)
    torch.manual_seed(seed)
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True


def pick_device(pref: str = "auto") -> torch.device:
    """cuda > mps > cpu for "auto"; an explicit choice that is not available is an error, not a silent fallback."""
    mps = getattr(torch.backends, "mps", None)
    has_mps = bool(mps and mps.is_available())
    if pref == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps") if has_mps else torch.device("cpu")
    if pref.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError(f"--device {pref}: torch sees no CUDA GPU (torch {torch.__version__}); use --device cpu")
        dev = torch.device(pref)
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ConfigError(f"--device {pref}: only {torch.cuda.device_count()} CUDA device(s) visible")
        return dev
    if pref == "mps" and not has_mps:
        raise ConfigError("--device mps: Metal is not available here; use --device cpu")
    return torch.device(pref)


def device_label(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return device.type


@dataclass(frozen=True)
class Speed:
    """How the training step runs on this device (never what it computes, up to rounding).

    ``amp_dtype``: autocast dtype (bf16) or None for full fp32; ``memory_format``: channels_last for conv nets
    (what cuDNN and oneDNN are fastest with); ``compile``: torch.compile the G and D forward passes;
    ``fused``: fused optimizer kernels (CUDA); ``graph``: the whole iteration (D and G updates, optimizer steps
    included) captured once as a CUDA graph and replayed, so a step costs a handful of launches instead of
    hundreds of Python-issued kernels (small GANs are launch-bound on a GPU).
    """

    amp_dtype: torch.dtype | None = None
    memory_format: torch.memory_format = torch.contiguous_format
    compile: bool = False
    fused: bool = False
    graph: bool = False

    @staticmethod
    def choose(cfg, device: torch.device, conv: bool, distributed: bool = False) -> "Speed":
        cuda = device.type == "cuda"
        precision = getattr(cfg, "precision", "auto") or "auto"
        if precision == "bf16":
            if cuda and not torch.cuda.is_bf16_supported():
                raise ConfigError(f"--precision bf16: {torch.cuda.get_device_name(device)} has no bfloat16; "
                                  "use --precision fp32")
            amp = torch.bfloat16
        elif precision == "auto" and cuda and torch.cuda.is_bf16_supported():
            amp = torch.bfloat16
        else:
            amp = None
        compile_pref = getattr(cfg, "compile", "auto") or "auto"
        # double backward (gradient penalty) does not compile, nor do spectral-norm hooks reliably: eager there
        # nor does augmentation (its draws come from the run's own generator, ADA's p changes between steps)
        compilable = (not (cfg.gp_weight > 0) and not _uses_spectral_norm(cfg)
                      and (getattr(cfg, "augment", None) or "none") == "none")
        # the same steps can be captured whole as a CUDA graph, in one process (DDP's gradient hooks and NCCL
        # calls stay outside a graph)
        # (a learning-rate schedule changes lr between steps, which a captured optimizer step would not see)
        use_graph = (cuda and compilable and not distributed
                     and (getattr(cfg, "cuda_graph", "auto") or "auto") == "auto"
                     and (getattr(cfg, "lr_decay", None) or "none") == "none")
        if compile_pref == "on":
            use_compile = compilable
        elif compile_pref == "auto":
            # a replayed graph already removes the launch overhead compile would cut (H100, DCGAN 28 px: 102k
            # vs 107k img/s with both), and compiling costs the first half-minute of a run: auto leaves it off
            use_compile = compilable and cuda and not cfg.deterministic and not use_graph
        else:
            use_compile = False
        # channels_last suits cuDNN and oneDNN; the penalty's double backward hands back plain-layout gradients
        channels_last = conv and device.type in ("cuda", "cpu") and not cfg.gp_weight > 0
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        return Speed(amp, fmt, use_compile, fused=cuda, graph=use_graph)

    def optimizer_options(self, device: torch.device, kind: str = "adam") -> dict:
        if not self.fused or device.type != "cuda":
            return {}
        opts = {"fused": True} if kind == "adam" else {"foreach": True}
        if self.graph:
            opts["capturable"] = True  # step counts and bias corrections on the GPU, so step() can be captured
        return opts

    def without_compile(self) -> "Speed":
        return dataclasses.replace(self, compile=False)

    def without_graph(self) -> "Speed":
        return dataclasses.replace(self, graph=False)

    def describe(self) -> str:
        parts = ["bf16 autocast" if self.amp_dtype == torch.bfloat16 else "fp32"]
        if self.memory_format == torch.channels_last:
            parts.append("channels_last")
        if self.fused:
            parts.append("fused optimizer")
        if self.compile:
            parts.append("torch.compile")
        if self.graph:
            parts.append("CUDA graph")
        return ", ".join(parts)


def _uses_spectral_norm(cfg) -> bool:
    from .registry import FAMILIES

    spec = FAMILIES.get(cfg.model)
    return bool(spec and spec.spectral)
