"""The explorer's Enhance tool against a tiny trained SRGAN: on for srgan with Translate and the noise tools off (and
off for a dcgan); LR | bicubic | SRResNet | SRGAN | HR at their sizes, SRGAN's output also the current sample; the
PSNR/SSIM under each panel are the scores computed here independently; one hover moves the magnifier in every
panel; the difference map is |panel − HR|; an opened, dropped or explorer-drawn image is upscaled (its truth known
when it is large enough); a junk file is a message that changes nothing; a checkpoint still in its SRResNet phase
says it has no SRResNet; the strip exports as PNG; the New Run dialog offers SRGAN's fields and image sets only."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from trainers.checkpoints import read_meta
from trainers.generator import load_generator
from trainers.loop import train
from trainers.metrics.superres import held_out
from trainers.metrics.translation import psnr, ssim
from trainers.models.srgan import bicubic, downsample, srresnet

from .conftest import open_ckpt, tiny_config
from .test_app_attention import _run

pytestmark = pytest.mark.usefixtures("no_thread_leaks")

S, F_, H = 7, 4, 28  # the tiny model: 7 px in, ×4, 28 px out


def load_srresnet(path):
    """The SRResNet beside an SRGAN checkpoint, as the Enhance tool loads it (the family's probe)."""
    return srresnet(load_generator(path))


@pytest.fixture(scope="module")
def sr_ckpt(tmp_path_factory):
    """4 steps of SRGAN on digits: steps 1–2 the SRResNet phase, 3–4 adversarial (a checkpoint every 2 steps)."""
    folder = tmp_path_factory.mktemp("srgan")
    list(train(tiny_config(folder, model="srgan", data="digits", width=8, batch_size=8, steps=4, pretrain_steps=2,
                           content="mse", data_limit=256, checkpoint_every=2, sample_every=4)))
    return folder / "run" / "checkpoints" / "last.safetensors"


@pytest.fixture(scope="module")
def dcgan_ckpt(tmp_path_factory):
    return _run(tmp_path_factory, "dcgan")


def open_tool(qtbot, ex, path):
    open_ckpt(qtbot, ex, path)
    tool = ex.tool("enhance")
    qtbot.waitUntil(lambda: ex.settled and tool.settled and tool.result is not None and "main" in ex.images,
                    timeout=20_000)
    return tool


def settle(qtbot, ex, tool):
    qtbot.waitUntil(lambda: ex.settled and tool.settled, timeout=20_000)


def u(t: torch.Tensor) -> torch.Tensor:
    """Model range → [0, 1]."""
    return ((t.float() + 1) / 2).clamp(0, 1)


def pixels(t: torch.Tensor) -> np.ndarray:
    from trainers.images import to_uint8_grid

    return to_uint8_grid(t[:1], 1, padding=0)


def held(path, k: int) -> torch.Tensor:
    from ganstudio.workers.enhance import POOL

    return held_out(read_meta(path)[1], POOL)[0][k:k + 1]  # what `ganstudio eval` scores


def test_enhance_is_the_tool_for_srgan_and_translate_is_off(qtbot, explorer_panel, sr_ckpt, dcgan_ckpt):
    ex = explorer_panel
    open_tool(qtbot, ex, sr_ckpt)
    names = [t.name for t in ex.tools]
    assert ex.current_tool.name == "enhance" and ex.off_reason("enhance") == ""
    assert ex.tabbar.isTabEnabled(names.index("enhance"))
    assert not ex.tabbar.isTabEnabled(names.index("translate"))
    assert "use the Enhance tool" in ex.off_reason("translate")
    for name in ("latent", "infogan", "cgan", "arithmetic", "interpolate", "checkpoints", "attention", "biggan"):
        assert not ex.tabbar.isTabEnabled(names.index(name)) and "use the Enhance tool" in ex.off_reason(name)
    assert not ex.set_tool("translate") and "Translate is off" in ex.message.text()
    assert ex.tabbar.tabToolTip(names.index("enhance")) == "Enhance (Alt+0)"  # the tenth tool
    assert ex.sample_caption.text().startswith("SRGAN ×4 of held-out image 0 of digits")
    assert "its SRResNet and bicubic" in ex.scores.label.text()  # what Evaluate measures for an upscaler
    open_ckpt(qtbot, ex, dcgan_ckpt)
    assert not ex.tabbar.isTabEnabled(names.index("enhance")) and "draws from noise" in ex.off_reason("enhance")
    assert ex.current_tool.name == "latent"


def test_the_panels_show_each_method_at_its_size(qtbot, explorer_panel, sr_ckpt):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, sr_ckpt)
    b = tool.board
    sizes = {k: (c.image().width(), c.image().height()) for k, c in b.panels.items()}
    assert sizes == {"lr": (S, S), "bicubic": (H, H), "srresnet": (H, H), "srgan": (H, H), "hr": (H, H)}
    hr = held(sr_ckpt, 0)
    lr = downsample(hr, F_)
    r = tool.result
    assert np.array_equal(r.images["lr"], pixels(lr)) and np.array_equal(r.images["hr"], pixels(hr))
    assert np.array_equal(r.images["bicubic"], pixels(bicubic(lr, F_)))
    with torch.no_grad():
        assert np.array_equal(r.images["srresnet"], pixels(load_srresnet(sr_ckpt)(lr)))
    srgan = pixels(load_generator(sr_ckpt).translate(lr))
    assert np.array_equal(r.images["srgan"], srgan) and np.array_equal(ex.images["main"], srgan)
    # every panel is drawn at one on-screen size, a whole multiple of the output's pixels
    shown = {k: c.target()[2] * c.image().width() for k, c in b.panels.items()}
    assert len(set(shown.values())) == 1 and next(iter(shown.values())) % H == 0


