"""What the app knows about one run, without Qt: metric series in growing numpy buffers, the list of
sample snapshots (paths on disk, not images in RAM), and an incremental reader of a growing metrics.jsonl.

The same model is filled from a live training thread's events or from a run folder another process writes.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from trainers.runfolder import SAMPLE_RE, SAMPLES, checkpoint_path, config_path, metrics_path, sidecar_path
NOT_SERIES = frozenset({"step", "time", "wall", "manual"})


class Series:
    """A growing (step, value) buffer: amortised O(1) append, views without copies (pyqtgraph's
    scrollingPlots pattern)."""

    def __init__(self, capacity: int = 1024):
        self._x = np.empty(capacity, dtype=np.float64)
        self._y = np.empty(capacity, dtype=np.float64)
        self.n = 0
        self.version = 0  # bumped on truncation, so cached smoothings know to start over

    def append(self, x: float, y: float) -> None:
        if self.n == len(self._x):
            self._x = np.resize(self._x, 2 * self.n)
            self._y = np.resize(self._y, 2 * self.n)
        self._x[self.n] = x
        self._y[self.n] = y
        self.n += 1

    def extend(self, xs: np.ndarray, ys: np.ndarray) -> None:
        need = self.n + len(xs)
        if need > len(self._x):
            cap = max(need, 2 * len(self._x))
            self._x = np.resize(self._x, cap)
            self._y = np.resize(self._y, cap)
        self._x[self.n:need] = xs
        self._y[self.n:need] = ys
        self.n = need

    def truncate_after(self, step: float) -> None:
        keep = int(np.searchsorted(self._x[:self.n], step, side="right"))
        if keep < self.n:
            self.n = keep
            self.version += 1

    @property
    def x(self) -> np.ndarray:
        return self._x[:self.n]

    @property
    def y(self) -> np.ndarray:
        return self._y[:self.n]

    def __len__(self) -> int:
        return self.n


def ema(values: np.ndarray, alpha: float, state: tuple[float, int] = (0.0, 0), block: int = 128
        ) -> tuple[np.ndarray, tuple[float, int]]:
    """TensorBoard's debiased exponential moving average, vectorised in blocks.

    b_t = α·b_{t-1} + (1-α)·x_t with b_{-1} = 0, and y_t = b_t / (1 - α^(t+1)). ``state`` = (b, count) carries
    the average over calls, so a growing series is smoothed incrementally. NaN entries repeat the previous
    value. Within a block the recursion is a matrix product; only the carries between blocks are sequential.
    """
    x = np.asarray(values, dtype=np.float64)
    b_prev, count = state
    if x.size == 0:
        return x.copy(), state
    if not (0.0 <= alpha < 1.0):
        raise ValueError(f"smoothing must be in [0, 1), got {alpha}")
    bad = ~np.isfinite(x)
    if bad.any():  # forward-fill NaN/Inf so one bad point does not poison the rest of the curve
        idx = np.where(bad, 0, np.arange(x.size))
        np.maximum.accumulate(idx, out=idx)
        x = x[idx]
        if not np.isfinite(x[0]):
            x = np.where(np.isfinite(x), x, 0.0)
    n = x.size
    nb = -(-n // block)
    padded = np.zeros(nb * block)
    padded[:n] = x
    i = np.arange(block)
    powers = alpha ** (i + 1.0)  # α^(i+1)
    lag = i[:, None] - i[None, :]
    weights = np.where(lag >= 0, (1 - alpha) * alpha ** np.maximum(lag, 0).astype(np.float64), 0.0)
    local = padded.reshape(nb, block) @ weights.T  # the average of each block as if it started from zero
    starts = np.empty(nb)
    carry = b_prev
    decay = alpha ** block
    for j in range(nb):
        starts[j] = carry
        carry = decay * carry + local[j, -1]
    biased = (local + powers[None, :] * starts[:, None]).reshape(-1)[:n]
    t = count + np.arange(1, n + 1, dtype=np.float64)
    with np.errstate(over="ignore", under="ignore"):
        debias = 1.0 - alpha ** t
    y = biased / np.where(debias > 0, debias, 1.0)
    return y, (float(biased[-1]), count + n)


@dataclass
class Snapshot:
    step: int
    path: str


@dataclass
class RunData:
    """Everything the views show about one run. Bounded in RAM: curves are numpy buffers (16 bytes a point)
    and snapshots are file paths; images are decoded only when shown."""

    name: str
    run_dir: str
    config: dict = field(default_factory=dict)
    model_info: dict = field(default_factory=dict)
    total_steps: int = 0
    device: str = ""
    step: int = 0
    time: float = 0.0
    latest: dict[str, float] = field(default_factory=dict)
    series: dict[str, Series] = field(default_factory=dict)
    snapshots: list[Snapshot] = field(default_factory=list)
    clock: Series = field(default_factory=Series)  # step → seconds since the run started (relative x axis)
    wall_clock: Series = field(default_factory=Series)  # step → wall-clock seconds (wall-time x axis)
    version: int = 0  # bumped on every change the views should pick up

    @property
    def model(self) -> str:
        return str(self.config.get("model", ""))

    @property
    def dataset(self) -> str:
        data = self.config.get("dataset")
        if isinstance(data, dict) and data.get("name"):
            return str(data["name"])
        return os.path.basename(str(self.config.get("data", ""))) or ""

    def set_config(self, config: dict) -> None:
        self.config = dict(config)
        self.model_info = dict(config.get("model_info") or {})
        steps = config.get("steps")
        if isinstance(steps, int) and steps > 0:
            self.total_steps = steps
        self.version += 1

    def add_record(self, record: dict) -> None:
        """One metrics line (or one Stats event as a dict): step plus named values; None means NaN."""
        step = record.get("step")
        if not isinstance(step, (int, float)) or isinstance(step, bool):
            return
        for key, value in record.items():
            if key in NOT_SERIES or isinstance(value, bool):
                continue
            if value is None:
                value = math.nan
            if not isinstance(value, (int, float)):
                continue
            s = self.series.get(key)
            if s is None:
                s = self.series[key] = Series()
            s.append(float(step), float(value))
            self.latest[key] = float(value)
        if record.get("eval"):  # scores of an earlier step, computed in the background: the run is further on
            self.version += 1
            return
        self.step = int(step)
        t = record.get("time")
        if isinstance(t, (int, float)) and not isinstance(t, bool):
            self.time = float(t)
            self.clock.append(float(step), float(t))
        wall = record.get("wall")
        if isinstance(wall, (int, float)) and not isinstance(wall, bool):
            self.wall_clock.append(float(step), float(wall))
        self.version += 1

    def truncate_after(self, step: int) -> None:
        """A resumed run restarts at its checkpoint's step: forget what came after."""
        for s in (*self.series.values(), self.clock, self.wall_clock):
            s.truncate_after(step)
        self.snapshots = [s for s in self.snapshots if s.step <= step]
        self.step = min(self.step, step)
        self.version += 1

    def clear_metrics(self) -> None:
        for s in (*self.series.values(), self.clock, self.wall_clock):
            s.n = 0
            s.version += 1
        self.latest.clear()
        self.step = 0
        self.version += 1

    def add_snapshot(self, step: int, path: str) -> None:
        """Insert or replace the snapshot of ``step`` (a resumed run redraws steps it had drawn)."""
        snaps = self.snapshots
        if not snaps or step > snaps[-1].step:
            snaps.append(Snapshot(step, path))
        else:
            for k, s in enumerate(snaps):
                if s.step == step:
                    snaps[k] = Snapshot(step, path)
                    break
                if s.step > step:
                    snaps.insert(k, Snapshot(step, path))
                    break
        self.version += 1


