"""The run folder, and every file name and pattern in it (see design.md). Nothing else spells them out:

    config.json                      everything needed to rebuild the models (+ dataset and model info)
    metrics.jsonl                    one JSON object per logging window (and one per evaluation)
    samples/step_XXXXXXX.png         the sample grid from a fixed latent
    checkpoints/{last,best,step_XXXXXXX}.safetensors (+ .json sidecar)
    checkpoints/.pending/            candidates an evaluation is scoring
    eval/step_XXXXXXX.json           the full result of each evaluation
    tensorboard/                     TensorBoard events, when asked
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
from pathlib import Path

import numpy as np

from .atomic import atomic_write_text, remove_orphans
from .errors import ConfigError, GanStudioError


CONFIG = "config.json"
METRICS = "metrics.jsonl"
SAMPLES = "samples"
CHECKPOINTS = "checkpoints"
PENDING = ".pending"
EVAL = "eval"
TENSORBOARD = "tensorboard"
CKPT_SUFFIX = ".safetensors"
SIDECAR_SUFFIX = ".json"
LAST, BEST = "last", "best"
STEP_RE = re.compile(r"^step_(\d+)$")
SAMPLE_RE = re.compile(r"^step_(\d{7,})\.png$")  # a sample grid's file name
CHECKPOINT_RE = re.compile(r"^(last|best|step_(\d+))\.safetensors$")  # a checkpoint's file name


def step_name(step: int) -> str:
    return f"step_{step:07d}"


def step_of(name: str) -> int | None:
    """The step in a ``step_XXXXXXX`` file stem (None for any other name)."""
    m = STEP_RE.match(Path(name).stem if "." in name else name)
    return int(m.group(1)) if m else None


def run_name(model: str, data: str, data_b: str | None = None) -> str:
    """The stem of a new run's folder: ``dcgan-digits``, ``cyclegan-digits-plain-digits-bold``, a folder's last part."""
    return "-".join([model, Path(data).name] + ([Path(data_b).name] if data_b else []))


def new_run_dir(root: str | Path, model: str, data: str, data_b: str | None = None) -> Path:
    """``root/<run_name>-N`` for the smallest N ≥ 1 not taken: where Quick start, New Run's suggestion and
    `ganstudio train` without --out put a new run."""
    root, base = Path(root).expanduser(), run_name(model, data, data_b)
    n = 1
    while (root / f"{base}-{n}").exists():
        n += 1
    return root / f"{base}-{n}"


def checkpoints_dir(run_dir: str | Path) -> Path:
    return Path(run_dir) / CHECKPOINTS


def checkpoint_path(run_dir: str | Path, which: str | int = LAST) -> Path:
    """``checkpoints/last.safetensors``, ``best``, or a step's (``which`` an int)."""
    stem = step_name(which) if isinstance(which, int) else which
    return checkpoints_dir(run_dir) / f"{stem}{CKPT_SUFFIX}"


def sidecar_path(checkpoint: str | Path) -> Path:
    return Path(checkpoint).with_suffix(SIDECAR_SUFFIX)


def sample_path(run_dir: str | Path, step: int) -> Path:
    return Path(run_dir) / SAMPLES / f"{step_name(step)}.png"


def sample_files(run_dir: str | Path) -> list[tuple[int, Path]]:
    """(step, path) of every sample grid PNG of a run, in step order."""
    folder = Path(run_dir) / SAMPLES
    found = [(step_of(p.stem), p) for p in folder.glob("step_*.png")] if folder.is_dir() else []
    return sorted((s, p) for s, p in found if s is not None)


def step_checkpoints(run_dir: str | Path) -> list[tuple[int, Path]]:
    """(step, path) of every kept step checkpoint of a run, in step order."""
    folder = checkpoints_dir(run_dir)
    found = [(step_of(p.stem), p) for p in folder.glob(f"step_*{CKPT_SUFFIX}")] if folder.is_dir() else []
    return sorted((s, p) for s, p in found if s is not None)


