"""The explorer's Translate tool against a tiny trained Pix2Pix: the noise tools are off (with a reason) and
Translate is current; a stroke, an opened PNG and a held-out pair each become G's input, and the output shown is
``gen.translate`` of exactly that input; a junk file is a message that changes nothing; strokes undo one at a time;
the realness map is σ(D(x, G(x))); a generator-only export says it has no D; Save grid writes input | output |
target; a dcgan keeps its tools and has Translate off."""

import json

import numpy as np
import pytest
import torch
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from trainers.checkpoints import export_generator, read_meta
from trainers.generator import load_generator
from trainers.images import to_uint8_grid

from .conftest import open_ckpt
from .test_app_attention import _run  # a 4-step run of a family (trained once per module here)

pytestmark = pytest.mark.usefixtures("no_thread_leaks")


@pytest.fixture(scope="module")
def p2p_ckpt(tmp_path_factory):
    return _run(tmp_path_factory, "pix2pix", data="digits-edges", data_limit=256)


@pytest.fixture(scope="module")
def dcgan_ckpt(tmp_path_factory):
    return _run(tmp_path_factory, "dcgan")


@pytest.fixture(scope="module")
def g_only_ckpt(p2p_ckpt, tmp_path_factory):
    """The same Pix2Pix exported without D (what a shared or bundled generator holds)."""
    return export_generator(p2p_ckpt, tmp_path_factory.mktemp("export") / "checkpoints" / "g.safetensors")


def open_tool(qtbot, ex, path):
    open_ckpt(qtbot, ex, path)
    tool = ex.tool("translate")
    qtbot.waitUntil(lambda: ex.settled and tool.result is not None and "main" in ex.images, timeout=20_000)
    return tool


def translated(path, x: np.ndarray) -> np.ndarray:
    """What the explorer must show for input ``x`` (1, C, H, W) in [-1, 1]: G's output as pixels."""
    return to_uint8_grid(load_generator(path).translate(torch.from_numpy(x)), 1, padding=0)


def at(pad, x: float, y: float) -> QPoint:
    """The widget point over input image coordinates (x, y) of the sketch pad."""
    x0, y0, scale = pad.target()
    return QPoint(int(x0 + x * scale), int(y0 + y * scale))


def stroke(qtbot, tool, a, b, button=Qt.MouseButton.LeftButton):
    qtbot.mousePress(tool.pad, button, pos=at(tool.pad, *a))
    qtbot.mouseMove(tool.pad, at(tool.pad, *b))
    qtbot.mouseRelease(tool.pad, button, pos=at(tool.pad, *b))


def test_noise_tools_are_off_for_pix2pix_and_translate_is_off_for_dcgan(qtbot, explorer_panel, p2p_ckpt,
                                                                         dcgan_ckpt):
    ex = explorer_panel
    open_tool(qtbot, ex, p2p_ckpt)
    assert ex.current_tool.name == "translate" and ex.off_reason("translate") == ""
    for name in ("latent", "infogan", "cgan", "arithmetic", "interpolate", "checkpoints", "attention", "biggan"):
        i = [t.name for t in ex.tools].index(name)
        assert not ex.tabbar.isTabEnabled(i) and "use the Translate tool" in ex.off_reason(name)
        assert "translates images" in ex.tabbar.tabToolTip(i)
    assert not ex.set_tool("latent") and "Latent is off" in ex.message.text()
    assert ex.sample_caption.text().startswith("G's output for held-out pair 0")
    ex.show_message("info", "")
    from ganstudio.explorer import export as xp

    assert xp.save_latent(ex, "unused.json") is None and "translates images" in ex.message.text()
    open_ckpt(qtbot, ex, dcgan_ckpt)
    i = [t.name for t in ex.tools].index("translate")
    assert not ex.tabbar.isTabEnabled(i) and "draws from noise" in ex.off_reason("translate")
    assert ex.current_tool.name == "latent" and ex.off_reason("latent") == ""
    assert ex.images["main"].shape == (28, 28, 3)  # the dcgan's own sample, drawn from its latent


def test_a_stroke_changes_the_input_and_the_output(qtbot, explorer_panel, p2p_ckpt):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, p2p_ckpt)
    tool.clear()
    qtbot.waitUntil(lambda: ex.settled)
    blank = tool.input().copy()
    assert (blank == -1).all()
    stroke(qtbot, tool, (4, 16), (28, 16))
    qtbot.waitUntil(lambda: ex.settled)
    x = tool.input()
    assert x.shape == (1, 1, 32, 32) and x[0, 0, 16, 10] == 1.0 and x[0, 0, 2, 10] == -1.0  # ink on the line only
    assert np.array_equal(ex.images["main"], translated(p2p_ckpt, x))
    assert np.array_equal(tool.result.output, ex.images["main"])
    assert not np.array_equal(ex.images["main"], translated(p2p_ckpt, blank))
    assert "your drawing" in ex.sample_caption.text()
    stroke(qtbot, tool, (16, 4), (16, 28), Qt.MouseButton.RightButton)  # the right button erases
    qtbot.waitUntil(lambda: ex.settled)
    assert tool.input()[0, 0, 16, 16] == -1.0 and tool.input()[0, 0, 16, 10] == 1.0


