"""Benchmark (not a test): resident memory over a long training run, headless and in the app.

    python -m tests.benchmarks.bench_memory [--minutes 5] [--model dcgan] [--skip-app] [--skip-headless]

Memory must stay flat: the engine keeps one logging window of stats, the app a bounded history in RAM, the
rest goes to disk (metrics.jsonl, samples/, checkpoints/). Samples every 250 steps, checkpoints every 1000,
domain evaluation every 1000 (its classifier is trained or loaded at the first one), so every kind of
output is produced many times. Prints RSS after warm-up, the peak, the end, and the growth over the second
half of the run (MB per minute); asserts nothing. Linux (reads /proc).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.benchmarks.bench_app import open_window, run_until_closed, train_command  # noqa: E402


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def report(name: str, samples: list[tuple[float, float]], steps: int | None = None) -> None:
    if len(samples) < 4:
        print(f"{name}: too few samples")
        return
    t_end = samples[-1][0]
    warm = [m for t, m in samples if t >= min(30.0, t_end / 4)]
    half = [(t, m) for t, m in samples if t >= t_end / 2]
    m1 = half[-1][1]
    # least-squares slope over the second half: a trend, not one step (a first evaluation, a cache filling)
    ts, ms = [t for t, _ in half], [m for _, m in half]
    tm, mm = sum(ts) / len(ts), sum(ms) / len(ms)
    slope = sum((t - tm) * (m - mm) for t, m in half) / max(sum((t - tm) ** 2 for t in ts), 1e-9) * 60
    quarters = " → ".join(f"{min(samples, key=lambda s: abs(s[0] - q * t_end))[1]:.0f}" for q in (0.25, 0.5, 0.75, 1.0))
    print(f"{name}: RSS after warm-up {warm[0]:.0f} MB · peak {max(m for _, m in samples):.0f} MB · end {m1:.0f} MB"
          f" · at each quarter {quarters} MB · second half {slope:+.1f} MB/min (fitted) over {t_end / 60:.1f} min"
          + (f" ({steps} steps)" if steps else ""))


def last_step(out: Path) -> int | None:
    import json

    try:
        return int(json.loads((out / "metrics.jsonl").read_text().splitlines()[-1])["step"])
    except (OSError, IndexError, KeyError, ValueError):
        return None


def config(model: str) -> dict:
    return {"model": model, "data": "digits", "sample_every": 250, "checkpoint_every": 1000, "eval_every": 1000,
            "steps": 100_000_000}


def headless(model: str, seconds: float, out: Path) -> None:
    proc = subprocess.Popen(train_command(config(model), out, 100_000_000) + ["--quiet"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    t0, samples = time.perf_counter(), []
    while proc.poll() is None and time.perf_counter() - t0 < seconds:
        time.sleep(1.0)
        samples.append((time.perf_counter() - t0, rss_mb(proc.pid)))
    proc.terminate()
    proc.wait(120)
    report("headless ganstudio train", samples, last_step(out))


def in_app(model: str, seconds: float, out: Path, settings: Path) -> None:
    app, window = open_window(settings)
    session = window.start_run(config(model), str(out))
    t0, samples = time.perf_counter(), []

    def tick():
        samples.append((time.perf_counter() - t0, rss_mb(os.getpid())))
        if samples[-1][0] >= seconds and window.isVisible():
            window.close()

    run_until_closed(app, window, session, 1000, tick)
    report("in the app (training tab live)", samples, last_step(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--model", default="dcgan")
    ap.add_argument("--skip-app", action="store_true")
    ap.add_argument("--skip-headless", action="store_true")
    args = ap.parse_args()
    import torch

    print(f"machine: {platform.machine()} · {os.cpu_count()} CPUs · torch {torch.__version__} · "
          f"{args.model} on digits, {args.minutes:g} min per side")
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_headless:
            headless(args.model, args.minutes * 60, Path(tmp) / "cli")
        if not args.skip_app:
            in_app(args.model, args.minutes * 60, Path(tmp) / "app", Path(tmp) / "settings")


if __name__ == "__main__":
    main()
