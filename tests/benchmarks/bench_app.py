"""Benchmark (not a test): how the desktop app holds up. Prints figures and the machine; asserts nothing.

    python -m tests.benchmarks.bench_app [--seconds 20] [--model dcgan] [--skip-startup]

1. Start-up: from launching `python -m ganstudio` to the main window shown (median of 3; target ≤ 2 s).
2. Event-loop stalls while the app trains: the gaps between ticks of a 5 ms QTimer on the GUI thread
   (longest and 99th percentile; target: longest ≤ 50 ms).
3. Training speed in the app vs headless `ganstudio train` on the same config: mean img/s from each
   run's metrics.jsonl after a warm-up, alternating rounds (target ≥ 0.95×).
4. Curves at a million points: time to push 1M points through smoothing and one redraw.

Runs offscreen unless DISPLAY is set (use xvfb-run for a real X server).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")


def machine() -> str:
    import torch

    return (f"{platform.machine()} · {os.cpu_count()} CPUs · torch {torch.__version__} "
            f"({torch.get_num_threads()} threads) · Qt platform {os.environ['QT_QPA_PLATFORM']}")


def startup(tmp: Path, runs: int = 3) -> list[float]:
    times = []
    env = dict(os.environ, GANSTUDIO_STARTUP_REPORT="1", GANSTUDIO_CONFIG_DIR=str(tmp / "startup-settings"))
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "ganstudio"], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, env=env)
        for line in proc.stdout:
            if line.startswith("window shown"):
                times.append(time.perf_counter() - t0)
                break
        proc.wait(60)
    return times


def mean_rate(metrics: Path, warmup_s: float) -> tuple[float, int]:
    rows = [json.loads(line) for line in metrics.read_text().splitlines() if line.strip()]
    rows = [r for r in rows if r.get("img_per_s") and r.get("time", 0) >= warmup_s and not r.get("manual")]
    if not rows:
        return 0.0, 0
    return statistics.fmean(r["img_per_s"] for r in rows), len(rows)


def train_command(cfg: dict, out: Path, steps: int = 1_000_000) -> list[str]:
    """``ganstudio train`` with the sample / checkpoint / evaluation intervals of ``cfg``, as the app runs it."""
    return [sys.executable, "-m", "trainers", "train", "--model", cfg["model"], "--data", cfg["data"],
            "--steps", str(steps), "--out", str(out), "--sample-every", str(cfg["sample_every"]),
            "--checkpoint-every", str(cfg["checkpoint_every"]), "--eval-every", str(cfg["eval_every"])]


def open_window(settings_dir: Path):
    """The app's main window at 1280×800 with its settings in ``settings_dir``: (QApplication, MainWindow)."""
    os.environ["GANSTUDIO_CONFIG_DIR"] = str(settings_dir)
    from ganstudio.app import create_app
    from ganstudio.main_window import MainWindow

    app = create_app()
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    return app, window


def run_until_closed(app, window, session, every_ms: int, tick) -> None:
    """Call ``tick`` every ``every_ms`` on the GUI thread until it closes the window (or the run ends)."""
    from PySide6.QtCore import QTimer

    timer = QTimer(window)
    timer.setInterval(every_ms)
    timer.timeout.connect(tick)
    timer.start()
    window.destroyed.connect(app.quit)
    session.sig_finished.connect(app.quit)
    app.exec()
    session.stop_and_wait()