def test_the_scores_under_the_panels_are_psnr_and_ssim_against_hr(qtbot, explorer_panel, sr_ckpt):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, sr_ckpt)
    tool.random_held_out(5)
    settle(qtbot, ex, tool)
    hr = held(sr_ckpt, 5)
    lr = downsample(hr, F_)
    with torch.no_grad():
        outs = {"lr": F.interpolate(lr, scale_factor=F_, mode="nearest"), "bicubic": bicubic(lr, F_),
                "srresnet": load_srresnet(sr_ckpt)(lr), "srgan": load_generator(sr_ckpt).translate(lr)}
    for k, t in outs.items():
        p, s = float(psnr(u(t), u(hr))[0]), float(ssim(u(t), u(hr))[0])
        text = tool.board.scores[k].text()
        assert f"PSNR {p:.2f} dB" in text and f"SSIM {s:.3f}" in text, (k, text)
    assert tool.board.scores["hr"].text() == "the truth"
    best = max(("bicubic", "srresnet", "srgan"), key=lambda k: float(psnr(u(outs[k]), u(hr))[0]))
    assert tool.board.scores[best].text().startswith("<b>")
    assert "held-out image 5 of digits" in tool.caption.text() and "area-downsampled ×4" in tool.caption.text()


def test_one_hover_moves_the_magnifier_in_every_panel(qtbot, explorer_panel, sr_ckpt):
    from ganstudio.explorer.tools.enhance_view import lens_box, zoom_crop

    ex = explorer_panel
    tool = open_tool(qtbot, ex, sr_ckpt)
    b = tool.board
    assert tool.lens_box.isChecked() and all(z.isVisible() for z in b.zooms.values())
    canvas = b.panels["bicubic"]
    x0, y0, scale = canvas.target()
    qtbot.mouseMove(canvas, QPoint(int(x0 + 20.5 * scale), int(y0 + 8.5 * scale)))  # output pixel (20, 8)
    want = lens_box(20.5 / H, 8.5 / H, 4)
    qtbot.waitUntil(lambda: b.panels["hr"].lens is not None and np.allclose(b.panels["hr"].lens, want, atol=0.02))
    box = b.panels["hr"].lens
    assert all(c.lens == box for c in b.panels.values()) and all(z.box == box for z in b.zooms.values())
    # each zoom shows that region of its own panel: 7×7 output pixels, or the 1.75×1.75 input pixels under them
    left, top = round(box[0] * H), round(box[1] * H)
    assert (left, top) == (17, 5) and box[2] == 0.25
    crop = b.zooms["hr"].crop(H // 4)
    assert np.array_equal(crop, tool.result.images["hr"][top:top + 7, left:left + 7])
    lr_crop = b.zooms["lr"].crop(H // 4)
    assert np.array_equal(lr_crop, tool.result.images["lr"].repeat(F_, 0).repeat(F_, 1)[top:top + 7, left:left + 7])
    assert np.array_equal(b.zooms["srgan"].crop(70), zoom_crop(tool.result.images["srgan"], box, 70))
    ex.setFocus()
    qtbot.keyClick(ex, Qt.Key.Key_M)  # M: the magnifier off, and on again
    assert not tool.lens_box.isChecked() and b.panels["hr"].lens is None
    assert not any(z.isVisible() for z in b.zooms.values())
    qtbot.keyClick(ex, Qt.Key.Key_M)
    assert b.panels["srgan"].lens == box


def test_the_difference_map_is_the_panel_minus_hr(qtbot, explorer_panel, sr_ckpt):
    from ganstudio.explorer.tools.attention_view import heat_colors
    from ganstudio.explorer.tools.enhance_view import DIFF_MAX

    ex = explorer_panel
    tool = open_tool(qtbot, ex, sr_ckpt)
    b = tool.board
    assert not any(c.isVisible() for c in b.diffs.values())
    ex.setFocus()
    qtbot.keyClick(ex, Qt.Key.Key_H)
    assert tool.diff_box.isChecked() and all(c.isVisible() for c in b.diffs.values())
    hr = held(sr_ckpt, 0)
    out = load_generator(sr_ckpt).translate(downsample(hr, F_))
    want = (u(out) - u(hr)).abs().mean(1)[0].numpy()
    got = tool.result.diff["srgan"]
    y, x = np.unravel_index(int(want.argmax()), want.shape)
    assert got.shape == (H, H) and got[y, x] == pytest.approx(want[y, x], abs=1e-6) and want[y, x] > 0
    np.testing.assert_allclose(got, want, atol=1e-6)
    shown = b.diffs["srgan"].pixels
    assert np.array_equal(shown[y, x], heat_colors(np.float32(want[y, x] / DIFF_MAX)))
    assert b.diff_scores["srgan"].text() == f"mean {float(want.mean()):.3f}"


def test_an_opened_image_is_upscaled_with_its_truth_when_large_enough(qtbot, explorer_panel, sr_ckpt, tmp_path):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, sr_ckpt)
    gen = load_generator(sr_ckpt)
    digit = np.zeros((H, H), np.uint8)
    digit[4:24, 12:16] = 255  # a "1" at the output's size: it is its own truth
    Image.fromarray(digit).save(tmp_path / "one.png")
    assert tool.open_image(str(tmp_path / "one.png"))
    settle(qtbot, ex, tool)
    hr = torch.from_numpy(digit.astype(np.float32) / 127.5 - 1)[None, None]
    lr = downsample(hr, F_)
    assert np.array_equal(tool.result.images["hr"][..., 0], digit)
    assert np.allclose(tool.input_picture().lr, lr[0].numpy())
    assert np.array_equal(ex.images["main"], pixels(gen.translate(lr)))
    assert "PSNR" in tool.board.scores["srgan"].text() and "one.png" in ex.sample_caption.text()
    assert "Opened one.png" in ex.message.text() and "true image (HR)" in ex.message.text()

    small = np.zeros((14, 14), np.uint8)  # between the input and the output: no truth, upscaled as it is
    small[2:12, 6:8] = 200
    Image.fromarray(small).save(tmp_path / "small.png")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "small.png"))])  # dropped on the strip
    tool.board.dropEvent(QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                    Qt.KeyboardModifier.NoModifier))
    settle(qtbot, ex, tool)
    r = tool.result
    assert "hr" not in r.images and not r.psnr and not r.diff
    assert tool.board.panels["hr"].image().width() == 14  # "your image", at its own size
    assert tool.board.headings["hr"].text() == "Your image" and tool.board.scores["hr"].text() == "14×14 px, as given"
    box = small.reshape(7, 2, 7, 2).mean((1, 3)) / 127.5 - 1  # area-downsampled to the 7 px input
    np.testing.assert_allclose(tool.input_picture().lr[0], box, atol=1e-5)
    assert "area-downsampled to the model's 7 px input" in ex.message.text()
    assert np.array_equal(ex.images["main"], pixels(gen.translate(torch.from_numpy(tool.input_picture().lr)[None])))
    ex.undo()  # the input before the drop is back, with its truth
    settle(qtbot, ex, tool)
    assert np.array_equal(tool.result.images["hr"][..., 0], digit)


