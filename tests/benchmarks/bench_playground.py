"""Benchmark (not a test): the Playground tab's frame rate while it plays, per preset.

    python -m tests.benchmarks.bench_playground [--seconds 8] [--speed 5]

Plays each preset in the real panel (a 60 fps timer; each frame runs ``--speed`` steps, at most 30 ms of
them, then draws) and prints frames per second, steps per second, and how a frame's time splits between
stepping, the snapshot (heatmap, gradients, manifold, scores) and drawing. Runs offscreen unless DISPLAY is
set (use xvfb-run for a real X server). Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--speed", type=int, default=5, help="steps per frame asked for")
    args = ap.parse_args(argv)
    os.environ.setdefault("GANSTUDIO_CONFIG_DIR", tempfile.mkdtemp())
    from PySide6.QtCore import QElapsedTimer, QTimer

    from ganstudio.app import create_app
    from ganstudio.playground.panel import PlaygroundPanel
    from trainers.playground import PRESETS

    app = create_app()
    from tests.benchmarks.bench_app import machine

    print(f"machine: {machine()}")
    panel = PlaygroundPanel()
    panel.resize(1030, 720)
    panel.show()
    for title in PRESETS:
        panel.load_preset(title)
        panel.speed.setValue(args.speed)
        game = panel.game
        parts = {"step": 0.0, "snapshot": 0.0, "draw": 0.0}
        step0, snap0, show0 = game.step, game.snapshot, panel.canvas.show_snapshot

        def timed(fn, key):
            def run(*a, **k):
                t = time.perf_counter()
                try:
                    return fn(*a, **k)
                finally:
                    parts[key] += time.perf_counter() - t
            return run

        game.step, game.snapshot = timed(step0, "step"), timed(snap0, "snapshot")
        panel.canvas.show_snapshot = timed(show0, "draw")
        frames0, steps0 = panel.frames_drawn, game.step_count
        clock = QElapsedTimer()
        clock.start()
        panel.set_playing(True)
        stop = QTimer()
        stop.setSingleShot(True)
        stop.timeout.connect(app.quit)
        stop.start(int(args.seconds * 1000))
        app.exec()
        panel.set_playing(False)
        seconds = clock.elapsed() / 1000
        frames, steps = panel.frames_drawn - frames0, game.step_count - steps0
        panel.canvas.show_snapshot = show0
        per = {k: v / max(frames, 1) * 1000 for k, v in parts.items()}
        print(f"{title:36s} {frames / seconds:5.1f} fps · {steps / seconds:6.0f} steps/s · per frame: step "
              f"{per['step']:.1f} ms, snapshot {per['snapshot']:.1f} ms, draw {per['draw']:.1f} ms")
    panel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