def test_undo_restores_the_previous_pad_one_stroke_at_a_time(qtbot, explorer_panel, p2p_ckpt):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, p2p_ckpt)
    pads = [tool.input().copy()]
    for a, b in (((4, 8), (28, 8)), ((4, 20), (20, 28)), ((8, 4), (8, 30))):
        stroke(qtbot, tool, a, b)
        pads.append(tool.input().copy())
    assert all(not np.array_equal(p, q) for p, q in zip(pads, pads[1:]))
    tool.undo_btn.click()
    assert np.array_equal(tool.input(), pads[2])
    ex.setFocus()
    qtbot.keyClick(ex, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert np.array_equal(tool.input(), pads[1])
    ex.undo()
    assert np.array_equal(tool.input(), pads[0]) and tool.target(ex.state) is not None  # the real pair is back
    assert np.array_equal(tool.pad.pad, ((pads[0][0] + 1) * 127.5).round().astype(np.uint8))
    ex.redo()
    assert np.array_equal(tool.input(), pads[1])
    qtbot.waitUntil(lambda: ex.settled)
    assert np.array_equal(ex.images["main"], translated(p2p_ckpt, pads[1]))


def test_an_opened_image_is_the_input_converted_to_the_models_size(qtbot, explorer_panel, p2p_ckpt, tmp_path):
    from PIL import Image

    from trainers.data.real import read_image

    ex = explorer_panel
    tool = open_tool(qtbot, ex, p2p_ckpt)
    grey = np.zeros((32, 32), np.uint8)
    grey[6:26, 14:18] = 255  # a "1"
    Image.fromarray(grey).save(tmp_path / "one.png")
    assert tool.open_image(str(tmp_path / "one.png"))
    qtbot.waitUntil(lambda: ex.settled)
    x = tool.input()
    assert np.array_equal(x[0, 0], grey.astype(np.float32) / 127.5 - 1)
    assert np.array_equal(ex.images["main"], translated(p2p_ckpt, x))
    assert tool.target(ex.state) is None and "one.png" in ex.sample_caption.text()
    assert "Opened one.png" in ex.message.text()

    rgb = np.random.default_rng(0).integers(0, 255, (40, 56, 3), dtype=np.uint8)  # not square, not grey, lighter
    rgb[..., 0] = 250
    Image.fromarray(rgb).save(tmp_path / "photo.png")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "photo.png"))])  # dropped on the pad
    tool.pad.dropEvent(QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                  Qt.KeyboardModifier.NoModifier))
    qtbot.waitUntil(lambda: ex.settled)
    want = read_image(tmp_path / "photo.png", 32, 1)  # grey, centre-cropped, Lanczos, as training reads folders
    assert np.array_equal(tool.input(), want[None].astype(np.float32) / 127.5 - 1)
    assert np.array_equal(ex.images["main"], translated(p2p_ckpt, tool.input()))


def test_a_junk_file_is_a_message_and_changes_nothing(qtbot, explorer_panel, p2p_ckpt, tmp_path):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, p2p_ckpt)
    junk = tmp_path / "junk.png"
    junk.write_bytes(np.random.default_rng(1).integers(0, 256, 600, dtype=np.uint8).tobytes())
    before, could_undo = ex.state, ex.model.can_undo
    assert not tool.open_image(str(junk))
    assert "junk.png is not an image" in ex.message.text() and ex.message.objectName() == "error"
    assert ex.state is before and ex.model.can_undo == could_undo
    assert not tool.open_image(str(tmp_path / "missing.png")) and "no such file" in ex.message.text()
    assert ex.state is before