def test_a_junk_file_is_a_message_and_changes_nothing(qtbot, explorer_panel, sr_ckpt, tmp_path):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, sr_ckpt)
    junk = tmp_path / "junk.png"
    junk.write_bytes(np.random.default_rng(1).integers(0, 256, 600, dtype=np.uint8).tobytes())
    before, could_undo = ex.state, ex.model.can_undo
    assert not tool.open_image(str(junk))
    assert "junk.png is not an image" in ex.message.text() and ex.message.objectName() == "error"
    assert ex.state is before and ex.model.can_undo == could_undo
    assert not tool.open_image(str(tmp_path / "missing.png")) and "no such file" in ex.message.text()
    assert not tool.open_image(str(tmp_path)) and ex.state is before


def test_next_random_and_undo_step_through_held_out_images(qtbot, explorer_panel, sr_ckpt):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, sr_ckpt)
    assert ex.state.pair[:3] == ("held-out", "digits", 0)
    ex.setFocus()
    qtbot.keyClick(ex, Qt.Key.Key_N)
    qtbot.keyClick(ex, Qt.Key.Key_N)
    assert ex.state.pair[2] == 2
    settle(qtbot, ex, tool)
    assert np.array_equal(tool.result.images["hr"], pixels(held(sr_ckpt, 2)))
    qtbot.keyClick(ex, Qt.Key.Key_R)  # R: a random held-out image, not a new seed, never the one shown
    assert ex.state.pair[0] == "held-out" and ex.state.pair[2] != 2
    ex.undo()
    ex.undo()
    assert ex.state.pair[2] == 1
    settle(qtbot, ex, tool)
    assert np.array_equal(tool.result.images["hr"], pixels(held(sr_ckpt, 1)))
    for _ in range(30):  # every R changes the image, so every R is an undo step
        before = ex.state.pair[2]
        tool.random_held_out()
        assert ex.state.pair[2] != before


