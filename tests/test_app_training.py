"""The app driving a real (tiny) training run, offscreen: points and grids arrive, pause/resume/step/stop
behave, closing mid-run leaves a checkpoint and no thread, warnings stay non-modal."""

import json

import numpy as np
import pytest
import torch

from trainers.checkpoints import read_meta as _read_meta

from .conftest import app_config


def read_meta(path):
    return _read_meta(path)[1]


pytestmark = pytest.mark.usefixtures("no_thread_leaks")


def start(window, tmp_path, **overrides):
    cfg = app_config(tmp_path, **overrides)
    return window.start_run(cfg, cfg["out"])


def test_a_tiny_run_fills_curves_and_grid_then_completes(window, qtbot, tmp_path):
    session = start(window, tmp_path, steps=24, sample_every=8, checkpoint_every=12)
    with qtbot.waitSignal(session.sig_finished, timeout=60_000):
        pass
    assert session.state == "completed" and session.data.step == 24
    curves = window.view.curves
    curves.refresh()
    x, y = curves.curve_data("loss_d")
    assert len(x) >= 3 and x[-1] == 24 and np.isfinite(y).all()
    assert {"Losses", "Discriminator", "Quality"} <= set(curves.plot_names())
    assert [s.step for s in session.data.snapshots] == [0, 8, 16, 24]
    image = window.view.samples.current_image()
    assert image is not None and image.width() > 28 * 8 and window.view.samples.current_step() == 24
    assert window.runs.sessions()[-1] is session and window.runs.tree.currentItem().text(1) == "done"
    assert (tmp_path / "run" / "checkpoints" / "last.safetensors").exists()


def test_points_and_grids_arrive_as_signals_while_training(window, qtbot, tmp_path):
    session = start(window, tmp_path, steps=100_000, sample_every=5)
    with qtbot.waitSignals([session.sig_data, session.sig_image], timeout=60_000):
        pass
    qtbot.waitUntil(lambda: len(session.data.series.get("loss_g", [])) >= 3, timeout=30_000)
    qtbot.waitUntil(lambda: len(session.data.snapshots) >= 2, timeout=30_000)
    assert window.status.step.text().startswith("step ")
    window.stop_run()
    with qtbot.waitSignal(session.sig_finished, timeout=60_000):
        pass


def test_pause_stops_the_step_count_resume_continues_and_single_steps(window, qtbot, tmp_path):
    session = start(window, tmp_path, steps=100_000, sample_every=1000)
    qtbot.waitUntil(lambda: session.data.step >= 3, timeout=60_000)
    window.toggle_pause()
    qtbot.waitUntil(lambda: session.state == "paused", timeout=10_000)
    assert window.actions_["pause"].text() == "Resume" and window.actions_["step_g"].isEnabled()
    frozen = session.data.step
    qtbot.wait(600)
    assert session.data.step == frozen
    snaps = len(session.data.snapshots)
    points = len(session.data.series["loss_d"])  # G updates report loss_g only

    window.actions_["step_g"].trigger()  # one generator update: the step advances by exactly one
    qtbot.waitUntil(lambda: session.data.step == frozen + 1, timeout=10_000)
    qtbot.waitUntil(lambda: len(session.data.snapshots) == snaps + 1, timeout=10_000)
    assert f"Stepped G at step {frozen + 1:,}: loss_g" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.status.step.text().startswith(f"step {frozen + 1:,}"), timeout=5_000)
    window.actions_["step_d"].trigger()  # one discriminator update: a new point, the same step
    qtbot.waitUntil(lambda: len(session.data.series["loss_d"]) == points + 1, timeout=10_000)
    assert session.data.step == frozen + 1
    assert f"Stepped D at step {frozen + 1:,}: loss_d" in window.statusBar().currentMessage()
    assert session.log[-1].text.startswith("Stepped D")

    window.toggle_pause()
    qtbot.waitUntil(lambda: session.state == "training", timeout=10_000)
    qtbot.waitUntil(lambda: session.data.step > frozen + 3, timeout=30_000)
    window.stop_run()
    with qtbot.waitSignal(session.sig_finished, timeout=60_000):
        pass


