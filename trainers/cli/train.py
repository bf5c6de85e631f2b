"""`ganstudio train`: one option per TrainConfig field; the family settles what is left out (``config.resolve``)."""

from __future__ import annotations

import argparse
import gc
import signal
import sys
import time
from pathlib import Path

from ..config import TrainConfig
from ..errors import ConfigError

NAME = "train"
HELP = "train a model headless, with a progress bar"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_config_options(p)


def run(args) -> int:
    from ..distributed import env_rank
    from ..loop import train

    run = train(train_config(args), resume=args.resume)
    # under torchrun, rank 0 speaks for the run; the others only report errors
    from ..console import Console, RankErrors

    status = drive(run, Console(args.quiet) if env_rank() == 0 else RankErrors(run))
    # free the run now: under torchrun its DDP wrappers hold Gloo's process group, and one freed during interpreter
    # shutdown aborted a worker after a finished run ("terminate called without an active exception", 3 runs in 60
    # of a 3-step ProGAN; none in 80 since). The run and its generator hold each other: only the cycle collector
    # frees them
    del run
    gc.collect()
    return status


def _add_config_options(p: argparse.ArgumentParser) -> None:
    """One option per TrainConfig field (``config.cli_options``): its help, type, choices and default are the
    config's own, so the command line, the New Run dialog and the trainer cannot disagree. Options left out
    are None here and take the config's default (or, with --resume, what the run was trained with)."""
    from ..config import cli_options

    for flag, f in cli_options():
        meta = f.metadata
        helptext = meta["help"]
        if f.default not in (None, False) and "default" not in helptext:
            helptext += f" (default {f.default})"
        if meta["kind"] is None:  # a bool field: a flag
            p.add_argument(flag, dest=f.name, action="store_true", default=None, help=helptext)
            continue
        p.add_argument(flag, dest=f.name, type=meta["kind"], choices=meta["choices"], default=None,
                       help=helptext,
                       metavar=meta["metavar"] or {int: "N", float: "X"}.get(meta["kind"]))


def train_config(args) -> TrainConfig:
    """The TrainConfig ``ganstudio train`` options ask for: the options given, every other field None or its
    default, so the family settles the rest exactly as it does for New Run (``config.resolve``). Without --out a new
    folder under ./runs, named as Quick start and New Run name theirs."""
    from ..config import ARCH_FIELDS, RECIPE_FIELDS, RESUME_SETTABLE, cli_options
    from ..distributed import env_rank, env_world_size

    given = {f.name: getattr(args, f.name) for _, f in cli_options() if getattr(args, f.name) is not None}
    if args.resume:  # options left out mean "as the run was"
        if "out" not in given:
            raise ConfigError("--resume continues the run in --out: name its folder, e.g. --out runs/dcgan-digits-1")
        given = {**{k: None for k in ARCH_FIELDS + RECIPE_FIELDS + RESUME_SETTABLE}, **given}
    if "out" not in given and env_world_size() > 1:
        raise ConfigError("under torchrun every process must write the same run: name its folder with --out")
    if "out" not in given:
        given["out"] = str(default_out(TrainConfig(**given)))
        if env_rank() == 0:
            print(f"run folder: {given['out']} (--out names another)", file=sys.stderr)
    return TrainConfig(**given)


def default_out(cfg: TrainConfig, root: str = "runs") -> Path:
    """Where a run without --out goes: ``runs/<model>-<data>-N``, the data being what the family trains on (under
    torchrun --out is required: each process would pick its own free N)."""
    from ..config import resolve
    from ..runfolder import new_run_dir

    r = resolve(cfg)
    return new_run_dir(root, r.model, r.data, r.data_b)


def drive(run, show) -> int:
    """Run a training generator to its end from the command line; ``show`` prints what is worth printing.

    Exit status: 0, or 1 after an error or a NaN/out-of-memory pause (nobody is here to resume it: the run
    stops, and a NaN model is not saved), or 128 + the signal after Ctrl+C (130), SIGTERM (143: what `timeout`,
    docker, systemd and SLURM send) or SIGHUP (129: the terminal closed): the run stops with a final
    checkpoint; a second signal quits at once."""
    from ..events import Command, Finished, Message, Paused

    interrupted: list[tuple[float, int]] = []
    handler = _stop_handler(interrupted)
    old_handlers = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    status = 0
    stop_sent = False
    try:
        event = next(run)
        while True:
            cmd = None
            show(event)
            if isinstance(event, Finished):
                return status
            if isinstance(event, Message) and event.level == "error":
                status = 1
            elif isinstance(event, Paused) and event.reason != "user":
                status, cmd = 1, Command.STOP
            if interrupted and not stop_sent:
                signum = interrupted[0][1]
                what = "interrupted" if signum == signal.SIGINT else f"{signal.Signals(signum).name} received"
                show.note(f"{what}: writing a final checkpoint (Ctrl+C again to quit at once) ...")
                cmd, status = Command.STOP, 128 + signum
            stop_sent = stop_sent or cmd is Command.STOP
            event = run.send(cmd)
    except KeyboardInterrupt:
        return 128 + (interrupted[0][1] if interrupted else signal.SIGINT)
    finally:
        run.close()  # the run's own cleanup (queued writes, the evaluator, leaving the process group) now
        for sig, old in old_handlers.items():
            signal.signal(sig, old)
        show.close()


# Signals that stop a run the way Ctrl+C does: a final checkpoint, then exit 128 + signal.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def _stop_handler(interrupted: list[tuple[float, int]]):
    """First stop signal: note it (the loop stops with a final checkpoint); a second one: give up at once.

    Under torchrun a terminal's Ctrl+C (or a job scheduler's SIGTERM) reaches each worker twice, directly and
    forwarded by torchrun, so a repeat within 2 s counts as the same one.
    """
    from ..distributed import env_world_size

    def on_signal(signum, frame):
        now = time.monotonic()
        if interrupted and not (env_world_size() > 1 and now - interrupted[0][0] < 2.0):
            raise KeyboardInterrupt
        if not interrupted:
            interrupted.append((now, signum))

    return on_signal
