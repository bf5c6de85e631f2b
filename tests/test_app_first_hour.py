"""Issue 38's window faults: the shortcuts list fits a small screen and closes on Escape; a dataset New Run
switched for one model goes back when another is chosen."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication


def test_the_shortcuts_list_fits_the_screen_scrolls_and_closes_on_escape(window, qtbot):
    from ganstudio.panels.help import SHORTCUTS

    box = window.show_shortcuts()
    qtbot.waitExposed(box)
    avail = QGuiApplication.primaryScreen().availableGeometry()
    assert box.frameGeometry().height() <= avail.height() and box.height() <= 0.86 * avail.height()
    assert box.table.rowCount() == len(SHORTCUTS)
    box.table.scrollToBottom()  # the last rows are reachable: the table scrolls instead of growing
    assert box.table.verticalScrollBar().maximum() > 0 or box.table.viewport().height() >= \
        sum(box.table.rowHeight(r) for r in range(box.table.rowCount()))
    box.filter.setText("ctrl+s")
    shown = [r for r in range(box.table.rowCount()) if not box.table.isRowHidden(r)]
    assert shown and all("ctrl+s" in (SHORTCUTS[r][0] + SHORTCUTS[r][1]).lower() for r in shown)
    qtbot.keyClick(box.filter, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=2000)


def test_transport_buttons_use_icons_not_symbol_characters(qtbot):
    """Item 11: the Interpolation pause button showed an empty box where the font had no ⏸."""
    import ast
    from pathlib import Path

    from PySide6.QtWidgets import QToolButton

    from ganstudio.theme import show_transport

    symbols = set("▶⏸⏹⏮⏭⏯")  # transport symbols (legend swatches like ■ are in every font)
    root = Path(__file__).resolve().parents[1] / "ganstudio"
    found = [f"{p.relative_to(root)}:{n.lineno}" for p in root.rglob("*.py")
             for n in ast.walk(ast.parse(p.read_text())) if isinstance(n, ast.Constant) and isinstance(n.value, str)
             and symbols & set(n.value) and not n.value.lstrip().startswith("A play")]  # but docstrings
    assert [f for f in found if "theme.py" not in f] == []
    b = QToolButton()
    qtbot.addWidget(b)
    show_transport(b, False)
    play = b.icon().cacheKey()
    assert not b.icon().isNull() and b.text() == "" and b.accessibleName() == "Play"
    show_transport(b, True, "Play", "Pause")
    assert b.icon().cacheKey() != play and b.text() == "Pause" and b.accessibleName() == "Pause"


def test_save_while_paused_confirms_itself_and_the_playground_tab_shows_its_own_status(window, qtbot, tmp_path):
    """Item 15: the Playground tab showed the last run's "step 9 / 5,000"; Ctrl+S while paused said nothing."""
    from tests.conftest import app_config

    cfg = app_config(tmp_path, steps=100_000, sample_every=1000, checkpoint_every=100_000)
    session = window.start_run(cfg, cfg["out"])
    qtbot.waitUntil(lambda: session.data.step >= 3, timeout=60_000)
    window.toggle_pause()
    qtbot.waitUntil(lambda: session.state == "paused", timeout=10_000)
    window.actions_["save"].trigger()
    qtbot.waitUntil(lambda: "checkpoint saved at step" in window.statusBar().currentMessage(), timeout=20_000)
    assert str(tmp_path) in window.statusBar().currentMessage()
    assert session.log[-1].text.startswith("checkpoint saved at step")
    assert window.status.step.text().startswith("step ")
    window.tabs.setCurrentWidget(window.playground)
    qtbot.waitUntil(lambda: window.status.step.text() == "", timeout=5_000)
    assert "/ 100,000" not in window.status.state.text()
    window.playground.say("step 12 · D(x) 0.61")
    assert window.status.state.text() == "step 12 · D(x) 0.61"
    window.tabs.setCurrentIndex(0)
    assert window.status.step.text().startswith("step ")
    window.stop_run()
    with qtbot.waitSignal(session.sig_finished, timeout=60_000):
        pass


