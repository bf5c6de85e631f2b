"""The explorer's Styles tool against a tiny trained StyleGAN: on for stylegan only, and it draws the current sample
itself; ψ = 0 draws w̄'s image; ticking every layer gives seed B's image and none seed A's; a mixing-grid cell is
the direct render of its mix; noise off and on differ only where a layer's noise strength is not 0 (and a redraw
leaves the checkpoint's noise alone); the layer view's channel is synthesis(…, features_of=l)[0, c]; the pad moves
w along W's principal directions; a projection becomes the current w; the thread draws the latest request only;
the sample-defining settings undo and redo (a drag in one step) and travel in latent files, checked against the
model."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from trainers.checkpoints import read_checkpoint, write_checkpoint
from trainers.generator import load_generator
from trainers.loop import train

from .conftest import open_ckpt, tiny_config
from .test_app_attention import _run

pytestmark = pytest.mark.usefixtures("no_thread_leaks")


@pytest.fixture(scope="module")
def sg_ckpt(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stylegan")
    list(train(tiny_config(folder, model="stylegan", image_size=16, width=4, z_dim=8, batch_size=8, steps=4,
                           data_limit=256, checkpoint_every=4, sample_every=4)))
    return folder / "run" / "checkpoints" / "last.safetensors"


@pytest.fixture(scope="module")
def strengths(sg_ckpt):
    """``set(layer → strength)``: a copy of the checkpoint with every conv's noise strength set by hand."""
    made = {}

    def make(values: dict[int, float]):
        key = tuple(sorted(values.items()))
        if key not in made:
            ck = read_checkpoint(sg_ckpt)
            tensors = dict(ck.tensors)
            for k in tensors:
                if k.endswith("noise_strength"):
                    layer = int(k.split("convs.")[1].split(".")[0])
                    tensors[k] = torch.tensor(float(values.get(layer, 0.0)))
            path = sg_ckpt.parent / f"noise_{len(made)}.safetensors"
            write_checkpoint(path, tensors, ck.meta)
            made[key] = path
        return made[key]

    return make


def pixels(t: torch.Tensor) -> np.ndarray:
    from trainers.images import to_uint8_grid

    return to_uint8_grid(t[:1], 1, padding=0)


def open_tool(qtbot, ex, path):
    open_ckpt(qtbot, ex, path)
    assert ex.set_tool("styles")
    tool = ex.tool("styles")
    settle(qtbot, ex, tool)
    return tool


def settle(qtbot, ex, tool):
    qtbot.waitUntil(lambda: ex.settled and tool.settled and "main" in tool.images, timeout=20_000)


def body_of(path):
    return load_generator(path).G.body


def current_z(ex) -> torch.Tensor:
    return torch.from_numpy(ex.ctx.space.z_of(ex.state.vector(ex.ctx.space, ex.ctx.directions)))[None]


def seed_z(ex, seed: int) -> torch.Tensor:
    return torch.from_numpy(ex.ctx.seed_z(seed))


def test_styles_is_the_tool_for_stylegan_and_draws_the_current_sample(qtbot, explorer_panel, sg_ckpt, tmp_path_factory):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, sg_ckpt)
    names = [t.name for t in ex.tools]
    assert ex.off_reason("styles") == "" and "ProGAN" in ex.off_reason("resolution")
    assert ex.tabbar.tabToolTip(names.index("styles")) == "Styles (Alt+=)"
    body = body_of(sg_ckpt)
    with torch.no_grad():
        want = pixels(body.render(body.ws(current_z(ex))))
    assert np.array_equal(tool.images["main"], want) and np.array_equal(ex.images["main"], want)
    assert ex.sample_caption.text().startswith(f"seed {ex.state.seed} in W · ψ 1.00")
    assert tool.sides == [4, 8, 8, 16, 16, 16] and len(tool.table.mix) == 6 and len(tool.table.noise) == 5
    ex.latent_tool.randomize()  # the explorer's seed is seed A
    settle(qtbot, ex, tool)
    with torch.no_grad():
        assert np.array_equal(ex.images["main"], pixels(body.render(body.ws(current_z(ex)))))
    assert tool.seed_a.value() == ex.state.seed
    dcgan = _run(tmp_path_factory, "dcgan")
    open_ckpt(qtbot, ex, dcgan)
    assert ex.current_tool.name == "latent" and "StyleGAN" in ex.off_reason("styles")