def test_a_random_real_input_shows_its_true_target(qtbot, explorer_panel, p2p_ckpt):
    from ganstudio.explorer.tools.translate_inputs import POOL
    from trainers.metrics.translation import held_out

    ex = explorer_panel
    tool = open_tool(qtbot, ex, p2p_ckpt)
    tool.random_real(7)
    qtbot.waitUntil(lambda: ex.settled)
    x, y, labels, _ = held_out(read_meta(p2p_ckpt)[1], POOL)  # the pairs `ganstudio eval` scores
    assert np.array_equal(tool.input(), x[7:8].numpy())
    assert np.array_equal(tool.target(ex.state), ((y[7] + 1) * 127.5).round().to(torch.uint8).numpy())
    assert tool.board.target.image() is not None and f"digit {int(labels[7])}" in ex.sample_caption.text()
    assert np.array_equal(ex.images["main"], translated(p2p_ckpt, x[7:8].numpy()))
    stroke(qtbot, tool, (2, 2), (6, 6))  # an edited pair has no true output any more
    assert tool.target(ex.state) is None and tool.board.target.image() is None
    ex.setFocus()
    qtbot.keyClick(ex, Qt.Key.Key_R)  # R: another real input, not a new seed
    assert ex.state.pair and tool.target(ex.state) is not None
    qtbot.keyClick(ex, Qt.Key.Key_E)
    assert tool.pad.erasing and tool.eraser.isChecked()
    qtbot.keyClick(ex, Qt.Key.Key_P)
    assert not tool.pad.erasing and tool.pen.isChecked()


def test_the_realness_map_is_d_on_the_input_and_its_output(qtbot, explorer_panel, p2p_ckpt):
    from trainers.models.pix2pix import patch_critic, realness

    ex = explorer_panel
    tool = open_tool(qtbot, ex, p2p_ckpt)
    stroke(qtbot, tool, (3, 3), (29, 12))
    qtbot.waitUntil(lambda: ex.settled)
    x = torch.from_numpy(tool.input())
    want = realness(patch_critic(load_generator(p2p_ckpt)), x, load_generator(p2p_ckpt).translate(x))[0].numpy()
    assert tool.result.realness.shape == (14, 14)
    np.testing.assert_allclose(tool.result.realness, want, rtol=1e-5, atol=1e-6)
    text = tool.board.realness_caption.text()
    assert "16×16 patch of the output for this input" in text and "least real" in tool.board.realness_stats.text()
    worst = np.unravel_index(int(want.argmin()), want.shape)
    assert tool.board.realness.shown == (int(worst[0]), int(worst[1]))
    canvas = tool.board.realness
    x0, y0, scale = canvas.target()
    qtbot.mouseMove(canvas, QPoint(int(x0 + 20.5 * scale), int(y0 + 9.5 * scale)))  # image pixel (20, 9)
    qtbot.waitUntil(lambda: canvas.shown == (3, 9))  # the patch centred nearest: 3 + 2·(3, 9) = (9, 21)
    assert f"x 13–28, y 1–16: {want[3, 9]:.2f}" in tool.board.realness_stats.text()


def test_a_generator_only_export_says_it_has_no_d(qtbot, explorer_panel, g_only_ckpt):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, g_only_ckpt)
    assert tool.result.realness is None and tool.board.realness.image() is None
    assert "holds no D" in tool.board.realness_caption.text()
    assert np.array_equal(ex.images["main"], translated(g_only_ckpt, tool.input()))


def test_save_grid_writes_input_output_target(qtbot, explorer_panel, p2p_ckpt, tmp_path):
    from PIL import Image

    from ganstudio.explorer import export as xp

    ex = explorer_panel
    tool = open_tool(qtbot, ex, p2p_ckpt)
    out = np.asarray(Image.open(xp.save_image(ex, tmp_path / "grid.png", scale=1, what="grid")).convert("RGB"))
    assert out.shape == (36, 3 * 34 + 2, 3)  # three 32 px pictures, 2 px apart
    cells = [out[2:34, 2 + 34 * k: 34 + 34 * k] for k in range(3)]
    assert np.array_equal(cells[0][..., 0], tool.pad.pad[0])
    assert np.array_equal(cells[1], ex.images["main"])
    assert np.array_equal(cells[2][..., 0], tool.target(ex.state)[0])
    tool.clear()  # no true output: input | output only
    qtbot.waitUntil(lambda: ex.settled)
    out = Image.open(xp.save_image(ex, tmp_path / "grid2.png", scale=1, what="grid"))
    assert out.size == (2 * 34 + 2, 36)


def test_the_scores_line_shows_a_translation_result(qtbot, explorer_panel, p2p_ckpt):
    from trainers.metrics.evaluate import SCHEMA
    from trainers.runfolder import eval_path

    ex = explorer_panel
    metrics = {"l1": {"value": 0.05, "baseline": 0.2}, "psnr": {"value": 18.5, "baseline": 9.0},
               "ssim": {"value": 0.8, "baseline": 0.3},
               "label_preservation": {"value": 0.9, "reference": 0.99, "per_class": [0.9] * 10}}
    path = eval_path(p2p_ckpt.parent.parent, 4)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"schema": SCHEMA, "kind": "translation", "metrics": metrics, "note": ""}))
    try:
        open_tool(qtbot, ex, p2p_ckpt)
        assert "PSNR 18.5 dB" in ex.scores.label.text() and "label kept 90.0%" in ex.scores.label.text()
    finally:
        path.unlink()