def eval_path(run_dir: str | Path, step: int, kind: str = "") -> Path:
    """``eval/step_XXXXXXX.json`` (``kind`` "truncation": ``eval/truncation_step_XXXXXXX.json``, BigGAN's sweep)."""
    return Path(run_dir) / EVAL / f"{kind + '_' if kind else ''}{step_name(step)}.json"


def config_path(run_dir: str | Path) -> Path:
    return Path(run_dir) / CONFIG


def metrics_path(run_dir: str | Path) -> Path:
    return Path(run_dir) / METRICS


WRITTEN = (CONFIG, METRICS, SAMPLES, CHECKPOINTS, EVAL, TENSORBOARD)  # what a run writes at its top level


def links_out(run_dir: str | Path) -> list[Path]:
    """The entries a run writes (or writes into) that are symbolic links: writing through them would write
    outside the run folder, so GAN Studio refuses to (the run folder itself may be a link)."""
    run_dir = Path(run_dir)
    return [run_dir / n for n in WRITTEN + (f"{CHECKPOINTS}/{PENDING}",) if (run_dir / n).is_symlink()]


def refuse_links(run_dir: str | Path) -> None:
    bad = links_out(run_dir)
    if bad:
        names = ", ".join(p.name for p in bad)
        raise ConfigError(f"{run_dir}: {names} {'is a symbolic link' if len(bad) == 1 else 'are symbolic links'}; "
                          "GAN Studio never writes through links out of a run folder: remove "
                          f"{'it' if len(bad) == 1 else 'them'} or choose another --out")


def refuse_wrong_kinds(run_dir: str | Path) -> None:
    """A run writes config.json and metrics.jsonl as files and samples/, checkpoints/, eval/ as folders: an entry
    of the other kind in their place (a folder named metrics.jsonl) is named in one line and left as it is."""
    run_dir = Path(run_dir)
    files, folders = (CONFIG, METRICS), (SAMPLES, CHECKPOINTS, EVAL)
    bad = [(n, "a folder") for n in files if (run_dir / n).is_dir()]
    bad += [(n, "not a folder") for n in folders if (run_dir / n).exists() and not (run_dir / n).is_dir()]
    if bad:
        what = "; ".join(f"{run_dir / n} is {kind}" for n, kind in bad)
        raise ConfigError(f"{what}: a run writes {', '.join(files)} as files and {', '.join(folders)} as folders. "
                          "Move or rename what is there (GAN Studio leaves it as it is), or choose another --out")


class RunWriteError(GanStudioError, OSError):
    """A run-folder write failed (full disk, permissions): the message says which file and what to do."""


@contextlib.contextmanager
def writing(path: Path):
    """Turn an OSError while writing ``path`` into a RunWriteError that names it."""
    try:
        yield
    except RunWriteError:
        raise
    except OSError as exc:
        raise RunWriteError(f"could not write {path} ({exc.strerror or exc})") from None


