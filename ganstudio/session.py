"""One run in the app: either trained here (a TrainingThread) or watched from its folder (another process,
``ganstudio train`` or ``torchrun``, may be writing it). Either way it fills one ``RunData`` that the
views read; the session lives on the GUI thread and is the only thing that touches that data."""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from collections import deque
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from trainers import runfolder, runlock

from .rundata import MetricsTail, RunData, last_step, list_samples, read_run_config
from .workers import TrainingThread

LIVE_WINDOW_S = 20.0  # a folder whose metrics changed this recently counts as "live"

TRAINING_STATES = ("preparing", "training", "paused", "stopping")
STEPS = {"step_d": "D", "step_g": "G", "step_d_a": "D_A", "step_d_b": "D_B"}  # single updates, by the player stepped


@dataclasses.dataclass
class LogEntry:
    level: str
    text: str
    step: int
    when: float


class RunSession(QObject):
    """The controller of one run: owns its data, its training thread or folder watcher, and its state."""

    sig_changed = Signal()
    """State, step or description changed (sidebar, toolbar, status bar)."""
    sig_data = Signal()
    """New metric points or snapshots arrived (curves, grid)."""
    sig_image = Signal(int, object)
    """A fresh sample grid from the training thread: (step, HxWx3 uint8 array)."""
    sig_message = Signal(str, str)
    """Something the user should read: (level "info" | "warning" | "error", text)."""
    sig_checkpoint = Signal()
    """A checkpoint was written (the explorer lists it)."""
    sig_scores = Signal(int)
    """Domain scores of a step arrived (its eval/step_XXXXXXX.json is written)."""
    sig_finished = Signal()
    """The training thread ended (completed, stopped or failed) and has been joined."""

    def __init__(self, run_dir: str | Path, parent: QObject | None = None):
        super().__init__(parent)
        self.run_dir = str(Path(run_dir).expanduser().resolve())
        self.data = RunData(name=Path(self.run_dir).name, run_dir=self.run_dir)
        self.state = "idle"
        self.pause_reason = ""
        self.status_line = ""
        self.log: list[LogEntry] = []
        self.thread: TrainingThread | None = None
        self.last_checkpoint: str | None = None
        self._rate: tuple[float, int, float] | None = None  # (time, step, steps/s) for the ETA
        self._asked: deque[str] = deque()  # the players of the single updates sent and not yet reported
        self._save_asked = False  # a "save" was sent: its checkpoint is confirmed in the status bar and log
        self.started_at = 0.0
        self._tail: MetricsTail | None = None
        self._samples_mtime = 0.0
        self._config_mtime = 0.0
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._poll)

    # -- what the views ask --------------------------------------------------------------------------------
    @property
    def is_training(self) -> bool:
        return self.state in TRAINING_STATES

    @property
    def steps_per_s(self) -> float:
        return self._rate[2] if self._rate else 0.0

    def eta_s(self) -> float | None:
        rate = self.steps_per_s
        if rate <= 0 or not self.data.total_steps or self.state not in ("training", "watching"):
            return None
        return max(self.data.total_steps - self.data.step, 0) / rate

    @property
    def players(self) -> tuple[str, ...]:
        """The updates a user can step by hand while this run is paused (its family's ``players``: ("D", "G"), or
        ("D", "D_A", "D_B", "G") for CycleGAN and UNIT). Read from the engine's registry once the engine is loaded
        (a run trained here loads it); () before that, so listing and selecting runs never imports torch."""
        models = sys.modules.get("trainers.models")
        family = getattr(models, "MODELS", {}).get(self.data.model) if models is not None else None
        return tuple(family.players) if family is not None else ()

    def title(self) -> str:
        d = self.data
        bits = [b for b in (d.model, d.dataset) if b]
        return f"{d.name} · {' on '.join(bits)}" if bits else d.name

    # -- training here -------------------------------------------------------------------------------------
    def start_training(self, config: dict, resume: bool = False) -> None:
        """Train ``config`` (TrainConfig fields) into this session's folder on a background thread."""
        if self.is_training:
            raise RuntimeError("this run is already training")
        self._stop_watching()
        self.state, self.pause_reason = "preparing", ""
        self.status_line = "Starting…"
        self.started_at = time.monotonic()  # the status bar counts the seconds spent preparing
        self.data.total_steps = int(config.get("steps") or 0)
        self.thread = TrainingThread({**config, "out": self.run_dir}, resume=resume, parent=self)
        self.thread.sig_event.connect(self._on_event)
        self.thread.sig_failed.connect(self._on_failed)
        self.thread.sig_status.connect(self._on_status)
        self.thread.finished.connect(self._on_thread_finished)
        self._rate = None
        self._asked.clear()
        self.thread.start()
        self.sig_changed.emit()

    def command(self, cmd: str) -> None:
        if self.thread is None or not self.is_training:
            return
        if cmd == "stop":
            self.state = "stopping"
            self.status_line = "Stopping: writing a final checkpoint…"
            self.sig_changed.emit()
        if cmd in STEPS:
            self._asked.append(STEPS[cmd])
        if cmd == "save":
            self._save_asked = True  # the checkpoint it writes is confirmed aloud
            self._note("info", "saving a checkpoint…", self.data.step)
        self.thread.command(cmd)

    def stop_and_wait(self, timeout_ms: int = 120_000) -> bool:
        """Stop training and block until the thread has written its checkpoint and ended (tests, shutdown)."""
        if self.thread is None:
            return True
        if self.thread.isRunning():
            self.command("stop")
            if not self.thread.wait(timeout_ms):
                return False
        self._on_thread_finished()
        return True

    def _on_status(self, text: str) -> None:
        self.status_line = text
        self.sig_changed.emit()

    def _on_event(self, event) -> None:
        from trainers import events as ev

        d = self.data
        if isinstance(event, ev.Stats):
            d.add_record({"step": event.step, "time": event.time, "wall": time.time(), **event.values})
            self._update_rate(event.time, event.step)
            if event.values.get("manual"):
                self._report_manual(event.step, event.values)
            self.sig_data.emit()
            self.sig_changed.emit()
        elif isinstance(event, ev.SampleGrid):
            d.add_snapshot(event.step, event.path)
            self.sig_image.emit(event.step, event.image)
            self.sig_data.emit()
        elif isinstance(event, ev.RunStarted):
            if event.resumed:
                d.truncate_after(event.step)
            d.set_config(event.config)
            info = read_run_config(self.run_dir)
            if info:
                d.set_config(info)
            d.total_steps, d.step, d.device = event.total_steps, event.step, event.device
            self.state, self.status_line = "training", ""
            self._note("info", f"{'resumed' if event.resumed else 'started'} {event.model} on {event.dataset} "
                       f"({event.device}), {event.total_steps} steps", event.step)
            self.sig_changed.emit()
        elif isinstance(event, ev.CheckpointSaved):
            self.last_checkpoint = event.path
            asked, self._save_asked = self._save_asked, False
            self._note("info", f"checkpoint saved at step {event.step:,}: {event.path}" if asked else
                       f"checkpoint at step {event.step} ({', '.join(event.kinds)})", event.step, quiet=not asked)
            self.sig_checkpoint.emit()
            self.sig_changed.emit()
        elif isinstance(event, ev.EvalScores):
            from trainers.metrics.report import eval_line

            d.add_record({"step": event.step, "eval": True, **event.values})
            self._note("info", f"domain scores at step {event.step:,}: {eval_line(event.values)}"
                       + (" · new best" if event.best else ""), event.step, quiet=True)
            self.sig_scores.emit(event.step)
            self.sig_data.emit()
            self.sig_changed.emit()
        elif isinstance(event, ev.Message):
            self._note(event.level, event.text, event.step)
        elif isinstance(event, ev.Paused):
            self._asked.clear()  # single updates asked before this pause were done or refused by now
            if self.state != "stopping":
                self.state, self.pause_reason = "paused", event.reason
            self._rate = None
            self.sig_changed.emit()
        elif isinstance(event, ev.Resumed):
            self._asked.clear()  # what was asked of the pause is over: the engine takes commands in order
            if self.state != "stopping":
                self.state, self.pause_reason = "training", ""
            self.sig_changed.emit()
        elif isinstance(event, ev.Finished):
            self.state = "completed" if event.reason == "completed" else "stopped"
            self.last_checkpoint = event.checkpoint or self.last_checkpoint
            where = f"; checkpoint {Path(event.checkpoint).name}" if event.checkpoint else ""
            self._note("info", f"{self.state} at step {event.step}{where}", event.step)
            self.sig_changed.emit()

    def _report_manual(self, step: int, values: dict) -> None:
        """Step D / D_A / D_B / G: say what the single update did (status bar and log), as the curves barely move."""
        player = self._whose(values)
        keys = sorted((k for k, v in values.items() if k != "manual" and isinstance(v, (int, float))),
                      key=lambda k: (not k.startswith("loss"), k))  # the losses first
        shown = ", ".join(f"{k} {values[k]:.4g}" for k in keys)
        self._note("info", f"Stepped {player} at step {step:,}" + (f": {shown}" if shown else ""), step)

    def _whose(self, values: dict) -> str:
        """The player a single update's stats belong to. The stats tell G's update (loss_g alone) from a
        discriminator's, not which discriminator: D_A alone, D_B alone and both report the same keys. So the
        updates asked are kept in order (the engine does them in order) and matched against what the stats show:
        an ask the engine refused (a NaN pause, a family without that player) is passed over, and the list is
        cleared at each pause and resume."""
        kind = "G" if "loss_g" in values and "loss_d" not in values else "D"
        while self._asked:
            asked = self._asked.popleft()
            if (asked == "G") == (kind == "G"):
                return asked
        return kind

    def _on_failed(self, message: str, details: str) -> None:
        self.state = "failed"
        self.status_line = ""
        self._note("error", message, self.data.step)
        if details:
            self.log.append(LogEntry("error", details, self.data.step, time.time()))
        self.sig_changed.emit()

    def _on_thread_finished(self) -> None:
        thread = self.thread
        if thread is None:
            return
        thread.wait()
        self.thread = None
        if self.state in TRAINING_STATES:  # ended without Finished (failed) or was stopped while preparing
            self.state = "stopped" if self.state == "stopping" else "failed"
        self.status_line = ""
        thread.deleteLater()
        self.sig_changed.emit()
        self.sig_finished.emit()

    def _update_rate(self, t: float, step: int) -> None:
        if self._rate is None:
            self._rate = (t, step, 0.0)
            return
        t0, s0, r = self._rate
        if t - t0 >= 1.0:
            new = (step - s0) / (t - t0)
            self._rate = (t, step, new if r == 0 else 0.7 * r + 0.3 * new)

    def _note(self, level: str, text: str, step: int, quiet: bool = False) -> None:
        self.log.append(LogEntry(level, text, step, time.time()))
        if not quiet:
            self.sig_message.emit(level, text)

    def peek(self) -> None:
        """Read just enough of the folder to list it (step, planned steps, done or stopped) without loading its
        metrics: what the run list shows for the runs known from earlier sessions."""
        step = last_step(self.run_dir)
        cfg = read_run_config(self.run_dir)
        if cfg:
            self.data.set_config(cfg)
        if step is None:
            return
        d = self.data
        d.step = step
        self.state = "completed" if d.total_steps and step >= d.total_steps else "idle"
        self.sig_changed.emit()

    # -- watching a folder ---------------------------------------------------------------------------------
    def watch(self, interval_ms: int = 500) -> None:
        """Follow the run folder: read what is there, then keep polling for new metrics and snapshots."""
        self._tail = MetricsTail(runfolder.metrics_path(self.run_dir))
        self.data.clear_metrics()
        self.data.snapshots = []
        self._samples_mtime = self._config_mtime = 0.0
        self.state = "watching"
        self._poll()
        self._timer.start(interval_ms)

    def _stop_watching(self) -> None:
        self._timer.stop()
        self._tail = None

    def _poll(self) -> None:
        if self._tail is None:
            return
        changed = False
        cfg_path = runfolder.config_path(self.run_dir)
        try:
            m = cfg_path.stat().st_mtime
        except OSError:
            m = 0.0
        if m and m != self._config_mtime:
            self._config_mtime = m
            cfg = read_run_config(self.run_dir)
            if cfg:
                self.data.set_config(cfg)
                changed = True
        records, reset = self._tail.poll()
        if reset:
            self.data.clear_metrics()
            changed = True
        for rec in records:
            self.data.add_record(rec)
        if records:
            last = records[-1]
            if isinstance(last.get("time"), (int, float)):
                self._update_rate(float(last["time"]), int(last.get("step", 0)))
            changed = True
        try:
            sm = os.stat(Path(self.run_dir) / runfolder.SAMPLES).st_mtime
        except OSError:
            sm = 0.0
        if sm and sm != self._samples_mtime:
            self._samples_mtime = sm
            snaps = list_samples(self.run_dir)
            if [s.step for s in snaps] != [s.step for s in self.data.snapshots]:
                self.data.snapshots = snaps
                self.data.version += 1
                changed = True
        try:
            live = time.time() - os.stat(self._tail.path).st_mtime < LIVE_WINDOW_S
        except OSError:
            live = False
        # a run that holds the folder's lock is live even while it writes nothing (drawing data, a slow step):
        # watched, and Continue training stays off for it
        live = live or runlock.in_use(self.run_dir) is not None
        d = self.data
        state = "watching" if live else ("completed" if d.total_steps and d.step >= d.total_steps else "idle")
        if self._tail.pending():  # a big file: read the next chunk soon, keep the UI responsive meanwhile
            QTimer.singleShot(0, self._poll)
        if changed or state != self.state:
            self.state = state
            if changed:
                self.sig_data.emit()
            self.sig_changed.emit()

    # -- teardown ------------------------------------------------------------------------------------------
    def shutdown(self) -> None:
        self._stop_watching()
