"""The run folder: config.json, metrics.jsonl, samples/step_XXXXXXX.png, checkpoints/ (see design.md)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np

from .atomic import atomic_write_text
from .errors import ConfigError


def step_name(step: int) -> str:
    return f"step_{step:07d}"


class RunWriter:
    """Appends to a run folder; never rewrites what a watcher might be reading except on resume."""

    def __init__(self, run_dir: str | Path, tensorboard: bool = False, enabled: bool = True):
        self.dir = Path(run_dir).expanduser()
        self.enabled = enabled  # False on the ranks of a multi-process run other than 0: they write nothing
        self.metrics_path = self.dir / "metrics.jsonl"
        self._metrics = None
        self._tb = None
        self.tb_missing = False
        if not enabled:
            return
        try:
            for sub in ("", "samples", "checkpoints"):
                (self.dir / sub).mkdir(parents=True, exist_ok=True)
            probe = self.dir / f".write-test-{os.getpid()}"
            probe.write_text("ok")
            probe.unlink()
        except OSError as exc:
            raise ConfigError(f"cannot write the run folder {self.dir} ({exc.strerror or exc}); choose another --out")
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:
                self.tb_missing = True
            else:
                self._tb = SummaryWriter(str(self.dir / "tensorboard"))
        self.tb_missing = tensorboard and self._tb is None

    @property
    def checkpoints(self) -> Path:
        return self.dir / "checkpoints"

    def write_config(self, config: dict, extra: dict) -> None:
        if not self.enabled:
            return
        atomic_write_text(self.dir / "config.json", json.dumps({**config, **extra}, indent=1, sort_keys=True))

    def truncate_metrics(self, last_step: int) -> None:
        """On resume: drop lines past the checkpoint's step so the curve has no duplicate tail."""
        if not self.enabled or not self.metrics_path.exists():
            return
        keep = []
        for line in self.metrics_path.read_text().splitlines():
            try:
                if json.loads(line).get("step", 0) <= last_step:
                    keep.append(line)
            except json.JSONDecodeError:
                continue
        atomic_write_text(self.metrics_path, "".join(k + "\n" for k in keep))

    def log_metrics(self, record: dict) -> None:
        if not self.enabled:
            return
        if self._metrics is None:
            self._metrics = open(self.metrics_path, "a", buffering=1)
        clean = {k: (v if not isinstance(v, float) or math.isfinite(v) else None) for k, v in record.items()}
        self._metrics.write(json.dumps(clean) + "\n")
        if self._tb is not None:
            for k, v in record.items():
                if k not in ("step", "time", "wall") and isinstance(v, (int, float)) and not isinstance(v, bool):
                    self._tb.add_scalar(k, v, record["step"])

    def save_eval(self, step: int, result: dict) -> Path:
        return save_eval(self.dir, step, result)

    def sample_path(self, step: int) -> Path:
        return self.dir / "samples" / f"{step_name(step)}.png"

    def log_image(self, step: int, image: np.ndarray) -> None:
        """The sample grid to TensorBoard (if on); the PNG itself is written by the loop's background writer."""
        if self._tb is not None:
            self._tb.add_image("samples", image, step, dataformats="HWC")

    def close(self) -> None:
        if self._metrics is not None:
            self._metrics.close()
            self._metrics = None
        if self._tb is not None:
            self._tb.close()
            self._tb = None


def save_eval(run_dir: str | Path, step: int, result: dict) -> Path:
    """The full evaluation result of a step as ``eval/step_XXXXXXX.json`` in the run folder (atomically)."""
    path = Path(run_dir) / "eval" / f"{step_name(step)}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(path, json.dumps(result, indent=1))


def read_metrics(run_dir: str | Path) -> list[dict]:
    """All complete lines of a run's metrics.jsonl (a half-written last line is ignored)."""
    path = Path(run_dir) / "metrics.jsonl"
    out = []
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return out