def test_the_heatmap_covers_what_the_playground_plane_shows(window, qtbot):
    """Item 14: D's heatmap covered ±2.5 while a wide window's axes ran to ±4.3: dark bands at the sides."""
    window.tabs.setCurrentWidget(window.playground)
    window.resize(1600, 700)  # wider than tall: the locked aspect shows more x than the data's square
    pg_panel = window.playground
    qtbot.waitUntil(lambda: pg_panel.game is not None, timeout=10_000)
    pg_panel.driver.redraw()
    canvas = pg_panel.canvas
    (vx0, vx1), (vy0, vy1) = canvas.box.viewRange()
    qtbot.waitUntil(lambda: abs(canvas.heat.mapRectToParent(canvas.heat.boundingRect()).left() -
                                canvas.box.viewRange()[0][0]) < 1e-3, timeout=5_000)
    rect = canvas.heat.mapRectToParent(canvas.heat.boundingRect())
    (vx0, vx1), (vy0, vy1) = canvas.box.viewRange()
    assert vx1 - vx0 > 5.5  # wider than the data's ±2.5 square
    assert abs(rect.left() - vx0) < 1e-3 and abs(rect.right() - vx1) < 1e-3
    assert abs(rect.top() - vy0) < 1e-3 and abs(rect.bottom() - vy1) < 1e-3


def test_the_engine_heatmap_is_d_over_the_view_it_is_given():
    import torch

    from trainers.playconfig import PlayConfig
    from trainers.playground import Playground

    g = Playground(PlayConfig(dist="ring", seed=0))
    s = g.snapshot(res=16, view=(-4.0, 4.0, -3.0, 3.0))
    assert s.heat_extent == (-4.0, 4.0, -3.0, 3.0) and s.extent == (-2.5, 2.5, -2.5, 2.5)
    with torch.no_grad():
        corner = float(g._d_out(torch.tensor([[-4.0, -3.0], [4.0, 3.0]]))[0])
    assert abs(float(s.heat[0, 0]) - corner) < 1e-5


def _clipped(root) -> list[tuple[str, str, int, int]]:
    """Visible one-line labels, combos and buttons whose text does not fit their width (Qt elides or cuts it)."""
    from PySide6.QtWidgets import QComboBox, QLabel, QPushButton

    out = []
    for lab in root.findChildren(QLabel):
        t = lab.text()
        if (not lab.isVisible() or lab.wordWrap() or not t or "<" in t or "\n" in t
                or lab.textFormat() == Qt.TextFormat.RichText or type(lab).__name__ == "QElidingLabel"):
            continue
        need, have = lab.fontMetrics().horizontalAdvance(t), lab.contentsRect().width() - 2 * lab.margin()
        if need > have + 1:
            out.append(("label", t, need, have))
    for cb in root.findChildren(QComboBox):
        if cb.isVisible() and not cb.isEditable() and cb.fontMetrics().horizontalAdvance(cb.currentText()) + 30 > cb.width():
            out.append(("combo", cb.currentText(), cb.fontMetrics().horizontalAdvance(cb.currentText()) + 30,
                        cb.width()))
    for b in root.findChildren(QPushButton):
        text = b.text().replace("&", "")
        icon = b.iconSize().width() + 4 if not b.icon().isNull() else 0
        if b.isVisible() and text and b.fontMetrics().horizontalAdvance(text) + icon + 12 > b.width():
            out.append(("button", text, b.fontMetrics().horizontalAdvance(text) + icon + 12, b.width()))
    return out


def test_no_text_is_cut_at_1280_by_800(window, qtbot, dialog):
    """Item 10: at 1280×800 the playground's preset box read "Mode collapse: minin"; every tab, every preset and
    New Run are checked for a one-line text wider than its widget."""
    window.resize(1280, 800)
    for i in range(window.tabs.count()):
        window.tabs.setCurrentIndex(i)
        qtbot.wait(200)
        assert _clipped(window) == [], window.tabs.tabText(i)
    window.tabs.setCurrentWidget(window.playground)
    presets = window.playground.preset
    for j in range(presets.count()):
        presets.setCurrentIndex(j)
        qtbot.wait(50)
        assert _clipped(window.playground) == [], presets.itemText(j)
    dialog.resize(min(dialog.width(), 1280), min(dialog.height(), 800))
    qtbot.wait(100)
    assert _clipped(dialog) == []


@pytest.mark.parametrize("bundle", ["dcgan-digits", "infogan-digits", "cgan-digits", "sagan-digits", "biggan-digits",
                                    "cyclegan-bold", "srgan-digits", "stylegan-digits", "progan-digits"])
