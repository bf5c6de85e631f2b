"""The Playground tab (pytest-qt, offscreen): the heatmap and points follow the steps, Step D and Step G
each move only their own player, a drawing is trained on, the window's keys drive the game, exports decode,
mistakes are messages, settings persist."""

import numpy as np
import pytest
from PIL import Image

from ganstudio import settings
from ganstudio.playground.panel import PlaygroundPanel

pytestmark = pytest.mark.usefixtures("no_thread_leaks")


@pytest.fixture
def panel(qtbot, fresh_settings):
    p = PlaygroundPanel()
    qtbot.addWidget(p)
    p.resize(1100, 750)
    p.show()
    p.load_preset("Mode collapse: minimax on the ring")
    return p


def heat(p):
    return np.array(p.canvas.heat.image, copy=True)


def fakes(p):
    x, y = p.canvas.fake.getData()
    return np.stack([x, y], 1).copy()


def test_heatmap_and_points_update_as_steps_run(panel):
    h0, f0, frames = heat(panel), fakes(panel), panel.frames_drawn
    assert h0.shape == (64, 64) and f0.shape == (600, 2)
    panel.run_steps(5)
    assert panel.game.step_count == 5 and panel.frames_drawn == frames + 1
    assert np.abs(heat(panel) - h0).max() > 1e-4 and np.abs(fakes(panel) - f0).max() > 1e-4
    assert "step 5 ·" in panel.status.text() and "modes covered" in panel.status.text()
    assert len(panel.canvas.loss_g.getData()[0]) == 5


def test_step_d_changes_d_not_the_points_and_step_g_the_reverse(panel, qtbot):
    h0, f0 = heat(panel), fakes(panel)
    buttons = {b.text(): b for b in panel.findChildren(type(panel.play_button))}
    buttons["Step D"].click()
    h1, f1 = heat(panel), fakes(panel)
    assert np.abs(h1 - h0).max() > 1e-4 and np.array_equal(f1, f0)
    buttons["Step G"].click()
    h2, f2 = heat(panel), fakes(panel)
    assert np.array_equal(h2, h1) and np.abs(f2 - f1).max() > 1e-4
    assert (panel.game.d_updates, panel.game.step_count) == (1, 1)


def test_play_runs_frames_and_pause_stops_them(panel, qtbot):
    with qtbot.waitSignal(panel.sig_playing, timeout=2000) as sig:
        panel.toggle_play()
    assert sig.args == [True]
    qtbot.waitUntil(lambda: panel.game.step_count >= 20, timeout=20000)
    panel.toggle_play()
    step = panel.game.step_count
    qtbot.wait(100)
    assert panel.game.step_count == step and not panel.playing and panel.play_button.text() == "Play"


def test_a_drawn_distribution_is_trained_on(panel, qtbot):
    panel.dist.setCurrentIndex(panel.dist.findData("drawn"))
    assert panel.game is None and "draw at least 3 points" in panel.status.text()
    assert panel.canvas.box.drawing and panel.draw_hint.isVisible()
    stroke = [(1.0 + 0.05 * k, 1.2) for k in range(10)]
    panel.canvas.box.sig_drawn.emit(stroke)
    panel.canvas.box.sig_stroke_done.emit()
    assert panel.game is not None and panel.game.config.points == stroke
    assert len(panel.canvas.drawn.getData()[0]) == 10

    def gap():
        return float(np.linalg.norm(fakes(panel)[:, None] - np.array(stroke)[None], axis=2).min(1).mean())

    start = gap()
    panel.run_steps(400)
    assert start > 1.0 and gap() < 0.3
    assert settings.get_json("playground/config")["points"] == [list(p) for p in stroke]
    panel._clear_drawing()
    assert panel.game is None and len(panel.canvas.drawn.getData()[0]) == 0


def test_the_window_keys_drive_the_game_on_its_tab(qtbot, fresh_settings):
    from ganstudio.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    w.tabs.setCurrentWidget(w.playground)
    a = w.actions_
    assert a["step_d"].isEnabled() and a["pause"].text() == "Play"
    d0, g0 = w.playground.game.d_updates, w.playground.game.step_count
    a["step_d"].trigger()
    a["step_g"].trigger()
    assert (w.playground.game.d_updates, w.playground.game.step_count) == (d0 + 1, g0 + 1)
    a["pause"].trigger()
    assert w.playground.playing and a["pause"].text() == "Pause"
    w.tabs.setCurrentWidget(w.view)  # leaving the tab pauses the game
    assert not w.playground.playing and not a["step_d"].isEnabled()


def test_png_and_gif_exports_decode(panel, tmp_path):
    path = panel.export_png(str(tmp_path / "view.png"))
    with Image.open(path) as im:
        assert im.size == (panel.canvas.width(), panel.canvas.height())
        arr = np.asarray(im.convert("RGB"))
    assert arr.std() > 10  # a picture, not a blank
    panel.recording = []
    for _ in range(6):
        panel.run_steps(2)
    frames = panel.recording
    panel.recording = None
    assert len(frames) == 3  # every other frame
    out = panel.export_gif(frames, str(tmp_path / "game.gif"))
    with Image.open(out) as gif:
        assert gif.n_frames == 3 and gif.size == (frames[0].shape[1], frames[0].shape[0])


