"""The explorer's BigGAN tool against a tiny trained BigGAN: on for biggan, off with a reason for dcgan; the class
picker changes only the label at fixed z; BigGAN's truncation (±ψ) is the one every explorer view applies, so ψ = 0
gives one sample per class whatever the seed; Resample changes only its chunk of z; the truncation curve draws a
stored sweep's rows, or computes one in a thread and keeps it beside the run; latent files keep ψ."""

import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from trainers.inputs import truncate
from trainers.loop import train
from trainers.metrics.evaluate import SWEEP_SCHEMA, store_result

from .conftest import open_ckpt, tiny_config

pytestmark = pytest.mark.usefixtures("no_thread_leaks")

ROWS = [  # a sweep with known numbers (not a real model's): untruncated first, then ψ from loose to tight
    {"psi": None, "label_accuracy": 0.61, "precision": 0.52, "recall": 0.48, "fid": 14.0, "fid_floor": 1.5},
    {"psi": 2.0, "label_accuracy": 0.63, "precision": 0.55, "recall": 0.46, "fid": 13.5, "fid_floor": 1.5},
    {"psi": 1.0, "label_accuracy": 0.72, "precision": 0.66, "recall": 0.37, "fid": 15.0, "fid_floor": 1.5},
    {"psi": 0.5, "label_accuracy": 0.84, "precision": 0.79, "recall": 0.21, "fid": 22.0, "fid_floor": 1.5},
    {"psi": 0.0, "label_accuracy": 0.93, "precision": 0.90, "recall": 0.04, "fid": 61.0, "fid_floor": 1.5},
]


def _train(tmp_path_factory, model, **kw):
    folder = tmp_path_factory.mktemp(model)
    list(train(tiny_config(folder, model=model, width=8, batch_size=16, steps=2, sample_every=1000,
                           checkpoint_every=1000, **kw)))
    return folder / "run" / "checkpoints" / "last.safetensors"


@pytest.fixture(scope="module")
def biggan_ckpt(tmp_path_factory):
    return _train(tmp_path_factory, "biggan", z_dim=24)  # 28 px: chunks (8, 8, 8)


@pytest.fixture(scope="module")
def dcgan_ckpt(tmp_path_factory):
    return _train(tmp_path_factory, "dcgan")


@pytest.fixture
def own_run(biggan_ckpt, tmp_path):
    """A copy of the BigGAN run, so a test can write into its eval/ folder."""
    shutil.copytree(biggan_ckpt.parent.parent, tmp_path / "run")
    return tmp_path / "run" / "checkpoints" / "last.safetensors"




def open_tool(qtbot, ex, path):
    open_ckpt(qtbot, ex, path)
    assert ex.set_tool("biggan")
    tool = ex.tool("biggan")
    qtbot.waitUntil(lambda: ex.settled and "biggan" in ex.images and "main" in ex.images, timeout=20_000)
    return tool


def shown(qtbot, ex) -> np.ndarray:
    qtbot.waitUntil(lambda: ex.settled, timeout=20_000)
    return ex.images["main"].copy()


def step_of(ckpt: Path) -> int:
    return json.loads(ckpt.with_suffix(".json").read_text())["step"]


def test_on_for_biggan_and_off_with_a_reason_for_dcgan(qtbot, explorer_panel, biggan_ckpt, dcgan_ckpt):
    ex = explorer_panel
    open_ckpt(qtbot, ex, dcgan_ckpt)
    why = ex.off_reason("biggan")
    assert "BigGAN" in why and "DCGAN" in why and "--model biggan" in why
    assert not ex.set_tool("biggan")
    assert ex.message.text().endswith(f"BigGAN is off: {why}")
    assert ex.ctx.space.truncation == "scale"  # other families keep ψ·z

    tool = open_tool(qtbot, ex, biggan_ckpt)
    assert ex.off_reason("biggan") == "" and ex.current_tool is tool
    assert ex.ctx.space.truncation == "normal"
    assert len(tool.buttons.buttons()) == 10
    roles = [lab.text() for lab, _ in tool._chunk_rows]
    assert len(roles) == 3 and "7×7" in roles[0] and "7→14" in roles[1] and "14→28" in roles[2]


