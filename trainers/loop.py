"""``train(config)``: set up a run, then yield plain-data events while training; commands come in by send().

    run = train(TrainConfig(model="dcgan", steps=2000, out="runs/x"))
    for event in run:            # or: event = run.send(Command.PAUSE)
        ...

Setup (config, data, models, resume) happens in ``train()`` itself, so mistakes raise a GanStudioError
before the first event. The loop runs training steps until a time window (``log_window_s``) closes, then
yields averaged Stats; every yield is where pause / stop / step-D / step-G take effect.
"""

from __future__ import annotations

import collections
import math
import shutil
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import torch

from . import checkpoints as ck
from . import distributed as ddp
from .algos import build_algorithm
from .config import TrainConfig
from .data import load_dataset, real_stats
from .data.samplers import LazyBatch, build_sampler, reference_batch
from .errors import ConfigError, GanStudioError
from .events import Command, Event, Finished, Idle, Message, Paused, Resumed, RunStarted, SampleGrid, Stats
from .images import save_png, scatter_image, to_uint8_grid
from .models import MODELS
from .runfolder import RunWriteError, RunWriter, read_metrics
from .runlock import RunLock
from .resume import settle_start
from .runtime import device_label, pick_device, seed_everything
from .saving import Saving, pixel_stat_distance
from .schedule import lr_schedule, schedule_notes
from .writes import BackgroundWrites

# the manual updates a paused run takes, and the player each one steps
STEP_COMMANDS = {Command.STEP_D: "D", Command.STEP_G: "G", Command.STEP_D_A: "D_A", Command.STEP_D_B: "D_B"}
GRID_SEED = 1234  # the fixed latent of sample grids (StyleGAN's grid_z, pytorch/examples' fixed_noise)
PROXY_SEED = 4321
PROXY_SAMPLES = 512
PAUSE_POLL_S = 0.05


def train(config: TrainConfig, *, resume: bool = False, progress=None) -> "TrainingRun":
    """Validate ``config``, prepare data and models, and return the event generator of the run.
    ``progress(what, done, total)`` hears how slow preparation goes (drawing the digits, reading a folder)."""
    return TrainingRun(config, resume=resume, progress=progress)


