"""Fixtures for the app's tests (pytest-qt, offscreen): fresh settings per test, a main window that is
closed (runs stopped) afterwards, and a guard that fails any test leaving a QThread running."""

from __future__ import annotations

import threading
import weakref

import pytest

from .conftest import tiny_config


@pytest.fixture
def fresh_settings(tmp_path, monkeypatch):
    folder = tmp_path / "settings"
    monkeypatch.setenv("GANSTUDIO_CONFIG_DIR", str(folder))
    from ganstudio import settings

    settings.put("paths/runs_root", str(tmp_path / "runs"))
    return folder


@pytest.fixture
def no_thread_leaks(monkeypatch):
    """napari's idea: remember every QThread started during the test; fail if one still runs at the end."""
    from PySide6.QtCore import QThread, QThreadPool

    started: "weakref.WeakSet[QThread]" = weakref.WeakSet()
    original = QThread.start

    def tracking_start(self, *args):
        started.add(self)
        return original(self, *args)

    monkeypatch.setattr(QThread, "start", tracking_start)
    yield started
    alive = [t for t in list(started) if _running(t)]
    pool = QThreadPool.globalInstance().activeThreadCount()
    for t in alive:  # do not leave them to crash the interpreter at exit
        t.wait(60_000)
    assert not alive, f"{len(alive)} QThread(s) still running after the test: {alive}"
    assert pool == 0, f"{pool} QThreadPool job(s) still running after the test"
    assert not [t for t in threading.enumerate() if t.name.startswith("QThread")]


def _running(thread) -> bool:
    try:
        return thread.isRunning()
    except RuntimeError:  # the C++ object is gone: it is not running
        return False


@pytest.fixture
def window(qtbot, fresh_settings, no_thread_leaks):
    """The main window, shown; at the end every run is stopped and joined, then the window closed."""
    from ganstudio.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    for s in list(w.sessions):
        s.stop_and_wait()
    w.close()


def app_config(tmp_path, **overrides) -> dict:
    """A tiny run as a dict for the app (TrainConfig fields)."""
    import dataclasses

    cfg = dataclasses.asdict(tiny_config(tmp_path, **overrides))
    return cfg