def test_psi_zero_draws_the_average_style(qtbot, explorer_panel, sg_ckpt):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, sg_ckpt)
    tool.change(psi=0.0)
    settle(qtbot, ex, tool)
    body = body_of(sg_ckpt)
    with torch.no_grad():
        avg = pixels(body.render(body.mapping.w_avg[None, None].expand(1, body.num_ws, -1)))
    assert np.array_equal(tool.images["main"], avg) and np.array_equal(ex.images["main"], avg)
    assert "ψ 0.00" in ex.sample_caption.text()
    tool.change(psi=0.5)
    settle(qtbot, ex, tool)
    with torch.no_grad():
        assert np.array_equal(tool.images["main"], pixels(body.render(body.ws(current_z(ex), 0.5))))


def test_mixing_every_layer_gives_seed_b_and_none_seed_a(qtbot, explorer_panel, sg_ckpt):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, sg_ckpt)
    tool.seed_b.setValue(7)
    settle(qtbot, ex, tool)
    body = body_of(sg_ckpt)
    with torch.no_grad():
        a = pixels(body.render(body.ws(current_z(ex))))
        b = pixels(body.render(body.ws(seed_z(ex, 7))))
    assert not np.array_equal(a, b)
    assert np.array_equal(tool.images["main"], a) and np.array_equal(tool.images["a"], a)
    assert np.array_equal(tool.images["b"], b)
    tool.set_mix([True] * len(tool.sides))
    settle(qtbot, ex, tool)
    assert np.array_equal(tool.images["main"], b) and np.array_equal(ex.images["main"], b)
    assert "from seed 7" in ex.sample_caption.text()
    tool.table.mix[0].setChecked(False)  # the table's boxes drive the same setting
    settle(qtbot, ex, tool)
    assert tool.settings.mix[0] is False
    with torch.no_grad():
        ws = body.ws(seed_z(ex, 7)).clone()
        ws[:, 0] = body.ws(current_z(ex))[:, 0]
        assert np.array_equal(tool.images["main"], pixels(body.render(ws)))
    tool.set_mix([False] * len(tool.sides))
    settle(qtbot, ex, tool)
    assert np.array_equal(tool.images["main"], a)


def test_a_mixing_grid_cell_is_the_direct_render_of_its_mix(qtbot, explorer_panel, sg_ckpt, tmp_path):
    from ganstudio.explorer import export as xp

    ex = explorer_panel
    tool = open_tool(qtbot, ex, sg_ckpt)
    tool.set_mix([s <= 8 for s in tool.sides])  # coarse: seeds of the rows give layers 0-2
    tool.change(grid_rows=(3, 11), grid_cols=(5, 6, 9))
    settle(qtbot, ex, tool)
    grid = tool.grid
    assert grid.shape[:2] == (3, 4) and grid.shape[2:] == (16, 16, 3)
    body = body_of(sg_ckpt)
    with torch.no_grad():
        for r, src in enumerate((3, 11)):
            for c, dst in enumerate((5, 6, 9)):
                ws = body.ws(seed_z(ex, dst)).clone()
                ws[:, :3] = body.ws(seed_z(ex, src))[:, :3]
                assert np.array_equal(grid[r + 1, c + 1], pixels(body.render(ws))), (r, c)
            assert np.array_equal(grid[r + 1, 0], pixels(body.render(body.ws(seed_z(ex, src)))))
        assert np.array_equal(grid[0, 2], pixels(body.render(body.ws(seed_z(ex, 6)))))
    assert tool.mixing.rows_edit.text() == "3, 11" and tool.mixing.cols_edit.text() == "5, 6, 9"
    out = np.asarray(Image.open(xp.save_image(ex, tmp_path / "grid.png", scale=1, what="grid")).convert("RGB"))
    assert out.shape == (3 * 18 + 2, 4 * 18 + 2, 3)  # "Save grid" / Export grid as PNG: the mixing grid
    assert np.array_equal(out[2 + 18:2 + 18 + 16, 2 + 18:2 + 18 + 16], grid[1, 1])