def test_stop_writes_a_checkpoint_of_the_current_step(window, qtbot, tmp_path):
    session = start(window, tmp_path, steps=100_000, checkpoint_every=100_000)
    qtbot.waitUntil(lambda: session.data.step >= 5, timeout=60_000)
    window.stop_run()
    assert session.state == "stopping"
    with qtbot.waitSignal(session.sig_finished, timeout=60_000):
        pass
    assert session.state == "stopped" and session.thread is None
    meta = read_meta(tmp_path / "run" / "checkpoints" / "last.safetensors")
    assert meta["step"] == session.data.step >= 5
    assert window.actions_["continue"].isEnabled() and not window.actions_["stop"].isEnabled()


def test_closing_the_window_mid_run_saves_and_leaves_no_thread(window, qtbot, tmp_path):
    session = start(window, tmp_path, steps=100_000, checkpoint_every=100_000)
    qtbot.waitUntil(lambda: session.data.step >= 3, timeout=60_000)
    thread = session.thread
    assert not window.close()  # not yet: the run is saving first
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=60_000)
    assert not thread.isRunning() if _alive(thread) else True
    meta = read_meta(tmp_path / "run" / "checkpoints" / "last.safetensors")
    assert meta["step"] == session.data.step and session.state == "stopped"


def _alive(qobj) -> bool:
    try:
        qobj.objectName()
        return True
    except RuntimeError:
        return False


