"""Shared fixtures. Tests never touch the user's cache: GANSTUDIO_CACHE points into a temp folder."""

from __future__ import annotations

import contextlib
import gc
import os
import threading
import weakref
from pathlib import Path

import pytest

# The app's tests run without a display (pytest-qt creates the QApplication on first use).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


@contextlib.contextmanager
def _env(name: str, value: str):
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("ganstudio-cache")
    with _env("GANSTUDIO_CACHE", str(cache)):
        yield cache


@pytest.fixture
def explorer_panel(qtbot, fresh_settings, tmp_path, monkeypatch):
    """An explorer on its own, with no bundled models (each test opens what it needs)."""
    from ganstudio.explorer.panel import ExplorerPanel

    monkeypatch.setenv("GANSTUDIO_MODELS", str(tmp_path / "no-models"))
    ex = ExplorerPanel()
    qtbot.addWidget(ex)
    ex.resize(1100, 700)
    ex.show()
    yield ex
    ex.shutdown()


def open_ckpt(qtbot, ex, path: Path) -> None:
    """Open a checkpoint of a run in the explorer and wait until it has settled on it."""
    ex.set_run(str(path.parent.parent))
    ex.open_checkpoint(str(path))
    qtbot.waitUntil(lambda: ex.ctx is not None and ex.ctx.checkpoint == str(path) and ex.settled, timeout=20_000)


def resumed_like_straight(tmp_path: Path, steps: int, **opts) -> dict:
    """Train ``steps`` straight, and half of them then ``--resume`` to ``steps``, in two folders; assert the two
    last checkpoints hold the same tensors, bit for bit, and return them."""
    import torch

    from trainers import checkpoints as ck
    from trainers.loop import train

    list(train(tiny_config(tmp_path / "a", steps=steps, **opts)))
    list(train(tiny_config(tmp_path / "b", steps=steps // 2, **opts)))
    list(train(tiny_config(tmp_path / "b", steps=steps, **opts), resume=True))
    a = ck.read_checkpoint(tmp_path / "a" / "run" / "checkpoints" / "last.safetensors").tensors
    b = ck.read_checkpoint(tmp_path / "b" / "run" / "checkpoints" / "last.safetensors").tensors
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    return a


def run_cli(*args, cwd=None):
    """``python -m trainers ARGS`` run in this process: its exit code and what it printed, as subprocess.run
    reports them."""
    import contextlib
    import io
    import subprocess

    from trainers.cli import main

    out, err, here = io.StringIO(), io.StringIO(), os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in args], prog="python -m trainers")
    finally:
        os.chdir(here)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def tiny_config(tmp_path: Path, **overrides):
    """A run small enough for a 2-core CPU in a second or two."""
    from trainers.config import TrainConfig

    base = dict(model="gan", data="digits", data_limit=512, steps=8, out=str(tmp_path / "run"), batch_size=32,
                width=8, sample_every=4, checkpoint_every=4, log_window_s=0.01)
    base.update(overrides)
    return TrainConfig(**base)


def stop_at(run, step: int):
    """Drive a ``train()`` run to ``step``, send STOP, and return its ``Finished`` event."""
    from trainers.events import Command, Finished

    ev = next(run)
    while run.step < step:
        ev = run.send(None)
    ev = run.send(Command.STOP)
    while not isinstance(ev, Finished):
        ev = run.send(None)
    return ev


def assert_same_last_checkpoint(run_a: Path, run_b: Path, step: int) -> None:
    """Both run folders' last checkpoints are at ``step`` and equal tensor for tensor (a resume was bit-exact)."""
    import torch

    from trainers import checkpoints as ck

    a = ck.read_checkpoint(run_a / "checkpoints" / "last.safetensors")
    b = ck.read_checkpoint(run_b / "checkpoints" / "last.safetensors")
    assert a.step == b.step == step
    for k in a.tensors:
        assert torch.equal(a.tensors[k], b.tensors[k]), k


@pytest.fixture(scope="session", autouse=True)
def _private_settings(tmp_path_factory):
    """The app's QSettings go to a temp INI file, never the user's."""
    folder = tmp_path_factory.mktemp("ganstudio-settings")
    with _env("GANSTUDIO_CONFIG_DIR", str(folder)):
        yield folder


@pytest.fixture
def mnist_root():
    if not (SHARED_MNIST / "MNIST" / "raw").is_dir():
        pytest.skip("real MNIST not present at ../shared/data/mnist")
    return str(SHARED_MNIST)


# -- the app (pytest-qt, offscreen); Qt is imported inside the fixtures, so engine tests never load it --

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


@pytest.fixture(autouse=True)
def _gc_on_the_gui_thread(request):
    """App tests: no automatic garbage collection while the test runs, one on this (the GUI) thread after it.
    A collection that a worker thread's allocations trigger can destroy an earlier test's dead widget on that
    thread, and a QObject destroyed off the GUI thread can deadlock (as the app avoids with
    ``ganstudio.app.collect_on_gui_thread``). Older objects are frozen first, so the collection afterwards only
    walks what the test made."""
    if "qtbot" not in request.fixturenames:
        yield
        return
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


@pytest.fixture
def dialog(qtbot, fresh_settings, tmp_path):
    """The New Run dialog, shown, with its runs and data roots in the test's temp folder."""
    from ganstudio.panels.new_run import NewRunDialog

    d = NewRunDialog(runs_root=str(tmp_path / "runs"), data_root=str(tmp_path / "data"))
    qtbot.addWidget(d)
    d.show()
    return d


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