def test_noise_off_and_on_differ_only_where_its_strength_is_not_zero(qtbot, explorer_panel, sg_ckpt, strengths):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, strengths({}))  # every strength 0: the noise adds nothing
    on = tool.images["main"].copy()
    tool.set_noise_all("none")
    settle(qtbot, ex, tool)
    assert np.array_equal(tool.images["main"], on)
    tool = open_tool(qtbot, ex, strengths({3: 1.5}))  # one layer's noise, set by hand
    tool.set_noise_all("const")
    settle(qtbot, ex, tool)
    on = tool.images["main"].copy()
    tool.set_noise(1, "none")  # a layer whose strength is 0: no change
    settle(qtbot, ex, tool)
    assert np.array_equal(tool.images["main"], on)
    tool.set_noise(3, "none")
    settle(qtbot, ex, tool)
    off = tool.images["main"].copy()
    assert not np.array_equal(off, on)
    body = body_of(strengths({3: 1.5}))
    with torch.no_grad():
        ws = body.ws(current_z(ex))
        modes = ["const"] * len(body.synthesis.convs)
        modes[1] = modes[3] = "none"
        assert np.array_equal(off, pixels(body.render(ws, modes)))
    tool.set_noise(3, "redraw")  # a new draw: another image, the checkpoint's own noise left as it was
    settle(qtbot, ex, tool)
    assert not np.array_equal(tool.images["main"], on) and not np.array_equal(tool.images["main"], off)
    gen = tool._thread.generator(str(strengths({3: 1.5})), ex.ctx.stamp)
    assert torch.equal(gen.G.body.synthesis.convs[3].noise_const, body.synthesis.convs[3].noise_const)
    assert "noise: 1 off, 1 redrawn" in ex.sample_caption.text()


def test_the_layer_view_shows_a_channel_of_synthesis_features(qtbot, explorer_panel, sg_ckpt):
    from ganstudio.explorer.tools.styles_view import feature_rgb

    ex = explorer_panel
    tool = open_tool(qtbot, ex, sg_ckpt)
    tool.pages.setCurrentWidget(tool.layers)
    tool.change(layer=3)
    settle(qtbot, ex, tool)
    tool.set_channel(2)
    body = body_of(sg_ckpt)
    with torch.no_grad():
        maps = body.synthesis(body.ws(current_z(ex)), "const", features_of=3)[0].numpy()
    assert tool.features.shape == maps.shape and maps.shape[-1] == 16
    np.testing.assert_allclose(tool.features[2], maps[2], atol=1e-6)
    shown = tool.layers.big.image()
    assert (shown.width(), shown.height()) == (16, 16)
    assert np.array_equal(tool.layers.big.pixels_shown, feature_rgb(tool.features[2]))
    assert tool.layers.channel.value() == 2 and tool.layers.all.marks == {2: "#4c9aff"}
    assert f"channel 2 of {maps.shape[0]}" in tool.layers.caption.text()


def test_the_pad_moves_w_along_the_principal_directions_of_w(qtbot, explorer_panel, sg_ckpt):
    from ganstudio.workers.styles import w_directions

    ex = explorer_panel
    tool = open_tool(qtbot, ex, sg_ckpt)
    tool.change(offset=(1.5, -2.0))
    settle(qtbot, ex, tool)
    body = body_of(sg_ckpt)
    d = w_directions(body)
    assert np.allclose(np.linalg.norm(d["dirs"], axis=1), 1, atol=1e-5) and (d["sigma"] > 0).all()
    with torch.no_grad():
        step = 1.5 * d["sigma"][0] * d["dirs"][0] - 2.0 * d["sigma"][1] * d["dirs"][1]
        ws = body.ws(current_z(ex)) + torch.from_numpy(step.astype(np.float32))
        assert np.array_equal(tool.images["main"], pixels(body.render(ws)))
    assert "PC1 +1.5 σ, PC2 -2.0 σ" in ex.sample_caption.text()


