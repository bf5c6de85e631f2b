"""How a run starts: fresh, or resumed from its folder's last checkpoint (``--resume``). A resumed run keeps the
architecture and recipe it was trained with (an option that disagrees is refused, naming the value the run had),
takes the schedule options it may change (``RESUME_SETTABLE``) and says so, and keeps its stored schedule (SRGAN's
phases, a decay's start), so that extending it continues the run it was."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from . import checkpoints as ck
from .config import ARCH_FIELDS, RECIPE_FIELDS, RESUME_SETTABLE, TrainConfig, resolve
from .errors import ConfigError
from .runfolder import checkpoint_path


@dataclass
class Start:
    config: TrainConfig  # resolved
    checkpoint: ck.Checkpoint | None = None  # the one resumed from
    notes: list[str] = dataclasses.field(default_factory=list)  # what the resumed run takes from the command line
    steps_before: int | None = None  # a resumed run's --steps before this start


def settle_start(config: TrainConfig, run_dir: Path, resume: bool) -> Start:
    """The resolved config of a run starting in ``run_dir`` (and the checkpoint it resumes from); a ConfigError
    that says what to do when the folder and ``resume`` disagree."""
    last = checkpoint_path(run_dir)
    if not resume:
        cfg = resolve(config)
        if last.exists():
            raise ConfigError(f"{run_dir} already holds a run: add --resume to continue it, or choose another --out")
        return Start(cfg)
    if not last.exists():
        raise ConfigError(f"--resume: {run_dir} holds no checkpoint (checkpoints/last.safetensors); "
                          "start without --resume")
    ckpt = ck.read_checkpoint(last)
    if ckpt.meta.get("generator_only"):
        raise ConfigError(f"--resume: {last} is a generator-only export (no D or optimizer state); it can "
                          "be sampled and explored, not trained further")
    saved = TrainConfig.from_stored(ckpt.meta["config"])
    for key in ARCH_FIELDS + RECIPE_FIELDS:  # None = "as the run was"
        given, was = getattr(config, key), getattr(saved, key)
        if given is not None and given != was:
            raise ConfigError(f"--resume: the run in {run_dir} was trained with {key}={was!r}, not "
                              f"{given!r}; drop that option or use another --out")
    changed = {k: getattr(config, k) for k in RESUME_SETTABLE
               if getattr(config, k) is not None and getattr(config, k) != getattr(saved, k)}
    notes = [f"--{k.replace('_', '-')} {v} from here on (the run had {getattr(saved, k)})" for k, v in changed.items()]
    cfg = resolve(dataclasses.replace(saved, **changed, steps=config.steps, device=config.device, out=config.out,
                                      precision=config.precision, compile=config.compile, cuda_graph=config.cuda_graph,
                                      log_window_s=config.log_window_s, tensorboard=config.tensorboard,
                                      eval_every=config.eval_every if config.eval_every is not None
                                      else saved.eval_every,
                                      eval_samples=config.eval_samples or saved.eval_samples))
    if cfg.steps <= ckpt.step:
        raise ConfigError(f"--resume: the run is already at step {ckpt.step}; pass --steps above that")
    return Start(cfg, ckpt, notes, saved.steps)
