"""What a running training keeps: checkpoints snapshotted at once and written in the background, the
hand-over of frozen generators to the background evaluator, the ``best`` checkpoint they pick, and restoring
the whole state from a checkpoint. ``Saving`` is a part of ``TrainingRun`` (``loop.py``): its methods are
generators like the loop's other pieces, so the events they emit reach the caller in order.
"""

from __future__ import annotations

import math
import shutil
import time
from pathlib import Path

import numpy as np
import torch

from . import checkpoints as ck
from .errors import CheckpointError, GanStudioError
from .events import CheckpointSaved, EvalScores, Message
from .runfolder import BEST, CKPT_SUFFIX, PENDING, RunWriteError, checkpoint_path, step_name, writing


def pixel_stat_distance(fake: torch.Tensor, mean: np.ndarray, std: np.ndarray) -> float:
    """Cheap quality proxy: RMS gap of per-pixel mean and std between fakes and real data (lower is better)."""
    f = fake.reshape(fake.shape[0], -1).double()
    dm = f.mean(0).numpy() - mean
    ds = f.std(0).numpy() - std
    return float(np.sqrt(np.mean(dm ** 2) + np.mean(ds ** 2)))



class Saving:
    """Checkpoints, evaluations and restores of a ``TrainingRun`` (it provides the state they read)."""

    def _checkpoint(self, periodic: bool):
        """Snapshot the state now and write it in the background: last (+ step_XXXXXXX when periodic and kept,
        + best when the proxy improved). CheckpointSaved follows once the files exist. Rank 0 only."""
        if not self.is_main:
            self._saved_step = self.step
            return None
        proxy = pixel_stat_distance(self._proxy_fakes(), self._real_mean, self._real_std)
        kinds = ["last"]
        is_best = proxy < self.best and not math.isfinite(self.best_eval)  # domain FID takes over once there
        if is_best:
            self.best = proxy
        last = checkpoint_path(self.run_dir)
        tensors = {f"rng/{k}": v for k, v in self.algo.rng_state().items()}
        s_tensors, s_meta = self.sampler.state()
        tensors.update({f"sampler/{k}": v for k, v in s_tensors.items()})
        meta = {
            "step": self.step,
            "elapsed": self.elapsed,
            "config": self.config.to_dict(),
            "model": self.algo.describe(),
            "data": self.data.describe(),
            "sampler": s_meta,
            "proxy": {"pix_dist": proxy, "best": self.best},
        }
        snapshot = ck.snapshot_checkpoint(modules=self.algo.modules, optimizers=self.algo.optimizers,
                                          extra_tensors=tensors, meta=meta)
        copies = []
        if periodic and self.config.keep_every:
            copies.append(checkpoint_path(self.run_dir, self.step))
            kinds.append("step")
        if is_best:
            copies.append(checkpoint_path(self.run_dir, BEST))
            kinds.append("best")

        def write() -> None:
            ck.write_checkpoint(last, *snapshot)
            for dst in copies:
                ck.copy_checkpoint(last, dst)

        self._writes.submit(write, ("checkpoint", self.step, last, tuple(kinds)))
        self._saved_step = self.step
        return
        yield  # a generator like the other pieces: callers `yield from` it

    def _collect_writes(self, wait: bool = False):
        """Finished background writes: a checkpoint becomes `last_good` and is announced once it is on disk.
        A failed write ends the run with what to do; the checkpoints already written stay as they are."""
        for d in self._writes.done(wait):
            kind, step, path = d.tag[:3]
            if d.error is not None:
                err = d.error.strerror if isinstance(d.error, OSError) and d.error.strerror else d.error
                raise RunWriteError(f"could not write the {kind} of step {step} to {path} ({err})")
            if kind == "checkpoint":
                self.last_good = path
                yield from self._emit(CheckpointSaved(step, str(path), d.tag[3]))

    def kept_note(self) -> str:
        """What survives, for a message: the newest checkpoint on disk that reads back."""
        found = ck.newest_readable(self.run_dir) if self.is_main else None
        if found is None:
            return "no checkpoint was written yet"
        path, step = found
        return f"the last good checkpoint {path} (step {step}) is kept; resume from it with --resume"

    def _after_write_error(self, exc: RunWriteError, corrupted: bool):
        """A run-folder write failed (full disk, permissions): try one last checkpoint of the current state,
        then end the run with a message that says what failed, what to do, and what is kept."""
        tried = ""
        if not corrupted and self.is_main and self._saved_step != self.step:
            try:
                yield from self._checkpoint(periodic=False)
                yield from self._collect_writes(wait=True)
                tried = f"; a last checkpoint of step {self.step} was written"
            except (RunWriteError, OSError):
                tried = f"; a last checkpoint of step {self.step} could not be written either"
        raise GanStudioError(f"{exc}{tried}: free disk space or check the folder's permissions; {self.kept_note()}")

    # -- evaluation (metrics/live.py runs it in a thread; here: hand-over, results, `best`) --------------
    @property
    def _pending_dir(self) -> Path:
        return self.writer.checkpoints / PENDING

    def _start_eval(self):
        """Hand a frozen copy of G to the background evaluator, with a link to this step's checkpoint."""
        from .generator import LoadedGenerator
        from .metrics.evaluate import Protocol
        from .metrics.live import BackgroundEvaluator

        cfg = self.config
        if self._eval_off or not self.is_main:
            return
        if self._evaluator is None:
            self._evaluator = BackgroundEvaluator(self.data, Protocol(samples=cfg.eval_samples), self.device)
        if self._evaluator.busy:
            yield from self._emit(Message("info", f"step {self.step}: evaluation skipped, the one of step "
                                          f"{self._evaluating} is still running", self.step))
            return
        if self._saved_step != self.step:
            yield from self._checkpoint(periodic=False)
        yield from self._collect_writes(wait=True)  # the candidate is a link to this step's file
        candidate = self._pending_dir / f"{step_name(self.step)}{CKPT_SUFFIX}"
        with writing(candidate):
            ck.link_checkpoint(self.last_good, candidate)
        G = self.algo.frozen_generator()
        meta = {"step": self.step, "model": self.algo.describe(), "data": self.data.describe(),
                "config": cfg.to_dict()}
        self._evaluator.submit(self.step, LoadedGenerator(candidate, meta, G, self.device), candidate)
        self._evaluating = self._evaluated = self.step

    def _collect_evals(self, done: list | None = None):
        """Log finished evaluations (metrics.jsonl, eval/step_*.json), and make the best one `best`."""
        if self._evaluator is None:
            return
        from .metrics.checkpoint import headline

        for d in self._evaluator.poll() if done is None else done:
            if d.result is None:
                _unlink_pair(d.candidate)
                self._eval_off = True
                yield from self._emit(Message("warning", f"evaluation of step {d.step} failed ({d.error}); "
                                              "training goes on without domain scores", self.step))
                continue
            values = headline(d.result)
            path = self.writer.save_eval(d.step, d.result)
            self.writer.log_metrics({"step": d.step, "wall": round(time.time(), 3), "eval": True, **values,
                                     "eval_seconds": round(d.seconds, 2)})
            best = values["eval_fid"] < self.best_eval and d.candidate is not None and d.candidate.exists()
            if best:
                self.best_eval = values["eval_fid"]
                dst = checkpoint_path(self.run_dir, BEST)
                with writing(dst):
                    ck.promote_checkpoint(d.candidate, dst)
            else:
                _unlink_pair(d.candidate)
            yield from self._emit(EvalScores(d.step, values, str(path), best))
            if best:
                yield from self._emit(CheckpointSaved(d.step, str(dst), ("best",)))

    def _finish_evals(self, wait: bool):
        """At the end: wait for a running evaluation when asked (or when it is quick), then tidy up."""
        ev = self._evaluator
        if ev is not None and ev.busy and (wait or ev.ready):
            yield from self._emit(Message("info", f"waiting for the evaluation of step {self._evaluating} ...",
                                          self.step))
            yield from self._collect_evals(ev.wait())
        yield from self._collect_evals()
        if ev is None or not ev.busy:
            shutil.rmtree(self._pending_dir, ignore_errors=True)

    def _restore(self, ckpt: ck.Checkpoint) -> None:
        ck.load_modules(ckpt, self.algo.modules)
        try:
            ck.load_optimizers(ckpt, self.algo.optimizers, self.device)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise CheckpointError(f"{ckpt.path}: its optimizer state is damaged ({type(exc).__name__}: {exc}); "
                                  "resume from a kept step_* checkpoint instead") from None
        self.algo.forget_graph()  # the optimizer state has new storage: a captured step would read the old one
        try:
            self.algo.load_rng_state({k[4:]: v for k, v in ckpt.tensors.items() if k.startswith("rng/")})
            self.sampler.load_state(ckpt.group("sampler"), ckpt.meta["sampler"])
            ck.restore_global_rng(ckpt)
        except (KeyError, ValueError, RuntimeError, TypeError, IndexError, AttributeError) as exc:
            raise CheckpointError(f"{ckpt.path}: its sampler/RNG state does not fit this run ({exc})") from None
        self.step = ckpt.step
        self.elapsed = float(ckpt.meta.get("elapsed", 0.0))
        self.best = float(ckpt.meta.get("proxy", {}).get("best", math.inf))
        self.last_good = ckpt.path
        self._saved_step = self.step
        self._proxy_cache = (-1, None)  # weights changed under the same step numbers


def _unlink_pair(path: Path | None) -> None:
    if path is not None:
        path.unlink(missing_ok=True)
        path.with_suffix(".json").unlink(missing_ok=True)
