"""Seeding and device choice."""

from __future__ import annotations

import os
import random

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
