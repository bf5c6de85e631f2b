"""The explorer's Attention tool against a tiny trained SAGAN: on for sagan, off with a reason for dcgan; a click
or a hover picks the feature cell under it in every layer; the map shown is the row ``attention_maps`` gives for
that cell; moving the query renders nothing new; arrow keys step one cell; each layer's γ is in its title."""

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPoint, Qt

from trainers.checkpoints import read_checkpoint, write_checkpoint
from trainers.generator import load_generator
from trainers.loop import train
from trainers.models.sagan import attention_maps

from .conftest import open_ckpt, tiny_config

pytestmark = pytest.mark.usefixtures("no_thread_leaks")

GAMMAS = (0.004, 0.137)  # written into the checkpoint: layer 1 barely uses attention, layer 2 does


def _run(tmp_path_factory, model, **kw):
    folder = tmp_path_factory.mktemp(model)
    list(train(tiny_config(folder, model=model, steps=4, checkpoint_every=4, **kw)))
    return folder / "run" / "checkpoints" / "last.safetensors"


@pytest.fixture(scope="module")
def sagan_ckpt(tmp_path_factory):
    """A 4-step SAGAN with each layer's γ set to a known value (training moves γ by ~1e-4 in 4 steps)."""
    path = _run(tmp_path_factory, "sagan", z_dim=16)
    ckpt = read_checkpoint(path)
    for prefix in ("G/", "G_ema/"):
        keys = sorted((k for k in ckpt.tensors if k.startswith(prefix) and k.endswith(".gamma")),
                      key=lambda k: int(k.split(".")[-2]))  # body.net.<index>.gamma: input side first
        assert not keys or len(keys) == len(GAMMAS)
        for k, g in zip(keys, GAMMAS):
            ckpt.tensors[k] = torch.full_like(ckpt.tensors[k], g)
    write_checkpoint(path, ckpt.tensors, ckpt.meta)
    return path


@pytest.fixture(scope="module")
def dcgan_ckpt(tmp_path_factory):
    return _run(tmp_path_factory, "dcgan")




def open_tool(qtbot, ex, path):
    open_ckpt(qtbot, ex, path)
    assert ex.set_tool("attention")
    tool = ex.tool("attention")
    qtbot.waitUntil(lambda: ex.settled and tool.result is not None and "main" in ex.images, timeout=20_000)
    # the canvases are laid out at their final, square size (the layout settles after the maps arrive)
    qtbot.waitUntil(lambda: all(lv.canvas.target() is not None and lv.canvas.height() == lv.canvas.minimumHeight()
                                and lv.canvas.height() <= lv.canvas.width() for lv in tool.layers if lv.isVisible()))
    return tool


def at_pixel(canvas, x, y) -> QPoint:
    """The widget point in the middle of image pixel (x, y), once pending layout changes have moved the canvas
    where it stays (new label text re-lays the view out on the next pass of the event loop)."""
    from PySide6.QtWidgets import QApplication

    where = None
    for _ in range(50):
        if where == (canvas.mapToGlobal(QPoint(0, 0)), canvas.size(), canvas.target()):
            break
        where = (canvas.mapToGlobal(QPoint(0, 0)), canvas.size(), canvas.target())
        QApplication.sendPostedEvents()
        QApplication.processEvents()
    x0, y0, scale = canvas.target()
    return QPoint(int(x0 + (x + 0.5) * scale), int(y0 + (y + 0.5) * scale))


def direct_maps(ex):
    """attention_maps on a freshly loaded generator, for the explorer's current input vector."""
    gen = load_generator(ex.ctx.checkpoint)
    z = torch.from_numpy(ex.state.vector(ex.ctx.space, ex.ctx.directions)[None].astype(np.float32))
    return attention_maps(gen.G, {"z": z})


def test_the_tool_is_on_for_sagan_and_off_with_a_reason_for_dcgan(qtbot, explorer_panel, sagan_ckpt, dcgan_ckpt):
    ex = explorer_panel
    i = [t.name for t in ex.tools].index("attention")
    open_ckpt(qtbot, ex, dcgan_ckpt)
    assert not ex.tabbar.isTabEnabled(i) and "no self-attention" in ex.off_reason("attention")
    assert "no self-attention" in ex.tabbar.tabToolTip(i)
    assert not ex.set_tool("attention") and "Attention is off" in ex.message.text()
    open_ckpt(qtbot, ex, sagan_ckpt)
    assert ex.tabbar.isTabEnabled(i) and ex.off_reason("attention") == ""
    assert ex.set_tool("attention") and ex.current_tool.name == "attention"


def test_a_click_picks_the_feature_cell_under_it_in_every_layer(qtbot, explorer_panel, sagan_ckpt):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, sagan_ckpt)
    assert [layer.side for layer in tool.result.layers] == [7, 14]  # S/4 and S/2 of a 28 px sample
    qtbot.mouseClick(tool.layers[0].canvas, Qt.MouseButton.LeftButton, pos=at_pixel(tool.layers[0].canvas, 21, 6))
    assert tool.query == (21, 6) and tool.hover is None
    assert tool.cell(0) == (5, 1) and tool.cell(1) == (10, 3)  # 4×4 px per cell, then 2×2 px
    qtbot.mouseClick(ex.canvas, Qt.MouseButton.LeftButton, pos=at_pixel(ex.canvas, 3, 26))  # the large sample
    assert tool.query == (3, 26) and tool.cell(0) == (0, 6) and tool.cell(1) == (1, 13)
    assert "pixel (3, 26)" in tool.readout.text()


