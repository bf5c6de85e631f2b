"""How a run starts: fresh, or resumed from its folder's last checkpoint (``--resume``). A resumed run keeps the
architecture and recipe it was trained with (an option that disagrees is refused, naming the value the run had),
takes the schedule options it may change (``RESUME_SETTABLE``) and says so, and keeps its stored schedule (SRGAN's
phases, a decay's start), so that extending it continues the run it was. A new learning-rate decay (``--lr-decay``,
``--decay-start``) is taken when it starts at or after the step the run is at: the steps already trained are then
the new schedule's too, and the run is the one a single command with that decay would have trained."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from . import checkpoints as ck
from .config import ARCH_FIELDS, RECIPE_FIELDS, RESUME_SETTABLE, TrainConfig, resolve
from .errors import ConfigError
from .models import MODELS
from .runfolder import checkpoint_path
from .schedule import lr_schedule

DECAY_FIELDS = ("lr_decay", "decay_start")  # may change on resume where the run's past is the same (module docstring)


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
    family = MODELS.get(saved.model)
    settable = RESUME_SETTABLE + (DECAY_FIELDS if family and family.settle is None else ())  # SRGAN's is its own
    for key in ARCH_FIELDS + RECIPE_FIELDS:  # None = "as the run was"
        if key in settable:
            continue
        given, was = getattr(config, key), getattr(saved, key)
        if given is not None and given != was:
            raise ConfigError(f"--resume: the run in {run_dir} was trained with {key}={was!r}, not "
                              f"{given!r}; drop that option or use another --out")
    changed = {k: getattr(config, k) for k in settable
               if getattr(config, k) is not None and getattr(config, k) != getattr(saved, k)}
    if "lr_decay" in changed and "decay_start" not in changed:
        changed["decay_start"] = None  # the new decay's own default (none: no start), not the old one's start
    notes = [f"--{k.replace('_', '-')} {v} from here on (the run had {_shown(getattr(saved, k))})"
             for k, v in changed.items() if v is not None]
    cfg = resolve(dataclasses.replace(saved, **changed, steps=config.steps, device=config.device, out=config.out,
                                      precision=config.precision, compile=config.compile, cuda_graph=config.cuda_graph,
                                      log_window_s=config.log_window_s, tensorboard=config.tensorboard,
                                      eval_every=config.eval_every if config.eval_every is not None
                                      else saved.eval_every,
                                      eval_samples=config.eval_samples or saved.eval_samples))
    if cfg.steps <= ckpt.step:
        raise ConfigError(f"--resume: the run is already at step {ckpt.step}; pass --steps above that")
    if {"lr_decay", "decay_start"} & set(changed):
        _same_past(saved, cfg, ckpt.step, run_dir)
    return Start(cfg, ckpt, notes, saved.steps)


def _shown(value) -> str:
    return "none" if value is None else str(value)


def _same_past(saved: TrainConfig, cfg: TrainConfig, step: int, run_dir: Path) -> None:
    """Refuse a new decay that would have changed the steps the run has already trained (ConfigError)."""
    old, new = lr_schedule(saved), lr_schedule(cfg)
    for t in range(step):
        if (old(t) if old else 1.0) != (new(t) if new else 1.0):
            if new is None:
                raise ConfigError(f"--resume: the run in {run_dir} has followed --lr-decay {saved.lr_decay} since "
                                  f"step {saved.decay_start:,}; a decay under way cannot be taken off: leave "
                                  "--lr-decay out")
            raise ConfigError(f"--resume: the run in {run_dir} is at step {step:,} and its learning rates so far "
                              f"followed {saved.lr_decay or 'none'}; a new decay must start at or after that step: "
                              f"pass --decay-start {step} or later")