def list_samples(run_dir: str | Path) -> list[Snapshot]:
    """The run's samples/step_XXXXXXX.png files in step order."""
    folder = Path(run_dir) / SAMPLES
    out = []
    try:
        with os.scandir(folder) as it:
            for entry in it:
                m = SAMPLE_RE.match(entry.name)
                if m:
                    out.append(Snapshot(int(m.group(1)), entry.path))
    except OSError:
        return []
    out.sort(key=lambda s: s.step)
    return out


class MetricsTail:
    """Reads a metrics.jsonl that another process may still be appending to, a bounded chunk at a time.

    A half-written last line waits for its newline. If the file shrinks or is replaced (a resumed run
    truncates it), ``poll`` reports ``reset=True`` and starts over from the top.
    """

    def __init__(self, path: str | Path, chunk_bytes: int = 4 << 20):
        self.path = Path(path)
        self.chunk_bytes = chunk_bytes
        self.offset = 0
        self._partial = b""
        self._ident: tuple[int, int] | None = None

    def pending(self) -> bool:
        """True when more bytes wait beyond what was read (a big file is read over several polls)."""
        try:
            return os.stat(self.path).st_size > self.offset
        except OSError:
            return False

    def poll(self) -> tuple[list[dict], bool]:
        """Return (new complete records, reset) since the last poll."""
        try:
            st = os.stat(self.path)
        except OSError:
            return [], False
        ident = (st.st_dev, st.st_ino)
        reset = False
        if self._ident is not None and (ident != self._ident or st.st_size < self.offset):
            self.offset, self._partial, reset = 0, b"", True
        self._ident = ident
        if st.st_size == self.offset:
            return [], reset
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read(self.chunk_bytes)
        except OSError:
            return [], reset
        self.offset += len(data)
        data = self._partial + data
        lines = data.split(b"\n")
        self._partial = lines.pop()
        records = []
        for line in lines:
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue
            if isinstance(rec, dict):
                records.append(rec)
        return records, reset


def read_run_config(run_dir: str | Path) -> dict:
    """config.json of a run folder, or {} when absent or unreadable."""
    try:
        cfg = json.loads(config_path(run_dir).read_text())
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return cfg if isinstance(cfg, dict) else {}


def looks_like_run(path: str | Path) -> bool:
    p = Path(path)
    return config_path(p).is_file() or metrics_path(p).is_file()


def last_step(run_dir: str | Path, tail_bytes: int = 65536) -> int | None:
    """The newest training step a run folder records, read cheaply (the run list shows it for every known run
    at launch): the last training line of metrics.jsonl (only its tail is read), else the step of
    checkpoints/last's sidecar. None when neither says."""
    try:
        with open(metrics_path(run_dir), "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(f.tell() - tail_bytes, 0))
            lines = f.read().split(b"\n")
    except OSError:
        lines = []
    for line in reversed(lines):
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            continue  # blank, half-written, cut by the tail, or damaged
        step = rec.get("step") if isinstance(rec, dict) else None
        if isinstance(step, int) and not isinstance(step, bool) and not rec.get("eval"):
            return step
    try:
        meta = json.loads(sidecar_path(checkpoint_path(run_dir)).read_text())
        step = meta.get("step") if isinstance(meta, dict) else None
        return step if isinstance(step, int) else None
    except (OSError, ValueError, RecursionError):
        return None
