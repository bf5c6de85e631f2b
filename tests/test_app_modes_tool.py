"""The explorer's Modes tool (issue 40, item 5) on real checkpoints: on for a stacked set only; a count fills the cells
the engine counts for the same seed and n, is kept beside the run and shown again on open; a click on a cell makes
the sample that spelled it the current one; Cancel keeps nothing; a failure is one line and the explorer stays up."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from tests.conftest import open_ckpt, tiny_config
from trainers.data import stacked

pytestmark = pytest.mark.usefixtures("no_thread_leaks")

N = 200  # fakes (and real images) of the test's counts


@pytest.fixture(scope="module")
def stacked_ckpt(tmp_path_factory):
    """A 4-step dcgan on digits-stacked (channels from 3,000 procedural digits, kept so for the counts too)."""
    from trainers import train

    mp = pytest.MonkeyPatch()
    mp.setattr(stacked, "DIGITS_SOURCE", 3000)
    folder = tmp_path_factory.mktemp("modes-tool")
    list(train(tiny_config(folder, model="dcgan", data="digits-stacked", data_limit=600, steps=4, checkpoint_every=4)))
    yield folder / "run" / "checkpoints" / "step_0000004.safetensors"
    mp.undo()


@pytest.fixture(scope="module")
def digits_ckpt(tmp_path_factory):
    from trainers import train

    folder = tmp_path_factory.mktemp("modes-tool-digits")
    list(train(tiny_config(folder, model="dcgan", data="digits", data_limit=256, steps=2, checkpoint_every=2)))
    return folder / "run" / "checkpoints" / "step_0000002.safetensors"


def _files(run) -> set[str]:
    return {str(p.relative_to(run)) for p in run.rglob("*") if p.is_file()}


def _open_modes(qtbot, ex, ckpt):
    open_ckpt(qtbot, ex, ckpt)
    assert ex.set_tool("modes")
    return ex.tool("modes")


def test_the_tool_is_on_for_a_stacked_checkpoint_only(qtbot, explorer_panel, stacked_ckpt, digits_ckpt):
    ex = explorer_panel
    open_ckpt(qtbot, ex, digits_ckpt)
    assert "stacked set" in ex.off_reason("modes") and not ex.set_tool("modes")
    tool = _open_modes(qtbot, ex, stacked_ckpt)
    assert ex.off_reason("modes") == "" and ex.current_tool is tool
    assert tool.modes_view.map.filled == 0 and tool.count_btn.text() == "Count modes" and tool.count_btn.isEnabled()
    assert "No mode count for step 4" in tool.status.text()
    assert ex.tabbar.sizeHint().width() <= ex.tabbar.width()  # fourteen tabs, no scroll arrows


def test_a_count_fills_the_cells_the_engine_counts_and_a_click_draws_one(qtbot, explorer_panel, stacked_ckpt):
    from trainers.generator import seed_latent
    from trainers.metrics.checkpoint import count_modes

    want = count_modes(stacked_ckpt, samples=N, seed=0)["metrics"]
    run = stacked_ckpt.parent.parent
    ex = explorer_panel
    tool = _open_modes(qtbot, ex, stacked_ckpt)
    with qtbot.waitSignal(tool.progress.sig_finished, timeout=20_000):
        tool.count(N)
        assert tool.busy and tool.count_btn.text() == "Cancel"
    modes = tool.result["metrics"]["modes"]
    assert tool.modes_view.map.filled == want["modes"]["value"] == modes["value"] > 0
    assert modes["counts"] == want["modes"]["counts"] and modes["samples"] == N
    assert tool.modes_view.count.text() == f"{want['modes']['value']:,} / 1,000"
    assert f"KL to uniform {want['modes_kl']['value']:.3f}" == tool.modes_view.kl.text()
    assert f"real stacked images: {want['modes']['floor']:,} modes" in tool.modes_view.floor.text()
    assert (run / "eval" / "modes_step_0000004.json").is_file() and "modes_step_0000004.json" in tool.status.text()
    assert not (run / "eval" / "step_0000004.json").exists()  # never over (or posing as) a full evaluation

    from ganstudio.explorer.model import ExplorerModel
    from ganstudio.explorer.tools.modes import ModesTool

    again = ModesTool(ExplorerModel())  # opened afresh: the kept count shows, no counting
    qtbot.addWidget(again)
    again.set_context(ex.ctx)
    assert again.modes_view.map.filled == want["modes"]["value"] and again.count_btn.text() == "Count again"

    k = int(np.argmax(modes["counts"]))  # a filled cell: the most drawn number
    m = tool.modes_view.map
    step = m.CELL + m.GAP
    o = m._origin(k // 100)
    qtbot.mouseClick(m, Qt.MouseButton.LeftButton, pos=o + QPoint((k % 10) * step + 2, (k % 100 // 10) * step + 2))
    z = seed_latent(ex.ctx.space.inputs, N, 0)["z"][modes["first"][k]]
    assert np.allclose(ex.state.base_z, z) and ex.state.truncation == 1.0
    assert f"{k:03d}: sample {modes['first'][k] + 1:,}" in ex.message.text()
    qtbot.waitUntil(lambda: ex.settled, timeout=20_000)

    from tests.test_app_first_hour import _clipped

    ex.resize(1280 - 250, 800)  # the explorer in the default window, beside the runs list: the map fits, no text cut
    QApplication.processEvents()
    assert ex.views.currentWidget().horizontalScrollBar().maximum() == 0 and _clipped(ex) == []
    if os.environ.get("GANSTUDIO_SHOTS"):  # a picture to look at: GANSTUDIO_SHOTS=DIR pytest ...
        ex.grab().save(os.path.join(os.environ["GANSTUDIO_SHOTS"], "modes_tool.png"))


def test_cancel_keeps_nothing_and_a_failure_is_one_line(qtbot, explorer_panel, stacked_ckpt, monkeypatch):
    run = stacked_ckpt.parent.parent
    ex = explorer_panel
    tool = _open_modes(qtbot, ex, stacked_ckpt)
    before, shown = _files(run), tool.modes_view.map.filled
    with qtbot.waitSignal(tool.progress.sig_stage, timeout=20_000):
        tool.count(26000)
    qtbot.mouseClick(tool.count_btn, Qt.MouseButton.LeftButton)  # "Cancel": stops between chunks, joined
    assert not tool.busy and _files(run) == before and tool.modes_view.map.filled == shown
    assert tool.status.text().startswith("Cancelled")

    from trainers.metrics import checkpoint

    def broken(*args, **kwargs):
        raise RuntimeError("the classifier file is damaged\nsecond line")

    monkeypatch.setattr(checkpoint, "count_modes", broken)
    with qtbot.waitSignal(tool.progress.sig_finished, timeout=20_000):
        tool.count(N)
    line = tool.status.text()
    assert line.startswith("Could not count modes: RuntimeError: the classifier file is damaged") and "\n" not in line
    assert "Modes: could not count modes" in ex.message.text() and ex.isVisible() and not tool.busy
    assert _files(run) == before
