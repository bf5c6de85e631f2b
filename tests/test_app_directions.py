"""The Latent tool's named directions (issue 41), offscreen: sliders appear for the stored directions with their
measured effect, a move is an undo step that moves z by its step and is saved in latent files; a file made for another
generator is refused; cancelling Find directions writes nothing."""

from __future__ import annotations

import json

import numpy as np
import pytest

from trainers.directions import Direction
from trainers.directions_file import DirectionSet, directions_path, find_directions_file, save_directions
from trainers.generator import load_generator
from trainers.loop import train

from .conftest import tiny_config
from .test_app_explorer import open_run

pytestmark = pytest.mark.usefixtures("no_thread_leaks")
Z = 8


@pytest.fixture(scope="module")
def dcgan_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dcgan")
    list(train(tiny_config(folder, model="dcgan", arch="mnist", steps=2, checkpoint_every=2, z_dim=Z)))
    return folder / "run"


def _axis(i: int, scale: float = 1.0) -> np.ndarray:
    v = np.zeros(Z, np.float32)
    v[i] = scale
    return v


def _store(run, weights_hash: str) -> None:
    dirs = [Direction("slant", "interfacegan", _axis(1), 1.0, _axis(1), "slant",
                      {"rho": 0.99, "kept": 0.81, "leakage": 0.5, "leaks_most": "rotation", "per_sigma": 0.19}),
            Direction("width", "interfacegan", _axis(3), 0.5, _axis(3, 0.5), "width",
                      {"rho": 0.97, "kept": 0.84, "leakage": 0.21, "leaks_most": "scale", "per_sigma": 0.31,
                       "measured_as": "2·area/perimeter"}),
            Direction("slant (SeFa 1)", "sefa", _axis(2), 1.0, _axis(2), "slant", {"rho": 0.9, "kept": 0.2})]
    save_directions(DirectionSet(weights_hash, dirs, {"dataset": "digits"}),
                    directions_path(run / "checkpoints" / "last.safetensors"))


def test_sliders_follow_the_stored_directions_move_z_undo_and_save(qtbot, explorer_panel, dcgan_run, tmp_path):
    from ganstudio.explorer.export import _model
    from ganstudio.explorer.latent_files import latent_document, load_latent, save_latent

    gen = load_generator(dcgan_run / "checkpoints" / "last.safetensors")
    _store(dcgan_run, gen.weights_hash)
    ex = explorer_panel
    open_run(qtbot, ex, dcgan_run)
    tool = ex.tool("latent")
    named = tool.named
    assert named.names == ["slant", "width"]  # InterFaceGAN's shown first; SeFa's behind the picker
    assert [lab.text() for lab in named.labels[:2]] == ["slant", "stroke width"]
    assert not named.form.isRowVisible(named.sliders[2]) and not named.find.isVisible()
    tip = named.sliders[1].toolTip()
    assert "ρ +0.97" in tip and "digit kept 84%" in tip and "leakage 0.21 (scale)" in tip
    z0 = np.array(ex.model.state.base_z)
    named.sliders[1].setValue(2.0)  # width: z[3] moves by 2 × its step (0.5)
    st = ex.model.state
    assert dict(st.named) == {"width": 2.0}
    np.testing.assert_allclose(np.array(st.base_z), z0 + _axis(3, 1.0), atol=1e-5)
    doc = latent_document(st, ex.ctx.space, _model(ex))
    assert doc["named"] == {"width": 2.0} and doc["z"][3] == pytest.approx(z0[3] + 1.0, abs=1e-5)
    path = save_latent(tmp_path / "moved.json", doc)
    assert ex.model.undo()
    assert np.allclose(ex.model.state.base_z, z0) and ex.model.state.named == ()
    assert named.sliders[1].value() == 0.0
    back, _ = load_latent(path, ex.ctx.space, _model(ex), ex.model.state)
    assert dict(back.named) == {"width": 2.0} and back.base_z[3] == pytest.approx(z0[3] + 1.0, abs=1e-5)
    # the sweep view: one row per named direction, −3σ … +3σ
    tool.mode_named.setChecked(True)
    out = tool.outputs(ex.model.state)[0]
    rows = out.inputs().reshape(2, 7, -1)
    np.testing.assert_allclose(rows[1, :, 3] - rows[1, 3, 3], 0.5 * np.arange(-3, 4), atol=1e-5)
    named.method.setCurrentIndex(named.method.findData("sefa"))
    assert named.names == ["slant (SeFa 1)"] and named.labels[0].text() == "slant · SeFa 1"