def test_the_class_picker_changes_the_label_at_fixed_z(qtbot, explorer_panel, biggan_ckpt):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, biggan_ckpt)
    z0 = ex.state.base_z
    tool.buttons.button(0).click()
    img0 = shown(qtbot, ex)
    tool.buttons.button(3).click()
    assert (ex.state.label, ex.state.label_b, ex.state.base_z) == (3, None, z0)
    img3 = shown(qtbot, ex)
    assert not np.array_equal(img0, img3)
    tool.buttons.button(0).click()
    assert np.array_equal(shown(qtbot, ex), img0)
    assert "class 0" in ex.sample_caption.text()

    # the Classes view: the first cells are every class at this very z
    inputs = tool.outputs(ex.state)[0].inputs()
    sl = ex.ctx.space.inputs.slices()
    for k in range(10):
        np.testing.assert_array_equal(inputs[k, sl["z"]], ex.state.z())
        assert inputs[k, sl["label"]].argmax() == k and inputs[k, sl["label"]].sum() == 1
    tool._on_cell(7)  # clicking a cell makes it the current sample
    assert ex.state.label == 7 and ex.state.base_z == z0


def test_psi_zero_gives_the_same_sample_for_any_seed_within_a_class(qtbot, explorer_panel, biggan_ckpt):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, biggan_ckpt)
    assert ex.state.psi is None and tool.psi.off.isChecked()  # BigGAN opens untruncated
    seed = ex.latent_tool.seed
    seed.setValue(5)
    untruncated = shown(qtbot, ex)
    seed.setValue(9)
    assert not np.array_equal(shown(qtbot, ex), untruncated)

    tool.psi.slider.setValue(0.0)  # moving the slider turns truncation on
    assert ex.state.psi == 0.0 and not tool.psi.off.isChecked() and "ψ 0.00" in ex.sample_caption.text()
    at_9 = shown(qtbot, ex)
    seed.setValue(5)
    assert ex.state.seed == 5 and np.array_equal(shown(qtbot, ex), at_9)
    assert not np.any(ex.state.z())
    # every grid of the tool applies the same truncation: all z's of the Classes view are 0 too
    inputs = tool.outputs(ex.state)[0].inputs()
    assert not np.any(inputs[:, ex.ctx.space.inputs.slices()["z"]])

    tool.psi.slider.setValue(0.5)
    np.testing.assert_allclose(ex.state.z(), truncate(np.asarray(ex.state.base_z, np.float32), 0.5))
    assert ex.set_tool("latent")  # the Latent tool shows the same ψ, with BigGAN's control
    assert ex.latent_tool.psi.value() == 0.5 and ex.latent_tool.psi.isVisibleTo(ex.latent_tool)
    assert not ex.latent_tool.trunc.isVisibleTo(ex.latent_tool)
    ex.latent_tool.psi.off.setChecked(True)
    assert ex.state.psi is None and "ψ off" in ex.sample_caption.text()


def test_resampling_a_chunk_changes_only_that_chunk_of_z(qtbot, explorer_panel, biggan_ckpt):
    from ganstudio.explorer.tools.biggan import chunk_slices

    ex = explorer_panel
    tool = open_tool(qtbot, ex, biggan_ckpt)
    slices = chunk_slices(ex.ctx.space.inputs.part("z").chunks)
    assert [(s.start, s.stop) for s in slices] == [(0, 8), (8, 16), (16, 24)]
    for k, sl in enumerate(slices):
        before = np.array(ex.state.base_z)
        tool._chunk_rows[k][1].click()
        after = np.array(ex.state.base_z)
        outside = np.ones(len(after), bool)
        outside[sl] = False
        assert np.all(after[sl] != before[sl]) and np.array_equal(after[outside], before[outside])
        assert tool.mode == "chunks"
        qtbot.waitUntil(lambda: ex.settled, timeout=20_000)
    assert ex.model.undo() and np.array_equal(np.array(ex.state.base_z), before)

    # the z chunks view: row k varies chunk k only (its first cell is the current sample)
    z_at = ex.ctx.space.inputs.slices()["z"]
    zs = tool.outputs(ex.state)[0].inputs()[:, z_at].reshape(len(slices), tool.steps.value(), -1)
    for k, sl in enumerate(slices):
        np.testing.assert_array_equal(zs[k, 0], ex.state.z())
        changed = np.any(zs[k] != ex.state.z(), axis=0)
        assert changed[sl].all() and not np.delete(changed, np.arange(sl.start, sl.stop)).any()