def test_a_projection_becomes_the_current_w(qtbot, explorer_panel, sg_ckpt, tmp_path):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, sg_ckpt)
    body = body_of(sg_ckpt)
    with torch.no_grad():
        target = pixels(body.render(body.ws(seed_z(ex, 12))))
    Image.fromarray(target[..., 0]).save(tmp_path / "twelve.png")
    page = tool.projection
    page.steps.setValue(40)
    page.space_wp.setChecked(True)
    with qtbot.waitSignal(page.sig_projected, timeout=30_000):
        assert page.start(image=str(tmp_path / "twelve.png"))
    r = page.result
    assert r.space == "w+" and r.final_mse < r.start_mse and len(r.losses) == 40 and r.trajectory[0][0] == 0
    assert np.array_equal(page.canvases["target"].pixels_shown, target)
    settle(qtbot, ex, tool)
    assert tool.settings.projected and np.allclose(tool.ws, r.ws, atol=1e-6)
    assert np.array_equal(tool.images["main"], r.recon)  # the current sample is the reconstruction
    assert ex.sample_caption.text().startswith("twelve.png projected into W+")
    assert "PSNR" in page.stats.text() and "it is the current w now" in ex.message.text()
    tool.set_mix([True] + [False] * (len(tool.sides) - 1))  # now edit it by style mixing
    settle(qtbot, ex, tool)
    with torch.no_grad():
        ws = torch.from_numpy(r.ws)[None].clone()
        ws[:, 0] = body.ws(seed_z(ex, tool.settings.seed_b))[:, 0]
        assert np.array_equal(tool.images["main"], pixels(body.render(ws)))
    tool.back_btn.click()
    settle(qtbot, ex, tool)
    assert not tool.settings.projected


def test_style_edits_undo_and_redo_a_drag_being_one_step(qtbot, explorer_panel, sg_ckpt):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, sg_ckpt)
    start = tool.images["main"].copy()
    for v in (0.9, 0.6, 0.3):  # a drag of ψ: several values, then its end
        tool.psi.setValue(v)
    tool.psi.sliderReleased.emit()
    settle(qtbot, ex, tool)
    dragged = tool.images["main"].copy()
    assert tool.settings.psi == 0.3 and ex.state.styles.psi == 0.3 and not np.array_equal(dragged, start)
    ex.undo()  # the whole drag in one step
    settle(qtbot, ex, tool)
    assert tool.settings.psi == 1.0 and tool.psi.value() == 1.0 and np.array_equal(tool.images["main"], start)
    ex.redo()
    settle(qtbot, ex, tool)
    assert tool.psi.value() == 0.3 and np.array_equal(tool.images["main"], dragged)
    for ab in ((1.0, 0.0), (1.5, -1.0)):  # a drag on the pad, then ψ dragged again: two more steps
        tool.pad.sig_moved.emit(*ab)
    tool.pad.sig_released.emit()
    tool.psi.setValue(0.5)
    tool.psi.sliderReleased.emit()
    ex.undo()
    assert (tool.settings.psi, tool.settings.offset) == (0.3, (1.5, -1.0))
    ex.undo()
    assert (tool.settings.psi, tool.settings.offset, tool.pad.value) == (0.3, (0.0, 0.0), (0.0, 0.0))
    settle(qtbot, ex, tool)
    assert np.array_equal(tool.images["main"], dragged)
    tool.seed_b.setValue(7)
    tool.table.mix[0].setChecked(True)  # a tick, then every noise off (one step)
    settle(qtbot, ex, tool)
    ticked = tool.images["main"].copy()
    tool.set_noise_all("none")
    ex.undo()
    assert tool.settings.noise == ("const",) * 5 and tool.settings.mix[0]
    ex.undo()
    settle(qtbot, ex, tool)
    assert tool.settings.mix == (False,) * 6 and not tool.table.mix[0].isChecked() and tool.settings.seed_b == 7
    assert np.array_equal(tool.images["main"], dragged)
    ex.redo()
    settle(qtbot, ex, tool)
    assert tool.table.mix[0].isChecked() and np.array_equal(tool.images["main"], ticked)


