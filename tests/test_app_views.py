"""The app's views without a training thread: the New Run dialog's validation, watching a run folder that
another process appends to, overlays, settings that persist, shortcuts, exports (the curves on their own:
test_app_curves.py)."""

import json
import subprocess
import sys
import textwrap

import pytest
from PIL import Image

from ganstudio import settings
from ganstudio.panels.new_run import NewRunDialog
from ganstudio.panels.new_run_parts import FOLDER_ITEM


pytestmark = pytest.mark.usefixtures("no_thread_leaks")


def test_dialog_defaults_are_valid_and_describe_the_run(dialog, tmp_path):
    assert dialog.validate(), dialog.error_text()
    assert dialog.start_btn.isEnabled()
    cfg = dialog.config()
    assert cfg["model"] == "dcgan" and cfg["data"] == "digits" and cfg["batch_size"] is None
    assert cfg["steps"] == 5000 and cfg["out"] == str(tmp_path / "runs" / "dcgan-digits-1")
    assert dialog.fields["lr_g"].placeholderText().startswith("0.002")  # DCGAN's recipe on digits


@pytest.mark.parametrize("key, text, words", [
    ("batch_size", "-3", "Batch size"),
    ("batch_size", "abc", "not a whole number"),
    ("lr_g", "abc", "not a number"),
    ("lr_d", "5", "learning rate"),
    ("beta1", "1.5", "Adam β1"),
    ("steps", "2.5", "not a whole number"),
    ("steps", "", "Steps is empty"),
    ("n_critic", "0", "D steps per G step"),
    ("lr_g", "nan", "finite"),
])
def test_dialog_refuses_bad_values_with_a_message(dialog, key, text, words):
    dialog.fields[key].setText(text)
    assert not dialog.validate()
    assert words in dialog.error_text()
    assert dialog.fields[key].property("invalid") == "true"
    assert not dialog.start_btn.isEnabled()
    dialog.fields[key].setText("")
    dialog.fields[key].setText({"steps": "100"}.get(key, ""))
    assert dialog.validate() and dialog.fields[key].property("invalid") == "false"


def test_dialog_refuses_impossible_combinations(dialog, tmp_path):
    dialog.model.setCurrentIndex(dialog.model.findData("dcgan"))
    dialog.dataset.setCurrentIndex(dialog.dataset.findData("ring"))
    assert not dialog.validate() and "2D set" in dialog.error_text()
    dialog.dataset.setCurrentIndex(dialog.dataset.findData("digits"))
    dialog.name.setText("a/b")
    assert not dialog.validate() and "folder name" in dialog.error_text()
    dialog.name.setText("taken")
    (tmp_path / "runs" / "taken").mkdir(parents=True)
    (tmp_path / "runs" / "taken" / "metrics.jsonl").write_text("")
    assert not dialog.validate() and "already holds a run" in dialog.error_text()


def test_dialog_offers_real_datasets_only_when_found(dialog, tmp_path):
    mnist = dialog.dataset.findData("mnist")
    assert not dialog.dataset.model().item(mnist).isEnabled()
    raw = tmp_path / "data" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    (raw / "t10k-images-idx3-ubyte").write_bytes(b"")
    dialog._on_data_root()
    assert dialog.dataset.model().item(dialog.dataset.findData("mnist")).isEnabled()


def test_dialog_remembers_the_last_setup(qtbot, fresh_settings, tmp_path):
    first = NewRunDialog(runs_root=str(tmp_path / "runs"))
    qtbot.addWidget(first)
    first.model.setCurrentIndex(first.model.findData("wgan-gp"))
    first.fields["steps"].setText("1234")
    first.fields["lr_g"].setText("3e-4")
    first._accept()
    again = NewRunDialog()
    qtbot.addWidget(again)
    assert again.model.currentData() == "wgan-gp"
    assert again.fields["steps"].text() == "1234" and again.fields["lr_g"].text() == "3e-4"
    assert again.runs_root.text() == str(tmp_path / "runs")


def choose(combo, data) -> None:
    """What a user's pick in a combo does: the current item changes, then ``activated`` fires."""
    i = combo.findData(data)
    assert i >= 0, data
    combo.setCurrentIndex(i)
    combo.activated.emit(i)


def choose_model(dialog, name: str) -> None:
    dialog.model.setCurrentIndex(dialog.model.findData(name))
    assert dialog.model.currentData() == name