class TrainingRun(Saving, Iterator[Event]):
    """The running training generator. Also exposes ``step``, ``config``, ``run_dir`` for callers.

    What it saves and evaluates along the way (checkpoints, the evaluator hand-over, ``best``) is ``Saving``
    (``saving.py``)."""

    def __init__(self, config: TrainConfig, resume: bool = False, progress=None):
        self._progress = progress
        self.dist = ddp.init_from_env(config.device)  # under torchrun: join the process group first
        self.is_main = self.dist is None or self.dist.is_main
        # one writer per run folder, held before anything in it is read or written (rank 0 writes for all)
        self._lock = RunLock(config.out, enabled=self.is_main)
        try:
            self._lock.acquire()
            self._setup(config, resume)
        except BaseException:
            self._lock.release()
            ddp.shutdown(self.dist)
            raise

    def _setup(self, config: TrainConfig, resume: bool) -> None:
        run_dir = Path(config.out).expanduser()
        start = settle_start(config, run_dir, resume)
        cfg, ckpt = start.config, start.checkpoint
        self._resume_notes, self._steps_before = start.notes, start.steps_before
        self.config = cfg
        self.run_dir = run_dir
        seed_everything(cfg.seed, cfg.deterministic)
        self.device = ddp.device_for(self.dist) if self.dist is not None else pick_device(cfg.device)
        ddp.check_batch(cfg.batch_size, self.dist)
        self._datasets: dict = {}
        self.data = self._load(cfg.data)
        self.algo = build_algorithm(cfg, self.data, self.device, self.dist)
        self.sampler = build_sampler(MODELS[cfg.model], cfg, self.data, self._load, self.device, self.dist)
        if getattr(self.algo, "needs_reference", False):  # families that translate inputs: a fixed grid of them
            self.algo.use_reference(reference_batch(MODELS[cfg.model], cfg, self.data, self._load, self.device,
                                                    GRID_SEED, getattr(self.algo, "reference_size", 64)))
        self._lr = lr_schedule(cfg)
        self.writer = RunWriter(run_dir, cfg.tensorboard, enabled=self.is_main)
        # ranks agree on stops and NaNs at common step boundaries instead of each on its own clock
        self._sync = ddp.Sync(self.dist, self.device, cfg.log_window_s) if self.dist is not None else None
        self._stop_wanted = False
        self.step = 0
        self.elapsed = 0.0
        self.best = math.inf
        self.last_good: Path | None = None
        self._saved_step = -1
        self._evaluator = None  # BackgroundEvaluator, started at the first evaluation
        self._evaluating = self._evaluated = -1  # step of the running / last submitted evaluation
        self._eval_off = False  # set after an evaluation failed: one warning, not one per interval
        self.best_eval = math.inf  # best domain FID so far (drives `best` while evaluation is on)
        if ckpt is not None:
            self._restore(ckpt)
            self.writer.truncate_metrics(self.step)
            self.best_eval = min((float(r["eval_fid"]) for r in read_metrics(run_dir)
                                  if isinstance(r.get("eval_fid"), (int, float))), default=math.inf)
        if self.is_main:
            shutil.rmtree(self._pending_dir, ignore_errors=True)  # candidates a crashed run left behind
        self.writer.write_config(cfg.to_dict(), {"dataset": self.data.describe(), "model_info": self.algo.describe()})
        # what the pixel proxy compares G's output with: the images; a paired set's targets; for a translator
        # between two domains (CycleGAN, UNIT: G maps A to B), the second domain
        outputs = self._load(cfg.data_b) if cfg.data_b and getattr(self.algo, "needs_reference", False) else self.data
        key = "target" if "target" in outputs.extras else "x"
        self._real_mean, self._real_std = real_stats(outputs, key=key)
        self._grid_latent, self._grid_nrow = self.algo.grid_latent(64, GRID_SEED)
        self._proxy_latent = self.algo.sample_latent(PROXY_SAMPLES, torch.Generator(self.device).manual_seed(PROXY_SEED))
        self._proxy: float | None = None
        self._proxy_cache: tuple[int, torch.Tensor | None] = (-1, None)
        self._pending: collections.deque[Command] = collections.deque()
        self._writes = BackgroundWrites()  # sample PNGs and checkpoints, written while training goes on
        self._resumed = ckpt is not None
        self._cleared = ckpt is None and self.writer.start_fresh()
        self._data_changed = ckpt is not None and ckpt.meta["data"].get("fingerprint") != self.data.fingerprint()
        self._gen = self._loop()

    # -- generator protocol --------------------------------------------------------------------------------
    def __next__(self) -> Event:
        return next(self._gen)

    def send(self, command: Command | str | None) -> Event:
        return self._gen.send(Command(command) if command is not None else None)

    def close(self) -> None:
        self._gen.close()
        self.writer.close()
        self._lock.release()
        ddp.shutdown(self.dist)

    # -- the loop ------------------------------------------------------------------------------------------
    def _emit(self, event: Event):
        cmd = yield event
        if cmd is not None:
            self._pending.append(Command(cmd))

    def _loop(self):
        cfg = self.config
        corrupted = False
        try:
            device = device_label(self.device)
            if self.dist is not None:
                device += f" × {self.dist.world} processes ({self.dist.backend})"
            yield from self._emit(RunStarted(str(self.run_dir), self.step, cfg.steps, device,
                                             cfg.model, self.data.name, self._resumed, cfg.to_dict()))
            for note in self.data.notes + ([self._lock.note] if self._lock.note else []):
                yield from self._emit(Message("warning", note, self.step))
            for note in [self.data.about] * bool(self.data.about) + self._resume_notes + schedule_notes(
                    cfg, self.step, self._steps_before):
                yield from self._emit(Message("info", note, self.step))
            if self._cleared:
                yield from self._emit(Message("warning", f"{self.run_dir} held a run that ended before its first "
                                              "checkpoint: its curves and sample grids were cleared for this one",
                                              self.step))
            if self._data_changed:
                yield from self._emit(Message("warning", "the dataset differs from the one this run started with "
                                              "(other files or another GAN Studio version): the resumed run will "
                                              "not follow the original trajectory", self.step))
            if self.writer.tb_missing:
                yield from self._emit(Message("warning", "TensorBoard export asked for but the tensorboard package "
                                              "is not installed (pip install tensorboard)", self.step))
            speed = self.algo.speed.describe()
            yield from self._emit(Message("info", f"training step: {speed}"
                                          + (" (the first steps compile: expect a pause)" if self.algo.speed.compile
                                             else ""), self.step))
            if not self._resumed:
                yield from self._sample()
            paused, corrupted, reason = False, False, "completed"
            window: list[dict[str, torch.Tensor]] = []
            t0 = time.perf_counter()
            images = 0
            while True:
                while self._pending:
                    cmd = self._pending.popleft()
                    if cmd is Command.STOP:
                        if self._sync is not None and not paused:
                            self._stop_wanted = True  # all ranks stop together at the next boundary
                            continue
                        reason = "stopped"
                        break
                    if cmd is Command.PAUSE and self._sync is not None:
                        yield from self._emit(Message("warning", "a multi-process run cannot pause; stop it and "
                                                      "resume it later with --resume", self.step))
                    elif cmd is Command.PAUSE and not paused:
                        paused = True
                        yield from self._emit(Paused(self.step, "user"))
                    elif cmd is Command.RESUME and paused:
                        if corrupted:
                            if self.last_good is None:
                                yield from self._emit(Message("error", "no good checkpoint to go back to: stop and "
                                                              "start again with lower learning rates", self.step))
                                continue
                            yield from self._collect_writes(wait=True)  # the newest good one
                            self._restore(ck.read_checkpoint(self.last_good))
                            corrupted = False
                            yield from self._emit(Message("info", f"reloaded the last good checkpoint "
                                                          f"({self.last_good.name}, step {self.step})", self.step))
                        paused = False
                        t0, images, window = time.perf_counter(), 0, []
                        yield from self._emit(Resumed(self.step))
                    elif cmd in STEP_COMMANDS and paused and not corrupted:
                        yield from self._single_update(cmd)
                    elif cmd is Command.SAVE and not corrupted:
                        yield from self._checkpoint(periodic=False)
                if reason == "stopped" or self.step >= cfg.steps:
                    break
                if paused:
                    time.sleep(PAUSE_POLL_S)
                    yield from self._collect_evals()
                    yield from self._collect_writes()
                    yield from self._emit(Idle(self.step))
                    continue
                try:
                    if self._lr is not None:
                        self._lr.apply(self.algo, self.step)
                    batches = self.sampler.draw(self.algo.batches_per_step)
                    window.append(self.algo.train_step(batches, self.step + 1))
                except torch.OutOfMemoryError:
                    if self._sync is not None:  # the other ranks cannot wait for this one to recover
                        raise GanStudioError(f"out of memory at step {self.step + 1} with batch {cfg.batch_size}: "
                                             "lower --batch-size or the image size") from None
                    window = []
                    if self.device.type == "cuda":
                        torch.cuda.empty_cache()
                    paused = True
                    yield from self._emit(Message("error", f"out of memory at step {self.step + 1} with batch "
                                                  f"{cfg.batch_size}: lower --batch-size or the image size",
                                                  self.step))
                    yield from self._emit(Paused(self.step, "oom"))
                    continue
                self.step += 1
                images += self.algo.images_per_step
                now = time.perf_counter()
                sample_due = self.step % cfg.sample_every == 0
                ckpt_due = self.step % cfg.checkpoint_every == 0
                window_due = self._sync.due(self.step) if self._sync is not None else now - t0 >= cfg.log_window_s
                if not (window_due or sample_due or ckpt_due or self.step >= cfg.steps):
                    continue
                values, bad = self._average(window)  # reads the window's stats: waits for its steps to finish
                # img/s and elapsed are wall time from the previous window's end to this one's, everything
                # between included (on a GPU the host runs ahead of the queued steps; `now` before the read
                # above would count steps that had only been queued)
                now = time.perf_counter()
                if self._sync is not None:
                    bad_any, stop_any = self._sync.decide(self.step, bad=bad is not None, stop=self._stop_wanted,
                                                          seconds_per_step=(now - t0) / max(1, len(window)))
                    if bad_any and bad is None:
                        bad = ("loss on another rank", len(window) - 1)
                    if not bad_any:
                        values = self._sync.mean(values)
                    if stop_any:
                        reason = "stopped"
                if self.algo.speed_note:
                    yield from self._emit(Message("warning", self.algo.speed_note, self.step))
                    self.algo.speed_note = None
                if bad is not None:
                    paused, corrupted = True, True
                    key, index = bad
                    yield from self._collect_writes(wait=True)  # name the newest good checkpoint
                    kept = (f"the last good checkpoint ({self.last_good.name}) is kept; Resume reloads it"
                            if self.last_good else self.kept_note())
                    yield from self._emit(Message("warning", f"{key} became NaN/Inf at step "
                                                  f"{self.step - len(window) + 1 + index}: training paused, {kept}. "
                                                  "Lower learning rates may help.", self.step))
                    window = []
                    yield from self._emit(Paused(self.step, "nan"))
                    continue
                self.elapsed += now - t0
                values["img_per_s"] = images / max(now - t0, 1e-9)
                window, images, t0 = [], 0, now
                yield from self._stats(values)
                if sample_due:
                    yield from self._sample()
                if ckpt_due:
                    yield from self._checkpoint(periodic=True)
                if cfg.eval_every and self.step % cfg.eval_every == 0 and self.step < cfg.steps:
                    yield from self._start_eval()  # the final step's is done below, waiting for a busy one
                yield from self._collect_evals()
                yield from self._collect_writes()
            saved = None
            if corrupted:
                yield from self._emit(Message("warning", "not saving the NaN model; the last good checkpoint is "
                                              f"{self.last_good}", self.step))
            else:
                if self.step % cfg.sample_every:
                    yield from self._sample()
                if self._saved_step != self.step:
                    yield from self._checkpoint(periodic=False)
                yield from self._collect_writes(wait=True)
                saved = self.last_good
                # a run that passed at least one evaluation interval ends with the score of its final step
                if (reason == "completed" and cfg.eval_every and self.step >= cfg.eval_every
                        and self._evaluated != self.step):
                    if self._evaluator is not None and self._evaluator.busy:
                        yield from self._collect_evals(self._evaluator.wait())
                    yield from self._start_eval()
            yield from self._finish_evals(wait=reason == "completed")
            if self._sync is not None:  # rank 0 may still be writing: leave the process group together
                self._sync.barrier()
            self._lock.release()  # every write is done: the folder is free even before the caller closes the run
            yield Finished(self.step, reason, str(saved) if saved else (str(self.last_good) if self.last_good else None))
        except RunWriteError as exc:  # a full disk or lost permissions: one last save, then a clear message
            yield from self._after_write_error(exc, corrupted)
        finally:
            self._writes.close()  # queued writes finish: an error or a stop loses no checkpoint
            if self._evaluator is not None:
                self._evaluator.close()
            self.writer.close()
            self._lock.release()
            ddp.shutdown(self.dist)

    # -- pieces --------------------------------------------------------------------------------------------
    @staticmethod
    def _average(window: list[dict[str, torch.Tensor]]) -> tuple[dict[str, float], tuple[str, int] | None]:
        """Window means; or, if any value is NaN/Inf, (name, index in the window) of the first bad one."""
        keys = sorted({k for s in window for k in s})
        stacked = {k: torch.stack([s[k].float() for s in window if k in s]).cpu() for k in keys}
        bad = [(int((~torch.isfinite(v)).nonzero()[0, 0]), k) for k, v in stacked.items()
               if not bool(torch.isfinite(v).all())]
        if bad:
            index, key = min(bad)
            return {}, (key, index)
        return {k: float(v.mean()) for k, v in stacked.items()}, None

    def _stats(self, values: dict[str, float]):
        if self._proxy is not None:
            values = {**values, "pix_dist": self._proxy}
            self._proxy = None
        self.writer.log_metrics({"step": self.step, "time": round(self.elapsed, 3), "wall": round(time.time(), 3),
                                 **values})
        yield from self._emit(Stats(self.step, self.elapsed, values))

    def _load(self, name: str):
        """A dataset of this run (``--data``, or a second domain), at the run's size and channels."""
        cfg = self.config
        if name in self._datasets:
            return self._datasets[name]
        hear = self._progress
        paired_folders = MODELS[cfg.model].batches == "pairs" and cfg.data_b and name == cfg.data
        data = load_dataset(name, root=cfg.data_root, image_size=cfg.image_size or None, channels=cfg.channels or None,
                            download=cfg.download, limit=cfg.data_limit,
                            progress=(lambda done, total: hear(name, done, total)) if hear else None,
                            targets=cfg.data_b if paired_folders else None, crop=cfg.crop or "centre")
        if len(data) < cfg.batch_size:
            raise ConfigError(f"--batch-size {cfg.batch_size} is larger than the dataset {name!r} "
                              f"({len(data)} samples)")
        self._datasets[name] = data
        return data

    def _single_update(self, cmd: Command):
        """One update of one player while paused (Step D / Step G in the app)."""
        player = STEP_COMMANDS[cmd]
        if player in ("D_A", "D_B") and player not in self.algo.players:
            yield from self._emit(Message("warning", f"Step {player}: {self.config.model} has no {player}; its players "
                                          f"are {', '.join(self.algo.players)}", self.step))
            return
        player = player if player in self.algo.players else self.algo.players[0 if player == "D" else -1]
        stats = self.algo.manual_step(player, LazyBatch(self.sampler))
        if player == self.algo.step_player:
            self.step += 1
        values, bad = self._average([stats])
        if bad is None:
            values["manual"] = 1.0
            yield from self._stats(values)
        yield from self._sample()

    def _sample(self):
        if not self.is_main:
            return
        fake = self.algo.grid(self._grid_latent)
        if self.data.is_image:
            image = to_uint8_grid(fake, self._grid_nrow)
        else:
            real = self.data.x[:2000].numpy()
            image = scatter_image(np.concatenate([fake.numpy(), self._proxy_fakes().numpy()]), real)
        path = self.writer.sample_path(self.step)
        self.writer.log_image(self.step, image)
        self._writes.submit(lambda: save_png(image, path), ("sample", self.step, path))
        self._proxy = pixel_stat_distance(self._proxy_fakes(), self._real_mean, self._real_std)
        yield from self._emit(SampleGrid(self.step, image, str(path)))

    def _proxy_fakes(self) -> torch.Tensor:
        """G's output on the fixed proxy latent, rendered once per step however many users ask."""
        if self._proxy_cache[0] != self.step:
            self._proxy_cache = (self.step, self.algo.render(self._proxy_latent))
        return self._proxy_cache[1]
