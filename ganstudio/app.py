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

    paths = [a for a in (argv or []) if not a.startswith("-")]
    app = create_app()
    from .main_window import MainWindow

    window = MainWindow()
    window.show()
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