def test_two_domain_models_get_a_second_domain_and_others_do_not(dialog):
    assert not dialog.data_b.isVisibleTo(dialog) and dialog.config()["data_b"] is None
    choose_model(dialog, "cyclegan")
    assert dialog.data_b.isVisibleTo(dialog) and dialog.data_b_about.isVisibleTo(dialog)
    assert dialog.data_b_about.text() == "CycleGAN, CoGAN and UNIT learn between two domains without pairs"
    # 'digits' is no domain: the dialog picks two that are, and says so under the model
    cfg = dialog.config()
    assert (cfg["data"], cfg["data_b"]) == ("digits-plain", "digits-bold")
    assert "Switched to digits-plain ↔ digits-bold" in dialog.model_about.text()
    assert dialog.validate(), dialog.error_text()
    assert dialog.name.text() == "cyclegan-digits-plain-digits-bold-1"
    # a domain is a set of images (or a folder of them), never a 2D set
    assert dialog.data_b.findData("ring") < 0 and dialog.data_b.findData(FOLDER_ITEM) >= 0
    choose(dialog.data_b, "digits-negative")
    assert dialog.config()["data_b"] == "digits-negative" and dialog.name.text().endswith("-digits-negative-1")
    assert "Switched" not in dialog.model_about.text()  # the user chose since: the note no longer applies
    choose_model(dialog, "dcgan")
    assert not dialog.data_b.isVisibleTo(dialog) and not dialog.data_b_about.isVisibleTo(dialog)
    cfg = dialog.config()
    assert cfg["data_b"] is None and cfg["data"] == "digits-plain"  # a dataset that works is kept
    assert dialog.validate(), dialog.error_text()
    assert dialog.name.text() == "dcgan-digits-plain-1"


def test_choosing_pix2pix_on_unpaired_data_switches_to_a_paired_set(dialog):
    assert dialog.config()["data"] == "digits"
    choose_model(dialog, "pix2pix")
    assert dialog.config()["data"] == "digits-edges" and dialog.config()["data_b"] is None
    assert "Dataset switched to digits-edges: pix2pix learns from image pairs" in dialog.model_about.text()
    assert dialog.validate(), dialog.error_text()
    assert dialog.name.text() == "pix2pix-digits-edges-1"
    # a paired set the user picked stays
    choose(dialog.dataset, "digits-thick")
    choose_model(dialog, "dcgan")
    choose_model(dialog, "pix2pix")
    assert dialog.config()["data"] == "digits-thick" and "switched" not in dialog.model_about.text()
    assert dialog.validate(), dialog.error_text()
    # unpaired data chosen by hand is flagged on the Dataset, with what to choose
    choose(dialog.dataset, "digits")
    assert not dialog.validate()
    assert dialog.dataset.property("invalid") == "true"
    assert "choose the dataset digits-edges, digits-thick or digits-hole" in dialog.error_text()


def test_a_two_domain_model_keeps_domains_the_user_chose(dialog):
    choose(dialog.dataset, "digits-negative")
    choose_model(dialog, "unit")
    cfg = dialog.config()
    assert (cfg["data"], cfg["data_b"]) == ("digits-negative", "digits-bold")
    assert "→" not in dialog.model_about.text() and dialog.validate(), dialog.error_text()
    # the second domain may not stay the Dataset's twin: another domain is picked
    choose_model(dialog, "dcgan")
    choose(dialog.dataset, "digits-bold")
    choose_model(dialog, "cogan")
    cfg = dialog.config()
    assert (cfg["data"], cfg["data_b"]) == ("digits-bold", "digits-negative")  # CoGAN's own second domain
    assert "Second domain switched to digits-negative" in dialog.model_about.text()
    assert dialog.validate(), dialog.error_text()


def test_second_domain_errors_flag_its_combo(dialog, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    import shutil

    import numpy as np
    from PIL import Image

    folder = tmp_path / "zebras"
    folder.mkdir()
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(folder / "z.png")  # a folder is read: an empty one is refused
    answers = [str(folder), ""]
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: answers.pop(0))
    choose_model(dialog, "cyclegan")
    choose(dialog.data_b, FOLDER_ITEM)
    assert dialog.config()["data_b"] == str(folder) and dialog.dataset.findData(str(folder)) < 0
    assert not dialog.validate() and "Reading the second domain's folder" in dialog.error_text()  # in a thread
    qtbot.waitUntil(dialog.validate, timeout=20000)
    assert dialog.name.text() == "cyclegan-digits-plain-zebras-1"
    shutil.rmtree(folder)  # what resolve() refuses: a second domain that is neither a dataset nor a folder
    assert not dialog.validate()
    assert dialog.data_b.property("invalid") == "true" and dialog.dataset.property("invalid") == "false"
    assert dialog.error_text().startswith("⚠ Second domain: unknown dataset")
    assert not dialog.start_btn.isEnabled()
    choose(dialog.data_b, "digits-negative")
    assert dialog.validate() and dialog.data_b.property("invalid") == "false"
    # a cancelled folder picker leaves the second domain as it was
    choose(dialog.data_b, FOLDER_ITEM)
    assert dialog.config()["data_b"] == "digits-negative" and not answers
    # none chosen (only while "Folder of images…" is current)
    dialog.data_b.setCurrentIndex(dialog.data_b.findData(FOLDER_ITEM))
    assert not dialog.validate() and dialog.data_b.property("invalid") == "true"
    assert "Choose the second domain" in dialog.error_text()


