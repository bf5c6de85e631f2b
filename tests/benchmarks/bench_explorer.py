"""Slider-to-pixels latency in the explorer: drag a slider at 60 events/s and time each event until the
current-sample canvas has painted a picture of that value (or a newer one).

    python -m tests.benchmarks.bench_explorer [--checkpoint CKPT] [--events 300] [--hz 60]

Without --checkpoint it uses the bundled DCGAN on digits (28×28). Each tool is measured with its own grid
rendering behind the sample (the directions sweep, the InfoGAN traversal, the all-classes grid), because
those compete for the same render thread. Prints p50 / p95 / max in ms, renders per event, and the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("GANSTUDIO_CONFIG_DIR", tempfile.mkdtemp(prefix="ganstudio-bench-"))


def _drag(app, ex, slider_for, events: int, hz: float, lo: float, hi: float) -> dict:
    from PySide6.QtCore import QTimer

    pending: list[tuple[float, int]] = []  # (time of the event, request id it produced)
    lat: list[float] = []
    canvas = ex.canvas
    original = canvas.paintEvent

    def painted(event):
        original(event)
        now = time.perf_counter()
        while pending and pending[0][1] <= ex.shown_id:
            t, _ = pending.pop(0)
            lat.append((now - t) * 1000)

    canvas.paintEvent = painted
    renders0 = ex._thread.renders
    state = {"i": 0}
    timer = QTimer()
    timer.setInterval(int(1000 / hz))

    def tick():
        i = state["i"]
        if i >= events:
            timer.stop()
            return
        v = lo + (hi - lo) * (0.5 + 0.5 * __import__("math").sin(i / 9.0))
        t = time.perf_counter()
        slider_for().setValue(round(v, 2))
        pending.append((t, ex._latest_id))
        state["i"] += 1

    timer.timeout.connect(tick)
    timer.start()
    deadline = time.perf_counter() + events / hz + 20
    while (state["i"] < events or pending) and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.0005)
    canvas.paintEvent = original
    import numpy as np

    arr = np.asarray(lat)
    return {"events": events, "measured": len(arr), "p50": float(np.percentile(arr, 50)),
            "p95": float(np.percentile(arr, 95)), "max": float(arr.max()),
            "renders_per_event": (ex._thread.renders - renders0) / events}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", help="a .safetensors checkpoint (default: the bundled DCGAN)")
    ap.add_argument("--events", type=int, default=300)
    ap.add_argument("--hz", type=float, default=60.0)
    args = ap.parse_args(argv)

    import torch
    from PySide6.QtWidgets import QApplication

    from ganstudio.bundled import bundled_models
    from ganstudio.explorer.panel import ExplorerPanel

    app = QApplication.instance() or QApplication(sys.argv)
    models = {m.name: m for m in bundled_models()}
    ckpts = [args.checkpoint] if args.checkpoint else [str(m.checkpoint) for m in models.values()]
    if not ckpts:
        print("no checkpoint: pass --checkpoint or rebuild the bundled models (assets/models/rebuild.py)")
        return 2
    print(f"machine: {platform.machine()} · {os.cpu_count()} cores · torch {torch.__version__} "
          f"({torch.get_num_threads()} threads) · Qt offscreen")
    ex = ExplorerPanel()
    ex.resize(1200, 760)
    ex.show()
    for ckpt in ckpts:
        ex.set_run(None)
        ex.open_checkpoint(ckpt)
        t0 = time.perf_counter()
        while not (ex.ctx is not None and ex.ctx.checkpoint == ckpt and ex.settled and "main" in ex.images):
            app.processEvents()
            time.sleep(0.001)
        print(f"\n{ex.ctx.info.get('family')} {ex.ctx.info.get('image_size')}px, step {ex.ctx.info.get('step')}: "
              f"opened in {(time.perf_counter() - t0) * 1000:.0f} ms ({ckpt})")
        runs = [("latent", "z[0] slider", lambda: ex.latent_tool.sliders[0], -3.0, 3.0)]
        if ex.tabbar.isTabEnabled(1):
            runs.append(("infogan", "c1 slider", lambda: ex.tool("infogan").cont[0], -2.0, 2.0))
        if ex.tabbar.isTabEnabled(2):
            runs.append(("cgan", "blend slider", lambda: ex.tool("cgan").blend, 0.0, 1.0))
        for tool, what, slider, lo, hi in runs:
            ex.set_tool(tool)
            if tool == "cgan":
                ex.tool("cgan").blend_on.setChecked(True)
            while not ex.settled:
                app.processEvents()
                time.sleep(0.001)
            r = _drag(app, ex, slider, args.events, args.hz, lo, hi)
            print(f"  {tool:8s} {what:13s} slider-to-pixels p50 {r['p50']:5.1f} ms · p95 {r['p95']:5.1f} ms · "
                  f"max {r['max']:5.1f} ms · {r['renders_per_event']:.2f} renders/event "
                  f"({r['measured']}/{r['events']} events timed)")
    ex.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