def test_a_file_for_another_generator_is_refused_and_cancel_writes_nothing(qtbot, explorer_panel, dcgan_run):
    ckpt = dcgan_run / "checkpoints" / "last.safetensors"
    _store(dcgan_run, "0123456789abcdef")
    ex = explorer_panel
    open_run(qtbot, ex, dcgan_run)
    named = ex.tool("latent").named
    assert named.names == [] and "another generator" in named.note.text()
    for p in ckpt.parent.glob("*.directions.*"):
        p.unlink()
    named.checkpoint = ""  # reload: now there are none
    named.set_checkpoint(str(ckpt), str(ex.ctx.info["hash"]))
    assert named.names == [] and "No directions stored" in named.note.text()
    named.show()
    assert named.find.isVisible()
    with qtbot.waitSignal(named.find.clicked, timeout=1000):
        named.find.click()
    thread = named.thread
    assert thread is not None and named.cancel.isVisible()
    with qtbot.waitSignal(thread.sig_cancelled, timeout=20_000):
        named.cancel.click()
    qtbot.waitUntil(lambda: named.thread is None, timeout=20_000)
    assert "nothing was written" in named.note.text()
    assert list(ckpt.parent.glob("*.directions.*")) == []
    gen = load_generator(ckpt)
    assert find_directions_file(gen) is None
    assert json.loads((ckpt.with_suffix(".json")).read_text())["step"] == 2  # the checkpoint itself untouched


@pytest.fixture(scope="module")
def stylegan_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stylegan")
    list(train(tiny_config(folder, model="stylegan", image_size=16, width=4, z_dim=Z, batch_size=8, steps=2,
                           data_limit=256, checkpoint_every=2, sample_every=2)))
    return folder / "run"


def test_a_direction_on_some_w_plus_layers_is_drawn_in_w_plus_and_leaves_z_alone(qtbot, explorer_panel,
                                                                                   stylegan_run):
    import torch

    from trainers.directions import LatentWalk
    from trainers.images import to_uint8_grid

    from .test_app_explorer import settle

    ckpt = stylegan_run / "checkpoints" / "last.safetensors"
    gen = load_generator(ckpt)
    walk = LatentWalk(gen)
    n_ws, w_dim = walk.body.num_ws, walk.dim
    v = np.random.default_rng(0).normal(size=w_dim).astype(np.float32)
    v /= np.linalg.norm(v)
    fine = (n_ws - 2, n_ws - 1)
    d = Direction("width", "interfacegan", v, 0.7, np.zeros(Z, np.float32), "width", {"rho": 1.0}, space="w",
                  layers=fine)
    save_directions(DirectionSet(gen.weights_hash, [d], {"dataset": "digits", "num_ws": n_ws}),
                    directions_path(ckpt))
    ex = explorer_panel
    before = open_run(qtbot, ex, stylegan_run)
    tool = ex.tool("latent")
    z0 = ex.model.state.base_z
    tool.named.sliders[0].setValue(2.0)
    after = settle(qtbot, ex)
    st = ex.model.state
    assert st.base_z == z0 and dict(st.named) == {"width": 2.0}  # z is not moved: W+ is, at the fine layers only
    flat = torch.from_numpy(st.vector(ex.ctx.space))[None]
    expect = walk.render(walk.moved(walk.points(flat), torch.from_numpy(2.0 * 0.7 * v), fine), flat)
    assert np.array_equal(after, to_uint8_grid(expect, 1, padding=0)) and not np.array_equal(after, before)
    # the sweep: each row carries its W+ offset, a·σ·v at the fine layers and nothing elsewhere
    tool.mode_named.setChecked(True)
    out = tool.outputs(st)[0]
    assert out.kind == "wplus" and out.n == 7
    offsets = out.inputs()[:, gen.layout.in_dim:].reshape(7, n_ws, w_dim)
    np.testing.assert_allclose(offsets[0, n_ws - 1], -3 * 0.7 * v, atol=1e-6)
    np.testing.assert_allclose(offsets[6, n_ws - 2], 3 * 0.7 * v, atol=1e-6)
    assert not offsets[:, :n_ws - 2].any()
    assert ex.model.undo() and ex.model.state.named == ()
    assert np.array_equal(settle(qtbot, ex), before)