def test_the_map_shown_is_the_row_of_attention_maps_for_the_query_cell(qtbot, explorer_panel, sagan_ckpt):
    from ganstudio.explorer.tools.attention_view import heat_rgba
    from trainers.images import to_uint8_grid

    ex = explorer_panel
    tool = open_tool(qtbot, ex, sagan_ckpt)
    images, maps = direct_maps(ex)
    assert np.array_equal(tool.result.image, to_uint8_grid(images, 1, padding=0))
    assert np.array_equal(tool.result.image, ex.images["main"])  # the maps belong to the sample shown
    for px, py in ((21, 6), (2, 25)):
        tool.set_query(px, py)
        for i, m in enumerate(maps):
            side = m["side"]
            cx, cy = px * side // 28, py * side // 28
            want = m["map"][0, cy * side + cx].reshape(side, side).numpy()
            got = tool.shown_map(i)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
            other = m["map"][0, ((cy + 1) % side) * side + cx].reshape(side, side).numpy()
            assert not np.allclose(other, want, rtol=1e-5, atol=1e-7)  # a wrong row would be caught
            canvas = tool.layers[i].canvas
            heat = canvas.heat().convertToFormat(canvas.heat().Format.Format_RGBA8888)
            shown = np.frombuffer(heat.constBits(), np.uint8).reshape(28, 28, 4)
            assert np.array_equal(shown, heat_rgba(want, 28, canvas.opacity))  # what is painted, value for value


def test_hovering_moves_the_query_without_rendering_and_arrows_step_one_cell(qtbot, explorer_panel, sagan_ckpt):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, sagan_ckpt)
    tool.set_query(14, 14)
    renders = ex._thread.renders
    canvas = tool.layers[1].canvas
    first = tool.shown_map(1).copy()
    for x, y in ((4, 4), (9, 20), (24, 10)):
        qtbot.mouseMove(canvas, at_pixel(canvas, x, y))
        qtbot.waitUntil(lambda x=x, y=y: tool.shown_query() == (x, y))
        assert tool.cell(1) == (x // 2, y // 2) and "hover" in tool.readout.text()
    assert not np.array_equal(tool.shown_map(1), first)
    qtbot.mouseMove(ex.canvas, at_pixel(ex.canvas, 7, 8))  # the large sample moves it too
    qtbot.waitUntil(lambda: tool.shown_query() == (7, 8))
    tool.leave()
    assert tool.shown_query() == (14, 14)  # the pinned query comes back
    assert ex._thread.renders == renders and ex.settled  # the maps were sliced, never recomputed
    ex.canvas.setFocus()
    qtbot.keyClick(ex.canvas, Qt.Key.Key_Right)
    qtbot.keyClick(ex.canvas, Qt.Key.Key_Up)
    assert tool.query == (17, 13) and tool.cell(1) == (8, 6)  # one 14×14 cell (2 px) each, at its centre
    canvas.setFocus()
    qtbot.waitUntil(canvas.hasFocus)
    qtbot.keyClick(canvas, Qt.Key.Key_Left)
    assert tool.cell(1) == (7, 6)


def test_each_layer_shows_its_gamma_and_says_when_it_barely_attends(qtbot, explorer_panel, sagan_ckpt):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, sagan_ckpt)
    _, maps = direct_maps(ex)
    assert [m["gamma"] for m in maps] == pytest.approx(GAMMAS)
    titles = [lv.title.text().replace("\u00a0", " ") for lv in tool.layers]  # γ = 0.137 never breaks apart
    assert titles == ["G layer 1 · 7×7 · γ = 0.004", "G layer 2 · 14×14 · γ = 0.137"]
    assert "barely uses attention" in tool.layers[0].stats.text()
    assert "barely" not in tool.layers[1].stats.text()
    tool.which.setCurrentIndex(2)  # one layer, large
    assert not tool.layers[0].isVisible() and tool.layers[1].isVisible()


def test_nothing_stale_after_a_shortcut_or_another_checkpoint(qtbot, explorer_panel, sagan_ckpt, dcgan_ckpt):
    """Leaving the tool with the mouse still over a map (Alt+N sends no Leave) drops the hover; opening another
    checkpoint blanks the last model's γ titles until its own maps arrive."""
    ex = explorer_panel
    tool = open_tool(qtbot, ex, sagan_ckpt)
    tool.set_query(14, 14)
    tool.hover_at(3, 4)
    assert tool.shown_query() == (3, 4)
    other = next(t.name for t in ex.tools if t.name != "attention" and not ex.off_reason(t.name))
    assert ex.set_tool(other)
    assert tool.hover is None and tool.shown_query() == (14, 14)
    assert "γ" in tool.layers[1].title.text()
    open_ckpt(qtbot, ex, dcgan_ckpt)
    assert [lv.title.text() for lv in tool.layers] == ["", ""]
    assert [lv.stats.text() for lv in tool.layers] == ["", ""]


def test_save_grid_writes_each_layers_overlay(qtbot, explorer_panel, sagan_ckpt, tmp_path):
    from PIL import Image

    from ganstudio.explorer import export as xp

    ex = explorer_panel
    open_tool(qtbot, ex, sagan_ckpt)
    out = xp.save_image(ex, tmp_path / "att.png", scale=2, what="grid")
    assert out is not None
    w, h = Image.open(out).size
    assert (w, h) == (2 * (2 * 30 + 2), 2 * 32)  # two 28 px overlays, 2 px apart


def test_upsampling_matches_torch_bilinear():
    import torch.nn.functional as F

    from ganstudio.explorer.tools.attention_view import upsample

    m = np.random.default_rng(0).random((7, 7)).astype(np.float32)
    want = F.interpolate(torch.from_numpy(m)[None, None], size=(28, 28), mode="bilinear", align_corners=False)
    np.testing.assert_allclose(upsample(m, 28), want[0, 0].numpy(), rtol=1e-5, atol=1e-6)