def test_continue_training_resumes_from_the_checkpoint(window, qtbot, tmp_path, monkeypatch):
    session = start(window, tmp_path, steps=12, checkpoint_every=6)
    with qtbot.waitSignal(session.sig_finished, timeout=60_000):
        pass
    from PySide6.QtWidgets import QInputDialog

    monkeypatch.setattr(QInputDialog, "getInt", staticmethod(lambda *a, **k: (20, True)))
    window.continue_run()
    with qtbot.waitSignal(session.sig_finished, timeout=60_000):
        pass
    assert session.state == "completed" and session.data.step == 20
    steps = [json.loads(line)["step"] for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert steps == sorted(steps) and steps[-1] == 20  # no duplicate tail after the resume
    assert any("resumed" in e.text for e in session.log)


def test_a_nan_pause_shows_a_non_modal_warning_and_the_app_stays_up(window, qtbot, tmp_path, monkeypatch):
    from trainers.algos.adversarial import AdversarialGAN

    real_step = AdversarialGAN.train_step
    calls = {"n": 0}

    def poisoned(self, batches, step):
        stats = real_step(self, batches, step)
        calls["n"] += 1
        if calls["n"] > 10:
            stats["loss_d"] = torch.tensor(float("nan"))
        return stats

    monkeypatch.setattr(AdversarialGAN, "train_step", poisoned)
    session = start(window, tmp_path, steps=100_000, checkpoint_every=5)
    qtbot.waitUntil(lambda: session.state == "paused", timeout=60_000)
    assert session.pause_reason == "nan"
    bar = window.view.message_bar
    assert bar.isVisible() and "NaN" in bar.message() and bar.level == "warning"
    assert "NaN" in window.runs.tree.currentItem().text(1)
    from PySide6.QtWidgets import QApplication

    assert QApplication.activeModalWidget() is None
    window.stop_run()
    with qtbot.waitSignal(session.sig_finished, timeout=60_000):
        pass
    meta = read_meta(tmp_path / "run" / "checkpoints" / "last.safetensors")
    assert meta["step"] <= 10  # the last good checkpoint survived


def test_a_run_that_cannot_start_says_why(window, qtbot, tmp_path):
    cfg = app_config(tmp_path, data=str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "junk.png").write_bytes(b"no image")
    session = window.start_run(cfg, cfg["out"])
    with qtbot.waitSignal(session.sig_finished, timeout=60_000):
        pass
    assert session.state == "failed"
    assert window.view.message_bar.level == "error" and "readable image" in window.view.message_bar.message()


def test_preparing_says_whether_the_digits_are_drawn_or_read_from_the_cache(tmp_path, monkeypatch):
    from ganstudio.workers.training import preparing_text

    monkeypatch.setenv("GANSTUDIO_CACHE", str(tmp_path / "cache"))
    first = preparing_text({"data": "digits", "model": "dcgan"})
    assert first.startswith("Drawing 60,000 digits for the first time") and str(tmp_path / "cache") in first
    from trainers.data.digits import cache_path

    (tmp_path / "cache").mkdir()
    cache_path(60000).write_bytes(b"")  # the file the run will read
    assert preparing_text({"data": "digits", "model": "dcgan"}).startswith("Loading the digits from the cache")
    assert preparing_text({"data": "mnist", "model": "gan"}) == "Preparing mnist and building gan…"


def test_the_header_is_busy_while_a_run_prepares(window, qtbot, tmp_path):
    session = start(window, tmp_path, steps=8)
    if session.state == "preparing":
        assert window.view.progress.maximum() == 0 and window.status.state.text()
    with qtbot.waitSignal(session.sig_finished, timeout=60_000):
        pass
    assert window.view.progress.maximum() == 8 and window.view.progress.value() == 8


def test_drawing_the_digits_reports_its_progress(tmp_path, monkeypatch, qtbot):
    """Issue 18 item 24: the first start says how far the drawing of the digits has got, not only that it runs."""
    from ganstudio.workers.training import TrainingThread

    monkeypatch.setenv("GANSTUDIO_CACHE", str(tmp_path / "fresh-cache"))
    thread = TrainingThread({"model": "gan", "data": "digits", "data_limit": 700, "steps": 1, "batch_size": 32,
                             "width": 8, "out": str(tmp_path / "run"), "log_window_s": 0.01})
    lines = []
    thread.sig_status.connect(lines.append)
    with qtbot.waitSignal(thread.finished, timeout=120_000):
        thread.start()
    drawn = [s for s in lines if s.startswith("Drawing digits: ")]
    assert drawn and drawn[-1].startswith("Drawing digits: 700 of 700 (100%)")
    counts = [int(s.split(": ")[1].split(" of ")[0].replace(",", "")) for s in drawn]
    assert counts == sorted(counts) and len(counts) >= 10  # one line per skeleton group, growing


def test_quick_start_trains_the_recipe_that_reads_soonest(window, monkeypatch, tmp_path):
    """Quick start: DCGAN on digits with the DCGAN authors' MNIST nets at width 16 and G at 2e-3 (readable digits in
    about 10 s of training on 2 cores: bench_quality --width 16 --lr-g 2e-3), at batch 64, in a fresh folder under the
    runs root. The recipe is DCGAN's own for digits (trainers/models/dcgan.py), which `ganstudio train` trains too."""
    from ganstudio import settings
    from trainers.config import TrainConfig, resolve

    monkeypatch.setattr(settings, "runs_root", lambda: str(tmp_path))
    (tmp_path / "dcgan-digits-1").mkdir()
    started = []
    monkeypatch.setattr(window, "start_run", lambda cfg, out: started.append((cfg, out)))
    window.quick_start()
    cfg, out = started[0]
    r = resolve(TrainConfig(**cfg, out=out))
    assert (r.model, r.data, r.arch, r.width, r.lr_g, r.lr_d, r.batch_size) == (
        "dcgan", "digits", "mnist", 16, 2e-3, 2e-4, 64)  # D keeps the paper's 2e-4
    assert out == str(tmp_path / "dcgan-digits-2")