def test_the_curve_draws_the_rows_of_a_stored_sweep(qtbot, explorer_panel, own_run):
    from ganstudio.explorer.tools.biggan_curve import OFF_GAP

    step = step_of(own_run)
    result = {"schema": SWEEP_SCHEMA, "rows": ROWS, "checkpoint": {"step": step, "family": "biggan"},
              "protocol": {"samples": 300, "dataset": "digits"}}
    assert store_result(own_run, result, "truncation") is not None
    ex = explorer_panel
    tool = open_tool(qtbot, ex, own_run)
    tool.mode_buttons.button(4).click()
    curve = tool.curve
    assert tool.mode == "curve" and tool.stack.currentWidget() is curve and curve.plots["scores"].isVisible()
    off = 2.0 + OFF_GAP  # untruncated z is drawn left of the largest ψ
    for key in ("label_accuracy", "precision", "recall", "fid", "fid_floor"):
        xs, ys = curve.items[key].getData()
        want = sorted((off if r["psi"] is None else r["psi"], r[key]) for r in ROWS)
        np.testing.assert_allclose(xs, [w[0] for w in want])
        np.testing.assert_allclose(ys, [w[1] for w in want])
    assert "300 samples per ψ" in curve.status.text() and curve.compute_btn.text() == "Recompute"
    assert curve.markers[0].value() == off and "label accuracy 0.61" in curve.readout.text()
    tool.psi.slider.setValue(0.5)  # the marker follows ψ; the readout gives that row's scores
    assert curve.markers[0].value() == 0.5 and curve.markers[1].value() == 0.5
    assert "ψ 0.5" in curve.readout.text() and "recall 0.21" in curve.readout.text()


def test_computing_the_curve_runs_off_the_gui_thread_and_keeps_it_beside_the_run(qtbot, explorer_panel, own_run, monkeypatch):
    from trainers.errors import DataError
    from trainers.metrics import evaluate

    calls = []

    def fake_sweep(path, samples, progress=None, **kw):  # the real sweep is tested in test_biggan.py
        calls.append((path, samples, threading.current_thread() is threading.main_thread()))
        for i in range(3):
            progress(f"ψ = {i}", i + 1, 3)
        return {"schema": SWEEP_SCHEMA, "rows": ROWS, "checkpoint": {"step": step_of(own_run)},
                "protocol": {"samples": samples, "dataset": "digits"}}

    monkeypatch.setattr(evaluate, "sweep_checkpoint", fake_sweep)
    ex = explorer_panel
    tool = open_tool(qtbot, ex, own_run)
    tool.set_mode("curve")
    curve = tool.curve
    assert curve.result is None and not curve.plots["scores"].isVisibleTo(curve)
    assert curve.compute_btn.text() == "Compute truncation curve"
    curve.samples.setValue(300)
    curve.compute_btn.click()
    assert curve.busy and curve.compute_btn.text() == "Cancel"
    qtbot.waitUntil(lambda: not curve.busy, timeout=20_000)
    assert calls == [(str(own_run), 300, False)]
    stored = own_run.parent.parent / "eval" / f"truncation_step_{step_of(own_run):07d}.json"
    assert json.loads(stored.read_text())["rows"] == ROWS
    assert stored.name in curve.status.text() and curve.plots["scores"].isVisibleTo(curve)
    np.testing.assert_allclose(curve.items["recall"].getData()[1], [0.04, 0.21, 0.37, 0.46, 0.48])

    def broken(path, samples, progress=None, **kw):
        raise DataError("evaluating needs the data the model was trained on: no such folder")

    monkeypatch.setattr(evaluate, "sweep_checkpoint", broken)
    curve.compute_btn.click()
    qtbot.waitUntil(lambda: not curve.busy, timeout=20_000)
    assert curve.status.text().startswith("Could not compute the curve: evaluating needs the data")
    assert "Truncation curve: evaluating needs the data" in ex.message.text()


def test_latent_files_keep_biggans_psi(qtbot, explorer_panel, biggan_ckpt, tmp_path):
    from dataclasses import replace

    from ganstudio.explorer.latent_files import LatentFileError, latent_document, load_latent, save_latent

    ex = explorer_panel
    open_ckpt(qtbot, ex, biggan_ckpt)
    ctx = ex.ctx
    model = {"hash": ctx.info["hash"], "lineage": ctx.info["lineage"], "family": "biggan", "step": 2}
    st = replace(ex.state, psi=0.25)
    doc = latent_document(st, ctx.space, model)
    assert doc["psi"] == 0.25 and doc["truncation"] == 1.0
    np.testing.assert_allclose(doc["z"], truncate(np.asarray(st.base_z, np.float32), 0.25), rtol=1e-6)
    path = save_latent(tmp_path / "z.json", doc)
    loaded, _ = load_latent(path, ctx.space, model, replace(st, psi=None))
    assert loaded.psi == 0.25 and loaded == st
    doc["psi"] = 7
    save_latent(path, doc)
    with pytest.raises(LatentFileError, match="psi"):
        load_latent(path, ctx.space, model, st)