def test_the_explorers_image_from_another_model_is_upscaled(qtbot, explorer_panel, sr_ckpt, dcgan_ckpt):
    ex = explorer_panel
    tool = ex.tool("enhance")
    open_ckpt(qtbot, ex, sr_ckpt)  # nothing drawn by another model yet
    qtbot.waitUntil(lambda: ex.settled and tool.settled)
    assert not tool.use_explorer_image() and "No picture from another model" in ex.message.text()
    open_ckpt(qtbot, ex, dcgan_ckpt)
    ex.latent_tool.randomize()
    qtbot.waitUntil(lambda: ex.settled and ex.shown_id >= ex.done_id)
    drawn = ex.images["main"].copy()  # the dcgan's current sample, 28 px
    open_ckpt(qtbot, ex, sr_ckpt)
    ex.setFocus()
    qtbot.keyClick(ex, Qt.Key.Key_U)
    settle(qtbot, ex, tool)
    assert ex.state.pair[0] == "explorer" and "the dcgan sample (seed" in ex.state.source
    assert np.array_equal(tool.result.images["hr"], drawn)  # 28 px grey: its own truth
    hr = torch.from_numpy(drawn[..., 0].astype(np.float32) / 127.5 - 1)[None, None]
    assert np.array_equal(ex.images["main"], pixels(load_generator(sr_ckpt).translate(downsample(hr, F_))))


def test_a_checkpoint_still_in_its_srresnet_phase_has_no_srresnet_panel(qtbot, explorer_panel, sr_ckpt):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, sr_ckpt.parent / "step_0000002.safetensors")
    r = tool.result
    assert "srresnet" not in r.images and "srresnet" not in r.psnr and "srgan" in r.psnr
    assert tool.board.panels["srresnet"].image() is None
    assert "still in its SRResNet phase" in tool.board.panels["srresnet"].toolTip()
    assert not tool.board.headings["srresnet"].isEnabled()
    assert tool.board.scores["srresnet"].text() == "No separate SRResNet yet"


def test_the_strip_exports_as_png(qtbot, explorer_panel, sr_ckpt, tmp_path):
    from ganstudio.explorer import export as xp

    ex = explorer_panel
    tool = open_tool(qtbot, ex, sr_ckpt)
    out = np.asarray(Image.open(xp.save_image(ex, tmp_path / "strip.png", scale=1, what="grid")).convert("RGB"))
    assert out.shape == (H + 4, 5 * (H + 2) + 2, 3)  # five 28 px panels, 2 px apart
    cells = [out[2:2 + H, 2 + (H + 2) * k: 2 + (H + 2) * k + H] for k in range(5)]
    r = tool.result
    assert np.array_equal(cells[0], r.images["lr"].repeat(F_, 0).repeat(F_, 1))
    for cell, k in zip(cells[1:], ("bicubic", "srresnet", "srgan", "hr")):
        assert np.array_equal(cell, r.images[k]), k
    tool.diff_box.setChecked(True)  # the difference maps under the panels
    out = Image.open(xp.save_image(ex, tmp_path / "strip2.png", scale=2, what="grid"))
    assert out.size == (2 * (5 * (H + 2) + 2), 2 * (2 * (H + 2) + 2))


