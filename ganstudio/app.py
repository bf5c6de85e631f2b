"""Start the desktop app: QApplication, theme, main window. PyTorch is not imported on the way up (the
window appears first); it loads on a background thread right after, ready before the first run starts."""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import time

T0 = time.perf_counter()


def _warm_torch() -> None:
    try:
        import torch  # noqa: F401

        import trainers.config  # noqa: F401
        import trainers.models  # noqa: F401
    except Exception:
        return  # the error surfaces, with a message, when a run starts
    gc.freeze()  # long-lived: keep them out of full GC sweeps, which would stall the window
    from .workers.prefetch import prefetch_digits

    prefetch_digits()  # the first Quick start then finds the embedded digits drawn


def collect_on_gui_thread(app):
    """Run Python's cyclic garbage collector on the GUI thread only, from a timer, instead of wherever an
    allocation happens to trigger it. A collection started on a worker thread can destroy a dead widget there,
    and a QObject destroyed off the GUI thread can deadlock on the interpreter lock (seen: the Text tool's thread,
    building a model, stuck in a QWidget's destructor). Same thresholds as the automatic collector; checked
    every 200 ms. Returns the timer (kept by the caller)."""
    from PySide6.QtCore import QTimer

    def collect() -> None:
        counts, limits = gc.get_count(), gc.get_threshold()
        gen = 2 if counts[2] > limits[2] else 1 if counts[1] > limits[1] else 0 if counts[0] > limits[0] else -1
        if gen >= 0:
            gc.collect(gen)

    gc.disable()
    timer = QTimer(app)
    timer.setInterval(200)
    timer.timeout.connect(collect)
    timer.start()
    return timer


def create_app(argv: list[str] | None = None):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from . import theme

    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("GAN Studio")
    app.setOrganizationName("GAN Studio")
    app.setApplicationDisplayName("GAN Studio")
    theme.apply(app)
    return app


def main(argv: list[str] | None = None, warm: bool = True) -> int:
    """Open the app; returns its exit code. Paths given on the command line are opened as runs."""
    from PySide6.QtCore import QTimer

    from . import qtlibs

    paths = [a for a in (argv or []) if not a.startswith("-")]
    problem = qtlibs.check()  # Qt would abort with a misleading line: say which package is missing instead
    if problem:
        print(problem, file=sys.stderr)
        return 1
    app = create_app()
    from .main_window import MainWindow

    window = MainWindow()
    window.show()
    app._gc_timer = collect_on_gui_thread(app)
    for p in paths:
        window.open_run(p)
    if os.environ.get("GANSTUDIO_STARTUP_REPORT"):
        QTimer.singleShot(0, lambda: (print(f"window shown after {time.perf_counter() - T0:.3f} s", flush=True),
                                      window.close()))
    if warm:
        threading.Thread(target=_warm_torch, name="warm-torch", daemon=True).start()
    # Ctrl+C in the terminal closes the window the normal way (runs stop with a checkpoint).
    signal.signal(signal.SIGINT, lambda *_: window.close())
    ticker = QTimer()
    ticker.start(250)
    ticker.timeout.connect(lambda: None)  # lets Python run its signal handlers while Qt waits
    return app.exec()
