"""Domain scores in the app: the explorer's scores line (stored, computed on request, failures) and the
evaluation curves of a run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import tiny_config

pytestmark = pytest.mark.usefixtures("no_thread_leaks")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A 4-step DCGAN on 600 digits (no evaluation during training) and a quick classifier in the cache."""
    from trainers.data import load_dataset
    from trainers.loop import train
    from trainers.metrics import features

    data = load_dataset("digits", limit=600)
    features.save_extractor(features.train_extractor(data, steps=60), features.cache_path(data))
    out = tmp_path_factory.mktemp("scores")
    cfg = tiny_config(out, model="dcgan", data_limit=600, steps=4, eval_every=0)
    for _ in train(cfg):
        pass
    return out / "run"


def test_scores_bar_evaluates_on_request_and_keeps_the_result(qtbot, run_dir):
    from ganstudio.panels.scores import ScoresBar

    ckpt = str(run_dir / "checkpoints" / "last.safetensors")
    bar = ScoresBar()
    qtbot.addWidget(bar)
    bar.show_checkpoint(ckpt, 4)
    assert bar.result is None and "Not evaluated" in bar.label.text()
    assert bar.eval_btn.text() == "Evaluate" and bar.details_btn.isHidden()
    with qtbot.waitSignal(bar.eval_btn.clicked, timeout=1000):
        bar.eval_btn.click()
    assert bar.busy and bar.eval_btn.text() == "Cancel"
    qtbot.waitUntil(lambda: not bar.busy, timeout=120_000)
    assert bar.result is not None and bar.result["checkpoint"]["step"] == 4
    fid = bar.result["metrics"]["fid"]["value"]
    assert f"domain FID {fid:.2f}" in bar.label.text()
    assert bar.eval_btn.text() == "Re-evaluate"
    stored = json.loads((run_dir / "eval" / "step_0000004.json").read_text())
    assert stored["metrics"]["fid"]["value"] == fid
    again = ScoresBar()  # another window finds it on disk without computing
    qtbot.addWidget(again)
    again.show_checkpoint(ckpt, 4)
    assert again.result is not None and again.result["metrics"]["fid"]["value"] == fid
    assert not again.busy


def test_scores_bar_picks_up_scores_a_training_run_writes_later(qtbot, tmp_path, run_dir):
    import shutil

    from ganstudio.panels.scores import ScoresBar

    run = tmp_path / "copy"
    shutil.copytree(run_dir, run, ignore=shutil.ignore_patterns("eval"))
    bar = ScoresBar()
    qtbot.addWidget(bar)
    ckpt = str(run / "checkpoints" / "last.safetensors")
    bar.show_checkpoint(ckpt, 4)
    assert bar.result is None
    from trainers.metrics.checkpoint import evaluate_checkpoint
    from trainers.metrics.evaluate import store_result

    assert store_result(ckpt, evaluate_checkpoint(ckpt, samples=200)) == run / "eval" / "step_0000004.json"
    bar.recheck(4)  # what the main window does on a session's sig_scores
    assert bar.result is not None and "domain FID" in bar.label.text()


def test_scores_bar_says_why_a_file_cannot_be_evaluated(qtbot, tmp_path):
    from ganstudio.panels.scores import ScoresBar

    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x00" * 64)
    bar = ScoresBar()
    qtbot.addWidget(bar)
    bar.show_checkpoint(str(junk), 0)
    bar.evaluate()
    qtbot.waitUntil(lambda: not bar.busy, timeout=30_000)
    assert bar.label.text().startswith("Could not evaluate:") and "junk.safetensors" in bar.label.text()
    assert bar.result is None


def test_evaluation_events_become_sparse_curves_and_a_status_figure(qtbot, tmp_path):
    from ganstudio.panels.curves import CurvesPanel
    from ganstudio.session import RunSession
    from trainers.events import EvalScores, Stats

    session = RunSession(tmp_path / "r")
    for step in range(1, 31):
        session._on_event(Stats(step, step * 0.1, {"loss_d": 1.0, "loss_g": 2.0}))
    values = {"eval_fid": 40.0, "eval_fid_floor": 4.0, "eval_precision": 0.5, "eval_recall": 0.3,
              "eval_kid": 1.0, "eval_is": 5.0, "eval_coverage": 9}
    session._on_event(EvalScores(10, values, str(tmp_path / "e.json"), True))
    session._on_event(EvalScores(20, {**values, "eval_fid": 20.0}, str(tmp_path / "e.json"), True))
    assert session.data.step == 30  # scores of earlier steps do not move the run back
    panel = CurvesPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_runs(session.data)
    panel.refresh()
    assert "Domain FID" in panel.plot_names() and "Scores" in panel.plot_names()
    x, y = panel.curve_data("eval_fid")
    np.testing.assert_array_equal(x, [10, 20])
    np.testing.assert_array_equal(y, [40.0, 20.0])  # drawn as measured, not smoothed
    assert panel.curve_data("eval_kid")[0].size == 0  # in the details, not a curve
    assert any("domain scores at step 20" in e.text for e in session.log)
