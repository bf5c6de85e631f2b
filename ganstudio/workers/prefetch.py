"""Draw the embedded digits in the background when the app opens and they are not cached yet, at low priority,
so the first Quick start finds them ready (drawing 60,000 digits takes about 5 s on an idle 2-core CPU and three
times that on a busy one). A run started meanwhile waits for this drawing and shows its progress
(``trainers.data.digits.load`` lets one thread draw)."""

from __future__ import annotations

import threading

_started: threading.Thread | None = None


def prefetch_digits(n: int = 60000) -> threading.Thread | None:
    """Start the background drawing if the cache lacks ``n`` digits; the thread, or None when nothing is to do."""
    global _started
    from trainers.data import digits

    if digits.cache_path(n).exists() or (_started is not None and _started.is_alive()):
        return None

    def draw() -> None:
        from .training import _yield_to_the_gui

        _yield_to_the_gui()  # nice the thread: the window stays smooth while it draws
        try:
            digits.load(n)
        except Exception:
            pass  # a run that needs them draws them itself and reports any error there

    _started = threading.Thread(target=draw, name="prefetch-digits", daemon=True)
    _started.start()
    return _started