def test_a_latent_file_keeps_the_styles_and_is_checked_against_the_model(qtbot, explorer_panel, sg_ckpt, tmp_path):
    from ganstudio.explorer import export as xp
    from ganstudio.explorer.panel import ExplorerPanel

    ex = explorer_panel
    tool = open_tool(qtbot, ex, sg_ckpt)
    body = body_of(sg_ckpt)
    with torch.no_grad():
        ws = (body.ws(seed_z(ex, 12))[0] + 0.1 * torch.randn(6, 8, generator=torch.Generator().manual_seed(0)))
    tool.use_projection(ws.numpy(), "twelve.png", "w+")  # a projection, then edited by mixing and noise
    tool.set_mix([s <= 8 for s in tool.sides])
    tool.seed_b.setValue(7)
    tool.set_noise(3, "none")
    tool.set_noise(2, "redraw")
    tool.change(psi=0.7)
    settle(qtbot, ex, tool)
    saved, shown = tool.settings, tool.images["main"].copy()
    path = xp.save_latent(ex, tmp_path / "styled.json")
    doc = json.loads(path.read_text())
    assert doc["styles"]["mix"] == [True, True, True, False, False, False] and doc["styles"]["noise"][3] == "none"
    assert np.array_equal(np.asarray(doc["styles"]["projection"]["ws"], np.float32), ws.numpy())

    fresh = ExplorerPanel()  # another explorer loads it: the same settings, the same picture
    qtbot.addWidget(fresh)
    fresh.resize(1100, 700)
    fresh.show()
    try:
        other = open_tool(qtbot, fresh, sg_ckpt)
        plain = other.images["main"].copy()
        assert xp.load_latent(fresh, path)
        settle(qtbot, fresh, other)
        assert other.settings == saved and fresh.state.seed == ex.state.seed
        assert np.array_equal(other.images["main"], shown) and "twelve.png projected into W+" in \
            fresh.sample_caption.text()
        for name, change, words in (("mix", lambda s: s["mix"].pop(), "6 layers"),
                                    ("ws", lambda s: s["projection"]["ws"].pop(), "5×8"),
                                    ("psi", lambda s: s.update(psi="high"), "damaged styles psi")):
            bad = json.loads(path.read_text())
            change(bad["styles"])
            (tmp_path / f"{name}.json").write_text(json.dumps(bad))
            before = fresh.state
            assert not xp.load_latent(fresh, tmp_path / f"{name}.json")
            assert fresh.state == before and words in fresh.message.text() and f"{name}.json" in fresh.message.text()
        fresh.undo()  # the load was one step
        settle(qtbot, fresh, other)
        assert other.settings.mix == (False,) * 6 and not other.settings.projected
        assert np.array_equal(other.images["main"], plain)
        old = json.loads(path.read_text())
        del old["styles"]  # a file from before styles were saved: seed A's own w
        (tmp_path / "old.json").write_text(json.dumps(old))
        assert xp.load_latent(fresh, tmp_path / "old.json")
        settle(qtbot, fresh, other)
        assert other.settings.psi == 1.0 and other.settings.noise == ("const",) * 5 and not other.settings.projected
        with torch.no_grad():
            assert np.array_equal(other.images["main"], pixels(body.render(body.ws(current_z(fresh)))))
    finally:
        fresh.shutdown()


def test_the_styles_thread_draws_only_the_latest_request(qtbot, sg_ckpt):
    from PySide6.QtCore import QCoreApplication

    from ganstudio.workers.render import file_stamp
    from ganstudio.workers.styles import StyleRequest, StylesThread

    thread = StylesThread()
    results = []
    thread.sig_result.connect(lambda rid, r: results.append((rid, r)))
    z = np.zeros(8, np.float32)
    try:
        with thread._slot.cond:  # the thread cannot take a request until all five are in: it sees the last only
            ids = [thread.request(StyleRequest(str(sg_ckpt), file_stamp(str(sg_ckpt)), z, z, psi=k / 4,
                                               mix=(False,) * 6, noise=("const",) * 5)) for k in range(5)]
        qtbot.waitUntil(lambda: bool(results), timeout=20_000)
        thread.stop()
        QCoreApplication.processEvents()
        assert thread.computed == 1 and [rid for rid, _ in results] == [ids[-1]]
        assert results[0][1].keys["main"][5] == 1.0  # ψ of the last request
    finally:
        thread.stop()