def test_new_run_offers_srgans_fields_and_image_sets(dialog):
    sr = dialog.superres
    assert not sr.isVisibleTo(dialog) and "scale" not in dialog.config()
    dialog.dataset.setCurrentIndex(dialog.dataset.findData("ring"))
    dialog.model.setCurrentIndex(dialog.model.findData("srgan"))
    assert sr.isVisibleTo(dialog)
    offered = [dialog.dataset.itemData(i) for i in range(dialog.dataset.count())]
    assert "ring" not in offered and "digits-edges" not in offered
    assert {"digits", "digits-rgb", "mnist", "__folder__"} <= set(offered)
    assert dialog.config()["data"] == "digits" and "srgan upscales single images" in dialog.model_about.text()
    cfg = dialog.config()
    assert {k: cfg[k] for k in ("scale", "pretrain_steps", "adv_weight", "content")} == dict.fromkeys(
        ("scale", "pretrain_steps", "adv_weight", "content"))
    assert dialog.validate(), dialog.error_text()
    assert (sr.pretrain_steps.placeholderText(), sr.adv_weight.placeholderText()) == ("2000 (recipe)", "0.001 (recipe)")
    sr.scale.setCurrentIndex(sr.scale.findData(2))
    sr.pretrain_steps.setText("300")
    sr.adv_weight.setText("2e-3")
    sr.content.setCurrentIndex(sr.content.findData("mse"))
    cfg = dialog.config()
    assert (cfg["scale"], cfg["pretrain_steps"], cfg["adv_weight"], cfg["content"]) == (2, 300, 0.002, "mse")
    assert dialog.validate(), dialog.error_text()
    sr.pretrain_steps.setText("-5")  # the engine's check, on the field, in the form's words
    assert not dialog.validate() and sr.pretrain_steps.property("invalid") == "true"
    assert "SRResNet steps must be a number of steps ≥ 0" in dialog.error_text()
    sr.pretrain_steps.setText("1e2")
    sr.adv_weight.setText("x")
    assert not dialog.validate() and "Adversarial weight: 'x' is not a number" in dialog.error_text()
    sr.adv_weight.setText("")
    assert dialog.validate(), dialog.error_text()
    dialog.model.setCurrentIndex(dialog.model.findData("dcgan"))
    assert not sr.isVisibleTo(dialog) and "scale" not in dialog.config() and dialog.validate()
    assert dialog.dataset.findData("ring") >= 0


def test_the_enhance_thread_upscales_only_the_latest_input(qtbot, sr_ckpt):
    from PySide6.QtCore import QCoreApplication

    from ganstudio.workers.enhance import EnhanceRequest, EnhanceThread
    from ganstudio.workers.render import file_stamp

    thread = EnhanceThread()
    results = []
    thread.sig_result.connect(lambda rid, r: results.append((rid, r)))
    hr = held(sr_ckpt, 0)[0].numpy()
    inputs = [downsample(torch.from_numpy(hr)[None] * (1 - k / 10), F_)[0].numpy() for k in range(5)]
    try:
        with thread._slot.cond:  # the thread cannot take a request until all five are in: it sees the last only
            ids = [thread.request(EnhanceRequest(str(sr_ckpt), file_stamp(str(sr_ckpt)), x)) for x in inputs]
        qtbot.waitUntil(lambda: bool(results), timeout=20_000)
        thread.stop()  # joined: anything else it sent is in the event queue now
        QCoreApplication.processEvents()
        assert thread.computed == 1 and [rid for rid, _ in results] == [ids[-1]]
        want = pixels(load_generator(sr_ckpt).translate(torch.from_numpy(inputs[-1])[None]))
        assert np.array_equal(results[0][1].images["srgan"], want) and not results[0][1].psnr  # no HR given
    finally:
        thread.stop()