def test_dialog_remembers_the_second_domain(qtbot, fresh_settings, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QDialog, QFileDialog

    import numpy as np
    from PIL import Image

    folder = tmp_path / "zebras"
    folder.mkdir()
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(folder / "z.png")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    first = NewRunDialog(runs_root=str(tmp_path / "runs"))
    qtbot.addWidget(first)
    first.show()
    choose_model(first, "unit")
    choose(first.data_b, FOLDER_ITEM)
    qtbot.waitUntil(first.validate, timeout=20000)  # the folder is read in a thread first
    first._accept()
    assert first.result() == QDialog.DialogCode.Accepted
    again = NewRunDialog()
    qtbot.addWidget(again)
    again.show()
    cfg = again.config()
    assert (cfg["model"], cfg["data"], cfg["data_b"]) == ("unit", "digits-plain", str(folder))
    assert again.data_b.isVisibleTo(again) and again.data_b.currentText() == f"folder: {folder}"
    assert again.validate(), again.error_text()
    assert again.name.text() == "unit-digits-plain-zebras-1"


APPENDER = textwrap.dedent("""
    import json, sys, time
    from PIL import Image
    run = sys.argv[1]
    for step in range(10, 310, 10):
        with open(run + "/metrics.jsonl", "a") as f:
            f.write(json.dumps({"step": step, "time": step / 100, "loss_d": 1 / step, "loss_g": 2.0}) + "\\n")
        if step % 100 == 0:
            Image.new("RGB", (16, 16), (step % 256, 0, 0)).save(run + f"/samples/step_{step:07d}.png")
        time.sleep(0.03)
""")


def make_run_folder(path, steps=300):
    (path / "samples").mkdir(parents=True)
    (path / "config.json").write_text(json.dumps({"model": "gan", "data": "digits", "steps": steps}))
    (path / "metrics.jsonl").write_text(json.dumps({"step": 0, "time": 0, "loss_d": 1.4, "loss_g": 0.7}) + "\n")
    Image.new("RGB", (16, 16)).save(path / "samples" / "step_0000000.png")


def test_an_open_run_folder_grows_live_while_another_process_writes_it(window, qtbot, tmp_path):
    run = tmp_path / "external"
    make_run_folder(run)
    session = window.open_run(str(run))
    assert session is window.current and session.data.step == 0 and len(session.data.snapshots) == 1
    writer = subprocess.Popen([sys.executable, "-c", APPENDER, str(run)])
    try:
        qtbot.waitUntil(lambda: session.data.step == 300, timeout=30_000)
        qtbot.waitUntil(lambda: len(session.data.snapshots) == 4, timeout=10_000)
    finally:
        writer.wait(30)
    assert session.state == "watching"
    window.view.curves.mark_dirty()
    window.view.curves.refresh()
    x, _ = window.view.curves.curve_data("loss_d")
    assert list(x) == [0] + list(range(10, 310, 10))
    assert window.view.samples.current_step() == 300  # followed the newest snapshot
    assert str(run.resolve()) in settings.recent_runs()


def test_opening_a_folder_that_is_not_a_run_says_so(window, tmp_path):
    (tmp_path / "holiday").mkdir()
    assert window.open_run(str(tmp_path / "holiday")) is None
    assert "not a GAN Studio run folder" in window.statusBar().currentMessage() + \
        window.view.message_bar.message()
    assert window.sessions == []


def test_ticking_a_run_overlays_its_curves(window, qtbot, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    make_run_folder(a)
    make_run_folder(b)
    with open(b / "metrics.jsonl", "a") as f:
        f.write(json.dumps({"step": 50, "loss_d": 0.5}) + "\n")
    sb = window.open_run(str(b))
    sa = window.open_run(str(a))
    assert window.current is sa
    window.runs.set_overlay(sb, True)
    curves = window.view.curves
    curves.refresh()
    xa, _ = curves.curve_data("loss_d", sa.data)
    xb, yb = curves.curve_data("loss_d", sb.data)
    assert list(xa) == [0] and list(xb) == [0, 50] and yb[-1] < 1.4
    window.runs.set_overlay(sb, False)
    curves.refresh()
    assert curves.curve_data("loss_d", sb.data)[0].size == 0


def test_scrubber_shows_every_snapshot_and_png_export_is_crisp(window, qtbot, tmp_path):
    run = tmp_path / "r"
    make_run_folder(run)
    for step, color in ((100, (255, 0, 0)), (200, (0, 255, 0))):
        Image.new("RGB", (16, 16), color).save(run / "samples" / f"step_{step:07d}.png")
    window.open_run(str(run))
    samples = window.view.samples
    assert samples.slider.maximum() == 2 and samples.current_step() == 200
    samples.slider.setValue(1)
    assert samples.current_step() == 100 and not samples.follow
    assert samples.current_image().pixelColor(3, 3).red() == 255
    from ganstudio.panels.export_dialog import save_png

    out = save_png(window, samples.current_image(), str(tmp_path / "g.png"), 4)
    with Image.open(out) as im:
        assert im.size == (64, 64) and im.convert("RGB").getpixel((5, 60)) == (255, 0, 0)


def test_settings_persist_geometry_plot_choices_and_known_runs(qtbot, fresh_settings, no_thread_leaks, tmp_path):
    from ganstudio.main_window import MainWindow

    run = tmp_path / "runs" / "old"
    make_run_folder(run)
    with open(run / "metrics.jsonl", "a") as f:
        f.write(json.dumps({"step": 120, "time": 1.2, "loss_d": 1.0}) + "\n")
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    w.resize(720, 520)  # inside the offscreen screen (800×600); the width stops at the window's minimum
    size = (w.width(), w.height())
    w.view.curves.smoothing.setValue(0.9)
    w.view.curves.log_y.setChecked(True)
    assert [s.data.name for s in w.sessions] == ["old"]  # found in the runs folder
    item = w.runs.tree.topLevelItem(0)
    assert (item.text(1), item.text(2)) == ("stopped", "120")  # read from the folder, not yet opened
    w.close()
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.view.curves.smoothing.value() == pytest.approx(0.9)
    assert again.view.curves.log_y.isChecked()
    assert (again.width(), again.height()) == size
    again.close()


def test_keyboard_shortcuts_are_bound(window):
    keys = {name: act.shortcut().toString() for name, act in window.actions_.items()}
    assert keys["pause"] == "Space" and keys["new"] == "Ctrl+N" and keys["open"] == "Ctrl+O"
    assert keys["gif"] == "Ctrl+E" and keys["step_d"] == "D" and keys["step_g"] == "G"
    assert keys["stop"] == "Ctrl+." and keys["keys"] == "F1"
    assert len(set(keys.values()) - {""}) == len([k for k in keys.values() if k])  # no two the same


def test_gif_export_runs_on_a_thread_and_reports_back(window, qtbot, tmp_path):
    from ganstudio.panels.export_dialog import GifExport

    run = tmp_path / "r"
    make_run_folder(run)
    for step in (100, 200, 300):
        Image.new("RGB", (16, 16), (step % 256, 0, 0)).save(run / "samples" / f"step_{step:07d}.png")
    session = window.open_run(str(run))
    out = tmp_path / "prog.gif"
    job = GifExport(window, session.data, str(out), dict(fps=5, max_frames=10, scale=2, caption=False))
    with qtbot.waitSignal(job.sig_finished, timeout=30_000) as blocker:
        job.start()
    assert blocker.args == [str(out), ""]
    with Image.open(out) as im:
        assert im.n_frames == 4 and im.size == (32, 32)
    bad = GifExport(window, session.data, str(tmp_path / "nowhere" / "x.gif"), dict(fps=5))
    with qtbot.waitSignal(bad.sig_finished, timeout=30_000) as blocker:
        bad.start()
    assert blocker.args[0] == "" and "does not exist" in blocker.args[1]
    assert "does not exist" in window.view.message_bar.message()


def test_tab_widget_does_not_repaint_a_tab_when_a_label_in_it_changes(qtbot):
    """A step counter in a tab changes text several times a second while training. Qt's QTabWidget repaints
    the whole tab for the layout request that follows; StillTabWidget lets through only requests that can move
    something (its size, its tabs)."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication, QLabel, QTabWidget, QVBoxLayout, QWidget

    from ganstudio.tabs import StillTabWidget

    class Paints(QObject):
        count = 0

        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                Paints.count += 1
            return False

    def repaints_of_sibling(tabs_cls) -> tuple[int, object]:
        tabs = tabs_cls()
        qtbot.addWidget(tabs)
        page = QWidget()
        lay = QVBoxLayout(page)
        label, plot = QLabel("step 0"), QWidget()
        plot.setMinimumSize(200, 150)
        lay.addWidget(label)
        lay.addWidget(plot)
        tabs.addTab(page, "Training")
        tabs.resize(400, 300)
        tabs.show()
        qtbot.waitExposed(tabs)
        QApplication.processEvents()
        label.setText("step 1")  # the first request after showing: the key is taken here
        QApplication.processEvents()
        watcher = Paints(plot)
        plot.installEventFilter(watcher)
        Paints.count = 0
        for i in range(8):
            label.setText(f"step {10 ** i:,}")
            QApplication.processEvents()
        return Paints.count, tabs

    plain, _ = repaints_of_sibling(QTabWidget)
    still, tabs = repaints_of_sibling(StillTabWidget)
    assert plain >= 4  # what Qt does: the unrelated plot is repainted on (nearly) every text change
    assert still == 0
    passed = tabs.passed
    tabs.addTab(QWidget(), "Explorer")  # a change that moves things still gets through
    QApplication.processEvents()
    assert tabs.passed > passed and tabs.tabBar().count() == 2


def test_sample_grid_caption_says_what_the_columns_are():
    from ganstudio.panels.samples import grid_caption

    assert grid_caption({"classes": ["0", "1"], "codes": []}).endswith("every column one class")
    assert grid_caption({"codes": [{"name": "cat", "kind": "categorical", "categories": 10}]}).endswith(
        "one value of the categorical code")
    assert grid_caption({"codes": [{"name": "c1", "kind": "continuous"}]}) == "fixed latent"
    assert grid_caption({}) == "fixed latent"


def test_return_in_the_new_run_dialog_starts_the_run(dialog, qtbot, monkeypatch):
    """Return in a field starts the run; it used to open the runs-folder picker (the first auto-default)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDialog, QFileDialog

    opened = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: opened.append(a) or "")
    assert dialog.validate()
    dialog.name.setFocus()
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    assert dialog.result() == QDialog.DialogCode.Accepted and not opened


def test_plots_can_be_hidden_resized_and_put_on_a_time_axis(window, qtbot, tmp_path):
    curves = window.view.curves
    run = tmp_path / "r"
    make_run_folder(run)
    with open(run / "metrics.jsonl", "a") as f:
        for step in range(10, 110, 10):
            f.write(json.dumps({"step": step, "time": step / 5, "wall": 1_700_000_000 + step / 5,
                                "loss_d": 1.0, "d_real": 0.5}) + "\n")
    window.open_run(str(run))
    curves.refresh()
    assert curves.visible_plots() == ["Losses", "Discriminator"]
    assert curves.canvas.count() >= 2  # a splitter: the user drags the line between plots
    curves.plot_actions["Discriminator"].trigger()  # unticked in the Plots menu
    assert curves.visible_plots() == ["Losses"] and not curves._boxes["Discriminator"].isVisible()
    curves.x_actions["relative"].trigger()
    x, _ = curves.curve_data("loss_d")
    assert x[-1] == pytest.approx(20.0)  # step 100 was logged 20 s into the run
    curves.set_x_mode("wall")
    assert curves.curve_data("loss_d")[0][-1] == pytest.approx(1_700_000_020.0)
    assert settings.get_json("plots/hidden") == ["Discriminator"] and settings.get("plots/x_axis") == "wall"
    window.close()
    from ganstudio.main_window import MainWindow

    again = MainWindow()
    qtbot.addWidget(again)
    assert again.view.curves.hidden_plots == {"Discriminator"} and again.view.curves.x_mode == "wall"
    assert not again.view.curves.plot_actions["Discriminator"].isChecked()
    again.close()


def test_export_dialog_is_wide_enough_and_shows_where_the_file_goes(window, tmp_path):
    from ganstudio.panels.export_dialog import ExportDialog

    run = tmp_path / "a-run-with-a-long-name"
    make_run_folder(run)
    session = window.open_run(str(run))
    settings.put("paths/last_export", str(tmp_path / "exports" / "progression-gifs"))
    dialog = ExportDialog(window, session.data, "gif")
    dialog.show()
    assert dialog.width() >= 600 and dialog.minimumWidth() >= 600
    expected = tmp_path / "exports" / "progression-gifs" / "a-run-with-a-long-name-progression.gif"
    assert dialog.destination.text() == f"Writes {expected}"
    dialog.path.setText("~/out")
    assert dialog.destination.text().endswith("/out.gif") and "~" not in dialog.destination.text()
    dialog.close()