def headless(cfg: dict, out: Path, seconds: float) -> float:
    proc = subprocess.Popen(train_command(cfg, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    metrics = out / "metrics.jsonl"
    t_start = None
    while proc.poll() is None:
        time.sleep(0.2)
        if t_start is None and metrics.exists() and metrics.stat().st_size:
            t_start = time.perf_counter()
        if t_start is not None and time.perf_counter() - t_start >= seconds:
            break
    proc.send_signal(signal.SIGINT)
    proc.wait(120)
    return mean_rate(metrics, warmup_s=2.0)[0]


def in_app(cfg: dict, out: Path, seconds: float, settings_dir: Path, probe: bool = True
           ) -> tuple[float, list[float]]:
    """Train ``cfg`` in the app for ``seconds``; mean img/s and, with ``probe``, the 5 ms timer's gaps (the probe
    itself costs the GUI thread 200 wake-ups a second, so img/s is measured in a run without it)."""
    from PySide6.QtCore import QElapsedTimer, QTimer

    app, window = open_window(settings_dir)
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]
    phase = {"measure": False, "t0": None}

    def tick():
        now = clock.nsecsElapsed()
        if phase["measure"]:
            gaps.append((now - last[0]) / 1e6)
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    if probe:
        timer.start()
    session = window.start_run({**cfg, "steps": 1_000_000}, str(out))

    def watch():
        if phase["t0"] is None and session.data.series:
            phase["t0"] = time.perf_counter()
            phase["measure"] = True
        if phase["t0"] is not None and time.perf_counter() - phase["t0"] >= seconds and phase["measure"]:
            phase["measure"] = False  # shutdown (final checkpoint) is not part of the measurement
            window.close()  # stops the run, then the window

    run_until_closed(app, window, session, 200, watch)
    global LAST_GAPS
    LAST_GAPS = list(gaps)
    return mean_rate(out / "metrics.jsonl", warmup_s=2.0)[0], gaps


def curves_at_scale() -> tuple[float, float]:
    import numpy as np

    from ganstudio.app import create_app
    from ganstudio.panels.curves import CurvesPanel
    from ganstudio.rundata import RunData

    app = create_app()
    panel = CurvesPanel(smoothing=0.9)
    panel.resize(800, 600)
    panel.show()
    run = RunData("big", "/tmp/big")
    run.add_record({"step": 0, "loss_d": 1.0, "loss_g": 1.0})
    n = 1_000_000
    x = np.arange(1, n + 1, dtype=float)
    for key in ("loss_d", "loss_g"):
        run.series[key].extend(x, np.sin(x / 1e4) + np.random.default_rng(0).normal(0, 0.1, n))
    t0 = time.perf_counter()
    panel.set_runs(run)
    panel.canvas.repaint()
    app.processEvents()
    first = time.perf_counter() - t0
    for key in ("loss_d", "loss_g"):  # then one new point on each curve: the live case
        run.series[key].append(n + 1, 0.0)
    t0 = time.perf_counter()
    panel.mark_dirty()
    panel.refresh()
    panel.canvas.repaint()
    app.processEvents()
    live = time.perf_counter() - t0
    panel.close()
    panel.deleteLater()
    app.processEvents()
    return first, live


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0, help="measured training time per side")
    ap.add_argument("--model", default="dcgan")
    ap.add_argument("--skip-startup", action="store_true")
    ap.add_argument("--repeats", type=int, default=2, help="alternating headless/app rounds for the img/s ratio")
    args = ap.parse_args()
    # evaluation off: its first run trains a classifier in the background, which would blur the comparison
    cfg = {"model": args.model, "data": "digits", "sample_every": 100, "checkpoint_every": 1000, "eval_every": 0}
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if not args.skip_startup:
            times = startup(tmp)
            print(f"start-up to window shown: median {statistics.median(times):.2f} s "
                  f"(runs: {', '.join(f'{t:.2f}' for t in times)}; target ≤ 2 s)")
        first, live = curves_at_scale()
        print(f"curves, 2 × 1M points: first draw {first * 1000:.0f} ms; live update {live * 1000:.0f} ms")
        clis, apps = [], []
        for k in range(args.repeats):  # alternate the two sides, so drift on a shared machine hits both
            clis.append(headless(cfg, tmp / f"cli{k}", args.seconds))
            apps.append(in_app(cfg, tmp / f"app{k}", args.seconds, tmp / "settings", probe=False)[0])
        cli, app_rate = statistics.fmean(clis), statistics.fmean(apps)
        print(f"  rounds (headless, app): {', '.join(f'({c:.0f}, {a:.0f})' for c, a in zip(clis, apps))}")
        _, gaps = in_app(cfg, tmp / "app-probe", args.seconds, tmp / "settings", probe=True)
        gaps.sort()
        p99 = gaps[int(0.99 * (len(gaps) - 1))] if gaps else float("nan")
        print(f"{args.model} on digits, {args.seconds:.0f} s each, img/s after 2 s warm-up, mean of {args.repeats} rounds:")
        print(f"  headless ganstudio train: {cli:8.0f} img/s")
        print(f"  in the app:               {app_rate:8.0f} img/s   ratio {app_rate / cli:.3f} (target ≥ 0.95)")
        print(f"event loop while training (5 ms timer, {len(gaps)} ticks): longest gap {max(gaps):.1f} ms, "
              f"p99 {p99:.1f} ms, median {statistics.median(gaps):.1f} ms (target: longest ≤ 50 ms)")


if __name__ == "__main__":
    main()