def test_no_text_is_cut_in_any_explorer_tool_at_1280_by_800(window, qtbot, bundle):
    from pathlib import Path

    from tests.test_app_explorer import open_run, settle

    window.resize(1280, 800)
    window.tabs.setCurrentWidget(window.explorer)
    ex = window.explorer
    open_run(qtbot, ex, Path(__file__).resolve().parents[1] / "assets" / "models" / bundle)
    for i, tool in enumerate(ex.tools):
        if ex.tabbar.isTabEnabled(i):
            ex.tabbar.setCurrentIndex(i)
            settle(qtbot, ex)
            qtbot.wait(100)
            assert _clipped(ex) == [], tool.name


def test_the_window_opens_without_loading_torch_or_scipy():
    """Item 7: the window took 2.5-5 s to appear because the Text tool's constants and the scores line pulled in
    PyTorch (1.2 s) and SciPy (0.4 s) on the way up; they load behind the window now."""
    import os
    import subprocess
    import sys

    code = ("import sys\nimport ganstudio.app as a\napp = a.create_app()\nfrom ganstudio.main_window import MainWindow\n"
            "w = MainWindow(); w.show(); app.processEvents()\n"
            "print(sorted(m for m in ('torch', 'scipy', 'torchvision') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_the_app_refuses_to_train_in_a_folder_another_process_trains_in(window, qtbot, tmp_path):
    """Item 2 in the app: Continue training / a new run in a folder in use fails with the holder named."""
    import json
    import socket
    import subprocess
    import sys

    from tests.conftest import app_config

    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        cfg = app_config(tmp_path, steps=50)
        run = tmp_path / "run"
        run.mkdir(parents=True, exist_ok=True)
        (run / "run.lock").write_text(json.dumps({"pid": holder.pid, "host": socket.gethostname(), "started": 0}))
        session = window.start_run(cfg, str(run))
        qtbot.waitUntil(lambda: session.state == "failed", timeout=30_000)
        assert any(f"process {holder.pid}" in e.text and "is in use" in e.text for e in session.log)
        assert not (run / "metrics.jsonl").exists()
    finally:
        holder.kill()
        holder.wait()


def test_a_dataset_switched_for_one_model_goes_back_when_another_is_chosen(dialog):
    from tests.test_app_views import choose, choose_model

    """Issue 38 item 12: CycleGAN → digits-plain, then StyleGAN stayed on digits-plain (stylegan-digits-plain-1)."""
    choose_model(dialog, "cyclegan")
    assert (dialog.config()["data"], dialog.config()["data_b"]) == ("digits-plain", "digits-bold")
    choose_model(dialog, "stylegan")
    assert dialog.config()["data"] == "digits" and "switched" not in dialog.model_about.text()
    assert dialog.name.text() == "stylegan-digits-1"
    choose_model(dialog, "pix2pix")  # switched again from the user's digits, and back again
    choose_model(dialog, "srgan")
    assert dialog.config()["data"] == "digits"
    # a dataset the user chose after a switch is theirs: it stays
    choose_model(dialog, "cyclegan")
    choose(dialog.dataset, "digits-negative")
    choose_model(dialog, "dcgan")
    assert dialog.config()["data"] == "digits-negative"


def test_an_open_run_whose_lock_is_held_is_watched_and_cannot_be_continued(window, qtbot, tmp_path):
    """Issue 38 item 2: a folder another process holds (drawing its data, nothing written yet) is live."""
    import json
    import os
    import socket
    import subprocess
    import sys
    import time

    from tests.test_app_views import make_run_folder

    run = tmp_path / "held"
    make_run_folder(run)
    old = time.time() - 3600
    for p in run.rglob("*"):
        os.utime(p, (old, old))  # nothing written for an hour
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (run / "run.lock").write_text(json.dumps({"pid": holder.pid, "host": socket.gethostname(), "started": 0}))
        session = window.open_run(str(run))
        qtbot.waitUntil(lambda: session.state == "watching", timeout=10_000)
        assert not window.actions_["continue"].isEnabled()
    finally:
        holder.kill()
        holder.wait()
    qtbot.waitUntil(lambda: session.state != "watching", timeout=10_000)  # the holder gone: a stopped run