def test_live_learning_rates_keep_the_game_and_other_changes_restart_it(panel):
    panel.run_steps(3)
    game = panel.game
    panel.lr_d.setValue(0.005)
    assert panel.game is game and game.opt_d.param_groups[0]["lr"] == pytest.approx(0.005)
    panel.loss.setCurrentIndex(panel.loss.findData("hinge"))
    assert panel.game is not game and panel.game.step_count == 0 and panel.game.config.loss == "hinge"
    assert panel.preset.currentIndex() == 0  # no longer the preset
    assert "critic" in panel.canvas.legend.toHtml()


def test_divergence_pauses_with_a_message(panel):
    import torch

    panel.set_playing(True)
    with torch.no_grad():
        next(panel.game.D.parameters()).fill_(float("inf"))
    panel.driver._frame()
    assert not panel.playing and "diverged" in panel.status.text() and "lower the learning rates" in panel.status.text()


def test_settings_persist(qtbot, fresh_settings):
    p = PlaygroundPanel()
    qtbot.addWidget(p)
    p.dist.setCurrentIndex(p.dist.findData("two-gaussians"))
    p.layer_boxes["manifold"].setChecked(True)
    p.speed.setValue(42)
    assert p.z_dim.value() == 1 and p.game.dim == 1
    q = PlaygroundPanel()
    qtbot.addWidget(q)
    assert q.dist.currentData() == "two-gaussians" and q.z_dim.value() == 1
    assert q.layer_boxes["manifold"].isChecked() and q.speed.value() == 42


def test_the_toolbar_and_run_menu_speak_of_the_playground_on_its_tab(window, qtbot):
    a = window.actions_
    window.tabs.setCurrentWidget(window.playground)
    assert not a["stop"].isEnabled() and not a["save"].isEnabled() and not a["continue"].isEnabled()
    for k in ("pause", "step_d", "step_g", "gif", "png"):
        assert a[k].isEnabled() and "playground" in a[k].toolTip()
        assert "train" not in a[k].toolTip().lower()
    assert a["gif"].text() == "Record GIF"
    a["gif"].trigger()  # records (and plays)
    assert window.playground.recording is not None and a["gif"].text().startswith("Stop")
    assert window.playground.rec_label.isVisible() and "REC" in window.playground.rec_label.text()
    window.playground.recording = None
    assert not window.playground.rec_label.isVisible() and a["gif"].text() == "Record GIF"
    window.tabs.setCurrentWidget(window.view)  # back on Training: the words of training again
    assert "training" in a["pause"].toolTip().lower() and "playground" not in a["step_d"].toolTip()


def test_gif_frames_keep_the_real_interval_and_leave_out_the_autorange_button(panel, tmp_path):
    ticks = iter(np.arange(0, 100, 0.2))  # a frame drawn every 0.1 s, every other one kept: 0.2 s apart
    panel.driver.clock = lambda: float(next(ticks))
    seen = []
    real_grab = panel.canvas.grab

    def grab():
        seen.append([p.autoBtn.isVisible() for p in (panel.canvas.plane, panel.canvas.loss_plot)])
        return real_grab()

    panel.canvas.grab = grab
    panel.canvas.plane.mouseHovering = True
    panel.canvas.plane.enableAutoRange(x=False)  # what makes pyqtgraph show its "A" button on hover
    panel.canvas.plane.updateButtons()
    assert panel.canvas.plane.autoBtn.isVisible()
    panel.recording = []
    for _ in range(8):
        panel.run_steps(1)
    frames = panel.recording
    fps = panel.driver.recording_fps()
    assert len(frames) == 4 and fps == pytest.approx(5.0)
    assert seen and not any(any(v) for v in seen)  # hidden while grabbing
    assert panel.canvas.plane.autoBtn.isVisible()  # and back afterwards
    out = panel.export_gif(frames, str(tmp_path / "g.gif"), fps)
    with Image.open(out) as gif:
        assert gif.info["duration"] == 200


def test_drawing_outside_the_plane_is_refused_with_a_message(panel):
    panel.dist.setCurrentIndex(panel.dist.findData("drawn"))
    panel.canvas.box.sig_drawn.emit([(0.5, 0.5), (3.4, 0.0), (0.0, -2.6)])
    assert panel._points == [(0.5, 0.5)]
    assert "2 points outside the plane" in panel.status.text()
    assert panel.canvas.bounds.isVisible()


def test_the_1d_view_fits_its_curves_and_legends_stay_off_the_data(panel):
    panel.dist.setCurrentIndex(panel.dist.findData("two-gaussians"))
    panel.run_steps(3)
    canvas = panel.canvas
    lo, hi = canvas.plane.vb.viewRange()[1]
    top = max(float(np.max(canvas.real_density.getData()[1])), float(np.max(canvas.d_curve.getData()[1])))
    assert hi >= top and lo <= -0.4  # nothing clipped at the top, the z lines at the bottom shown
    assert "G's density" in canvas.legend.toHtml()  # in the title row
    assert canvas.loss_plot.legend is None and "D" in canvas.loss_plot.titleLabel.item.toPlainText()
