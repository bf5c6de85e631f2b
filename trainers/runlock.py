"""One writer per run folder. A training run holds ``RUN_DIR/run.lock`` (JSON: the holder's pid, host and process
start time) from before it reads or writes anything until it ends; a second run in the same folder is refused
with one line naming the holder. A lock whose holder is gone (killed, crashed, the machine restarted) is stale:
the next run takes it over and says so. On another host the holder's life cannot be checked, so such a lock is
only ever taken over by hand (the message says which file to delete).

The app trains in its own process: two runs of one app in one folder are told apart by the locks this process
holds (``_HELD``)."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

from .errors import ConfigError

LOCK = "run.lock"
_HELD: set[str] = set()  # lock files this process holds (the app can run trainings on threads)
_HELD_GUARD = threading.Lock()


class RunInUse(ConfigError):
    """The run folder is being trained by another process (or another run of this one)."""


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), which tells a live holder from a new process
    that got its recycled pid; None where /proc is not there."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _alive(pid: int, ticks: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: alive
    except OSError:
        return False
    now = _start_ticks(pid)
    return ticks is None or now is None or now == ticks


def read_lock(run_dir: str | Path) -> dict | None:
    """The holder recorded in a run folder's lock ({"pid", "host", "started", ...}); None when there is no lock
    or it cannot be read as one (a half-written or foreign file)."""
    path = Path(run_dir) / LOCK
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "r", errors="replace") as f:
            holder = json.loads(f.read(4096))
    except (OSError, ValueError):
        return None
    if not isinstance(holder, dict) or not isinstance(holder.get("pid"), int):
        return None
    return holder


def holder_line(holder: dict) -> str:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(holder["started"])) \
        if isinstance(holder.get("started"), (int, float)) else "an unknown time"
    return f"process {holder['pid']} on {holder.get('host') or 'an unknown host'} (since {when})"


def in_use(run_dir: str | Path) -> dict | None:
    """The live holder of a run folder (this host: checked; another host: assumed live), else None."""
    path = Path(run_dir) / LOCK
    holder = read_lock(run_dir)
    if holder is None:
        return None
    if holder.get("host") != socket.gethostname():
        return holder
    if holder["pid"] == os.getpid():
        return holder if str(path.resolve()) in _HELD else None
    return holder if _alive(holder["pid"], holder.get("ticks")) else None


class RunLock:
    """``RunLock(run_dir).acquire()`` → the lock (``note``: what was taken over, or ""); ``release()`` at the end."""

    def __init__(self, run_dir: str | Path, enabled: bool = True):
        self.enabled = enabled  # False on the ranks of a multi-process run other than 0: rank 0 holds it
        self.dir = Path(run_dir).expanduser()
        self.path = self.dir / LOCK
        self.note = ""
        self._held = False

    def acquire(self) -> "RunLock":
        if not self.enabled:
            return self
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot write the run folder {self.dir} ({exc.strerror or exc}); choose another --out")
        key = str(self.path.resolve())
        for _ in range(3):  # a holder that vanishes between our looks: try again
            with _HELD_GUARD:
                if self._create(key):
                    return self
                holder = read_lock(self.dir)
                live = in_use(self.dir)
                if live is not None:
                    raise RunInUse(f"{self.dir} is in use: {holder_line(live)} is training in it. Wait for that "
                                   "run to end, stop it, or choose another --out" + (
                                       f" (if it is gone, delete {self.path})"
                                       if live.get("host") != socket.gethostname() else ""))
                self.note = (f"{self.dir} had a lock left by {holder_line(holder)}, which is no longer running: "
                             "taken over" if holder else f"{self.path} was damaged or foreign: replaced")
                try:
                    self.path.unlink()
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    raise ConfigError(f"cannot replace the stale lock {self.path} ({exc.strerror or exc}): "
                                      "delete it or choose another --out") from None
        raise RunInUse(f"{self.dir} is in use: another run keeps taking its lock ({self.path})")

    def _create(self, key: str) -> bool:
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time(),
                "ticks": _start_ticks(os.getpid())}
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except FileExistsError:
            return False
        except OSError as exc:
            raise ConfigError(f"cannot write the run folder {self.dir} ({exc.strerror or exc}); "
                              "choose another --out") from None
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(info))
        _HELD.add(key)
        self._held = True
        return True

    def __del__(self):  # a run dropped without closing (never iterated) frees its folder when it is collected
        try:
            self.release()
        except Exception:
            pass

    def release(self) -> None:
        """Idempotent: removes the lock if this lock still holds it."""
        if not self._held:
            return
        self._held = False
        key = str(self.path.resolve())
        with _HELD_GUARD:
            _HELD.discard(key)
            holder = read_lock(self.dir)
            if holder is not None and holder["pid"] == os.getpid():
                try:
                    self.path.unlink()
                except OSError:
                    pass  # gone already, or the folder became unwritable: the next run sees it as stale
