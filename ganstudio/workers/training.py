"""The training thread: drives ``trainers.train`` (the engine's event generator) and relays its events.

Plain data only crosses the thread boundary: the engine's frozen event dataclasses (floats, ints, numpy
arrays, paths). Commands go in through a thread-safe queue and are sent into the generator at its next
yield (every ~0.1 s while training, every ~50 ms while paused), which is where pause/stop/step take effect.
"""

from __future__ import annotations

import gc
import os
import queue
import sys
import threading
import traceback

from PySide6.QtCore import QThread, Signal


NICE = 5  # a bit below the GUI thread: the window stays responsive on a laptop whose cores training fills


def _yield_to_the_gui() -> None:
    """Lower this thread's scheduling priority (Linux: per-thread nice; torch's OpenMP workers, created from
    this thread, inherit it). The GUI thread then gets a core promptly when it needs one; when it is idle,
    training has the whole machine. Lowering priority needs no privilege; elsewhere it is a no-op."""
    if sys.platform.startswith("linux"):
        try:
            tid = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + NICE))
        except (OSError, AttributeError):
            pass


def busy_note(load: float | None = None, cores: int | None = None) -> str:
    """" · slower now: other programs keep the CPU busy (load 3.1 on 2 cores)" when they do, else ""."""
    try:
        load = os.getloadavg()[0] if load is None else load
    except (OSError, AttributeError):
        return ""
    cores = cores or os.cpu_count() or 1
    return f" · slower now: other programs keep the CPU busy (load {load:.1f} on {cores} cores)" \
        if load > cores + 1 else ""


def preparing_text(config: dict) -> str:
    """What the app says until the first event. The embedded digits are drawn once (tens of seconds on a busy
    laptop) and cached on disk by the engine, keyed by their drawing version; later starts read the cache."""
    data, model = config.get("data", ""), config.get("model", "")
    if data == "digits":
        from trainers.data.digits import cache_dir, cache_path

        n = config.get("data_limit") or 60000
        if not cache_path(n).exists():
            return (f"Drawing {n:,} digits for the first time (up to a minute on a busy machine; cached in "
                    f"{cache_dir()} so later runs start at once), then building {model}…")
        return f"Loading the digits from the cache and building {model}…"
    return f"Preparing {data} and building {model}…"


class TrainingThread(QThread):
    """Runs one training run to its end. Stop (or closing the app) sends STOP: the engine writes a final
    checkpoint and finishes; nothing is killed mid-write."""

    sig_event = Signal(object)
    """An event from ``trainers.events`` (RunStarted, Stats, SampleGrid, CheckpointSaved, Message, Paused,
    Resumed, Finished). Idle heartbeats are not relayed."""
    sig_failed = Signal(str, str)
    """The run could not start or broke: (one-line message for the user, details/traceback or "")."""
    sig_status = Signal(str)
    """A progress line before the first event (loading data, building models)."""

    def __init__(self, config: dict, resume: bool = False, parent=None):
        super().__init__(parent)
        self.config = dict(config)
        self.resume = resume
        self._commands: queue.SimpleQueue[str] = queue.SimpleQueue()

    def command(self, cmd: str) -> None:
        """Queue a command (pause, resume, stop, step_d, step_g, save; step_d_a, step_d_b for a family with a
        discriminator per domain); safe from any thread."""
        self._commands.put(cmd)

    def _preparing(self, what: str, done: int, total: int) -> None:
        """The engine's progress while it prepares the data (drawing the digits, reading a folder)."""
        verb = "Drawing" if what == "digits" else "Reading"  # only the embedded digits are drawn
        self.sig_status.emit(f"{verb} {what}: {done:,} of {total:,} ({100 * done // max(total, 1)}%)"
                             + (", cached for later runs…" if verb == "Drawing" else "…") + busy_note())

    def run(self) -> None:  # noqa: D401 - QThread API
        _yield_to_the_gui()
        try:
            from trainers import GanStudioError, TrainConfig, train
            from trainers.events import Finished, Idle
        except Exception as exc:  # a broken install: say so instead of dying silently
            self.sig_failed.emit(f"cannot load the training engine ({exc})", traceback.format_exc())
            return
        self.sig_status.emit(preparing_text(self.config))
        try:
            run = train(TrainConfig.from_dict(self.config), resume=self.resume, progress=self._preparing)
        except GanStudioError as exc:
            self.sig_failed.emit(str(exc), "")
            return
        except MemoryError:
            self.sig_failed.emit("out of memory while loading the data: use a smaller dataset or data limit", "")
            return
        except Exception as exc:
            self.sig_failed.emit(f"the run could not start: {exc}", traceback.format_exc())
            return
        # Torch, the data and the models are now in memory for good: take them out of the garbage collector's
        # full sweeps, which otherwise hold the interpreter lock (and so the window) for 100-300 ms at a time.
        gc.freeze()
        try:
            event = next(run)
            while True:
                if not isinstance(event, Idle):
                    self.sig_event.emit(event)
                if isinstance(event, Finished):
                    break
                try:
                    cmd = self._commands.get_nowait()
                except queue.Empty:
                    cmd = None
                event = run.send(cmd)
        except StopIteration:
            pass
        except GanStudioError as exc:
            self.sig_failed.emit(str(exc), "")
        except Exception as exc:
            self.sig_failed.emit(f"training stopped by an internal error: {exc}. The last checkpoint on disk is "
                                 "kept.", traceback.format_exc())
        finally:
            run.close()
            gc.unfreeze()  # let a later full sweep reclaim this run's cycles
