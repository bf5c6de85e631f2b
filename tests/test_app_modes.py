"""The Modes view (issue 40) on a real run folder: a tiny run on digits-stacked evaluated while it trained; the cells
filled are the evaluation's count, and the training window shows the view for that run only."""

from __future__ import annotations

import json
import os

import pytest

from tests.conftest import tiny_config
from trainers.data import stacked


@pytest.fixture(scope="module")
def stacked_run(tmp_path_factory):
    from trainers import train

    mp = pytest.MonkeyPatch()
    mp.setattr(stacked, "DIGITS_SOURCE", 3000)  # channels from 3,000 procedural digits
    try:
        folder = tmp_path_factory.mktemp("stacked")
        list(train(tiny_config(folder, model="dcgan", data="digits-stacked", data_limit=600, steps=6, eval_every=3,
                               eval_samples=300, checkpoint_every=3)))
    finally:
        mp.undo()
    return folder / "run"


def test_cells_filled_are_the_evaluations_count(qtbot, stacked_run):
    from ganstudio.panels.modes import ModesView

    view = ModesView()
    qtbot.addWidget(view)
    assert view.show_run(stacked_run)
    stored = json.loads(sorted((stacked_run / "eval").glob("step_*.json"))[-1].read_text())
    modes = stored["metrics"]["modes"]
    assert view.map.filled == modes["value"] == sum(c > 0 for c in modes["counts"])
    assert modes["samples"] == 300 and f"{modes['value']:,} / 1,000" == view.count.text()
    parts = stored["metrics"]["modes_kl"]["parts"]
    assert sum(parts.values()) == pytest.approx(stored["metrics"]["modes_kl"]["value"], abs=1e-4)
    assert f"channels tied {parts['tied']:.3f}" in view.split.text()
    shown = view.split.text()
    older = json.loads(json.dumps(stored))
    del older["metrics"]["modes_kl"]["parts"]  # a count stored before the split: worked out from its counts
    assert view.show_result(older) and view.split.text() == shown
    assert view.show_result(stored)
    rows = [json.loads(line) for line in (stacked_run / "metrics.jsonl").read_text().splitlines()]
    assert any(r.get("eval_modes") == modes["value"] and r["step"] == stored["checkpoint"]["step"] for r in rows)
    k = int(modes["counts"].index(max(modes["counts"])))
    step = view.map.CELL + view.map.GAP
    o = view.map._origin(k // 100)
    assert view.map.cell_at(o + type(o)((k % 10) * step + 2, (k % 100 // 10) * step + 2)) == k
    if os.environ.get("GANSTUDIO_SHOTS"):  # a picture for the README: GANSTUDIO_SHOTS=DIR pytest ...
        view.resize(900, 300)
        view.grab().save(os.path.join(os.environ["GANSTUDIO_SHOTS"], "modes-view.png"))


def test_the_training_window_follows_a_stacked_run_only(qtbot, stacked_run, tmp_path):
    from ganstudio.panels.modes import ModesView

    view = ModesView()
    qtbot.addWidget(view)
    view.show()
    view.follow(stacked_run)
    assert view.isVisible() and view.map.filled > 0
    view.follow(tmp_path)  # a run folder with no mode count (not a stacked set)
    assert not view.isVisible()
    view.follow(None)
    assert not view.isVisible() and not view.show_result(None)