class RunWriter:
    """Appends to a run folder; never rewrites what a watcher might be reading except on resume."""

    def __init__(self, run_dir: str | Path, tensorboard: bool = False, enabled: bool = True):
        self.dir = Path(run_dir).expanduser()
        self.enabled = enabled  # False on the ranks of a multi-process run other than 0: they write nothing
        self.metrics_path = metrics_path(self.dir)
        self._metrics = None
        self._tb = None
        self.tb_missing = False
        if not enabled:
            return
        refuse_links(self.dir)
        refuse_wrong_kinds(self.dir)
        try:
            for sub in ("", SAMPLES, CHECKPOINTS):
                (self.dir / sub).mkdir(parents=True, exist_ok=True)
            for sub in ("", SAMPLES, CHECKPOINTS, EVAL):  # what a writer killed mid-write left behind
                remove_orphans(self.dir / sub)
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
                self._tb = SummaryWriter(str(self.dir / TENSORBOARD))
        self.tb_missing = tensorboard and self._tb is None

    @property
    def checkpoints(self) -> Path:
        return checkpoints_dir(self.dir)

    def write_config(self, config: dict, extra: dict) -> None:
        if not self.enabled:
            return
        with writing(config_path(self.dir)):
            atomic_write_text(config_path(self.dir), json.dumps({**config, **extra}, indent=1, sort_keys=True))

    def truncate_metrics(self, last_step: int) -> None:
        """On resume: drop lines past the checkpoint's step so the curve has no duplicate tail."""
        if not self.enabled or not self.metrics_path.exists():
            return
        with writing(self.metrics_path):
            self.metrics_path.read_bytes()  # unreadable: say so, rather than rewrite it empty
            keep = [json.dumps(r) for r in read_metrics(self.dir) if r["step"] <= last_step]
            atomic_write_text(self.metrics_path, "".join(k + "\n" for k in keep))

    def start_fresh(self) -> bool:
        """A new run in a folder whose last run died before its first checkpoint: nothing can resume that run,
        so its metrics and sample grids go (else the new run's curve would continue the dead one's). True if
        there was anything to clear."""
        if not self.enabled:
            return False
        old = [self.metrics_path] if self.metrics_path.exists() else []
        old += [p for _, p in sample_files(self.dir)]
        for p in old:
            p.unlink(missing_ok=True)
        return bool(old)

    def log_metrics(self, record: dict) -> None:
        if not self.enabled:
            return
        clean = {k: (v if not isinstance(v, float) or math.isfinite(v) else None) for k, v in record.items()}
        try:
            if self._metrics is None:
                self._metrics = open(self.metrics_path, "a", buffering=1)
            self._metrics.write(json.dumps(clean) + "\n")
        except OSError as exc:
            raise RunWriteError(f"could not append to {self.metrics_path} ({exc.strerror or exc})") from None
        if self._tb is not None:
            for k, v in record.items():
                if k not in ("step", "time", "wall") and isinstance(v, (int, float)) and not isinstance(v, bool):
                    self._tb.add_scalar(k, v, record["step"])

    def save_eval(self, step: int, result: dict) -> Path:
        return save_eval(self.dir, step, result)

    def sample_path(self, step: int) -> Path:
        return sample_path(self.dir, step)

    def log_image(self, step: int, image: np.ndarray) -> None:
        """The sample grid to TensorBoard (if on); the PNG itself is written by the loop's background writer."""
        if self._tb is not None:
            self._tb.add_image("samples", image, step, dataformats="HWC")

    def close(self) -> None:
        if self._metrics is not None:
            try:
                self._metrics.close()
            except OSError:
                pass  # a full disk: the write that failed has already been reported
            self._metrics = None
        if self._tb is not None:
            self._tb.close()
            self._tb = None


def save_eval(run_dir: str | Path, step: int, result: dict, kind: str = "") -> Path:
    """The full evaluation result of a step as ``eval/step_XXXXXXX.json`` in the run folder (atomically)."""
    path = eval_path(run_dir, step, kind)
    if path.parent.is_symlink():
        raise RunWriteError(f"{path.parent} is a symbolic link; GAN Studio never writes through links out of a "
                            "run folder: remove it")
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        return atomic_write_text(path, json.dumps(result, indent=1))


def read_metrics(run_dir: str | Path) -> list[dict]:
    """Every readable record of a run's metrics.jsonl: a JSON object with a whole-number step. A half-written
    last line, a damaged line or a foreign one is skipped."""
    path = metrics_path(run_dir)
    out = []
    try:
        text = path.read_text(errors="replace") if path.is_file() else ""
    except OSError:
        return out
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            continue
        step = record.get("step") if isinstance(record, dict) else None
        if isinstance(step, int) and not isinstance(step, bool) and step >= 0:
            out.append(record)
    return out
